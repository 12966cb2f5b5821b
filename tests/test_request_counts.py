"""pmaction's API requests per command, exactly, counted from the sandbox's request log.

The expected counts are today's; every request above the REST minimum documented in ``bench/sync_costs.py``
must be one the benchmark explains (``KNOWN_EXTRA``). No timing here.
"""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from helpers import Person

from pmaction.sandbox import Sandbox

API = "/repos/{owner}/{repo}"


def _load_bench() -> ModuleType:
    path = Path(__file__).resolve().parent.parent / "bench" / "run.py"
    spec = importlib.util.spec_from_file_location("pmaction_bench", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


bench = _load_bench()


@pytest.fixture(scope="module")
def shared() -> Iterator[Sandbox]:
    # One server for the module: stopping a server costs ~0.5 s, a scenario reset a few ms.
    sb = Sandbox.start(bench.sync_scenario(0, 0))
    yield sb
    sb.stop()


@pytest.fixture
def sandbox(shared: Sandbox) -> Iterator[Any]:
    def start(scenario: dict[str, Any]) -> Sandbox:
        shared.reset(scenario)
        return shared

    yield start


def explained(measured: Counter[tuple[str, str, str]], needs: list[Any]) -> dict[tuple[str, str, str], int]:
    """Requests above (or below) the minimum that the benchmark does not explain: none, in a passing run."""
    return {
        key: n
        for key, n in bench.excess(measured, bench.minimum(needs)).items()
        if key not in bench.KNOWN_EXTRA
    }


def test_the_first_sync_of_an_incident_with_10_comments_and_5_items_reads_and_writes_this_much(
    sandbox: Any,
) -> None:
    sb = sandbox(bench.sync_scenario(10, 5))
    bench.run_sync(sb)
    log = bench.settled_requests(sb)
    measured = bench.by_route(log)

    expected = Counter(
        {
            # reads
            ("api", "GET", API + "/contents/{path}"): 1,  # .github/postmortem.yml: no checkout in the job
            # The payload carries the repository and the issue (were 2 reads); the one GET of the issue is
            # the body read right before its items are linked. No milestone listing: it is created.
            ("api", "GET", API + "/issues/{issue_number}"): 1,
            ("api", "GET", API + "/issues/{issue_number}/comments"): 2,  # again after the status comment
            ("api", "GET", API + "/issues/{issue_number}/events"): 1,
            # what changed in the repository around the start (`changes`, on by default): one page each
            ("api", "GET", API + "/deployments"): 1,
            ("api", "GET", API + "/releases"): 1,
            ("api", "GET", API + "/pulls"): 1,
            ("api", "GET", API + "/actions/runs"): 1,
            ("api", "GET", API + "/issues"): 1,  # the backlog after creating: a concurrent run's copies
            # The labels and who can be assigned (alice, bob, carol) in one GraphQL query (was a listing
            # each; before that, one check per owner)
            # writes
            ("api", "POST", API + "/milestones"): 1,
            # that query, then postmortem-action, 5 type: and 4 priority: labels in one GraphQL request of
            # createLabel mutations (was 10 POSTs)
            ("api", "POST", "/graphql"): 2,
            ("api", "POST", API + "/issues"): 5,
            ("api", "PATCH", API + "/issues/{issue_number}"): 1,  # "(#n)" after each item in the body
            ("api", "POST", API + "/issues/{issue_number}/comments"): 1,  # the status comment
            # wiki: one clone (protocol v2: advertisement, ls-refs, fetch) and one push
            ("git", "GET", "git:info-refs"): 2,
            ("git", "POST", "git:upload-pack"): 2,
            ("git", "POST", "git:receive-pack"): 1,
        }
    )
    assert measured == expected, bench.excess(measured, expected)
    assert not explained(measured, bench.first_sync_needs(10, 5))
    assert sum(1 for r in log if r["kind"] == "api" and r["counted"]) == bench.api_total(expected)


def test_the_first_sync_with_2000_past_incidents_costs_what_it_costs_without_them(sandbox: Any) -> None:
    sb = sandbox(bench.sync_scenario(10, 5, bench.PAST))
    bench.run_sync(sb)
    measured = bench.by_route(bench.settled_requests(sb))

    assert ("api", "GET", API + "/milestones") not in measured  # no listing of 2,000 milestones
    assert not explained(measured, bench.first_sync_needs(10, 5, bench.PAST))


def test_a_second_sync_with_nothing_changed_writes_and_pushes_nothing(sandbox: Any) -> None:
    sb = sandbox(bench.sync_scenario(10, 5))
    bench.run_sync(sb)
    sb.clear_requests()

    rerun = bench.run_sync(sb, token=bench.JOB_TOKENS[1])  # the next job's GITHUB_TOKEN
    log = bench.settled_requests(sb)
    measured = bench.by_route(log)

    assert bench.writes(measured) == 0, sorted(k for k in measured if k[1] != "GET")
    assert bench.pushes(measured) == 0
    # The status comment's record says the last sync saw this issue, these comments and settings, and left
    # the wiki at master's commit: nothing else is read (were 7 API and 3 git requests).
    assert measured == Counter(
        {
            ("api", "GET", API + "/contents/{path}"): 1,
            ("api", "GET", API + "/issues/{issue_number}/comments"): 1,
            ("git", "GET", "git:info-refs"): 1,  # git ls-remote: the ref advertisement and ls-refs
            ("git", "POST", "git:upload-pack"): 1,
        }
    )
    assert sum(1 for r in log if r["kind"] == "api" and r["counted"]) == 2
    assert not explained(measured, bench.rerun_needs(10, same_token=False))
    assert rerun.outputs["milestone_number"] == "1" and rerun.outputs["created_issues"] == "[]"
    assert rerun.outputs["wiki_page_url"].endswith(
        "/wiki/Postmortem-2026-03-01-12-DB-outage-primary-failover-took-40-minutes"
    )


def test_a_new_comment_or_a_wiki_edit_since_the_record_takes_the_full_path(sandbox: Any) -> None:
    scenario = bench.sync_scenario(10, 5)
    scenario["tokens"].append({"token": "ghp_sandboxBob0000000000000000000000000000", "user": "bob"})
    sb = sandbox(scenario)
    bench.run_sync(sb)
    Person(sb, scenario["tokens"][-1]["token"]).comment(bench.INCIDENT, "Observation: the replica caught up")
    sb.clear_requests()

    bench.run_sync(sb, token=bench.JOB_TOKENS[1])

    measured = bench.by_route(bench.settled_requests(sb))
    assert measured[("api", "GET", API + "/issues/{issue_number}/events")] == 1
    assert measured[("git", "POST", "git:receive-pack")] == 1  # the comment's row
    assert "Observation: the replica caught up" in next(
        text
        for name, text in sb.wiki_files().items()
        if name.startswith("Postmortem-") and name.endswith(".md")
    )

    sb.push_wiki_page("Notes.md", "Written by a person\n")  # master moves: the record's commit is old
    sb.clear_requests()
    bench.run_sync(sb, token=bench.JOB_TOKENS[1])
    measured = bench.by_route(bench.settled_requests(sb))
    assert measured[("api", "GET", API + "/issues/{issue_number}/events")] == 1
    assert measured[("git", "POST", "git:upload-pack")] == 1 + 2  # ls-remote, then the clone


def test_an_incident_without_items_needs_no_labels_no_owners_and_no_backlog(sandbox: Any) -> None:
    sb = sandbox(bench.sync_scenario(10, 0))
    bench.run_sync(sb)
    measured = bench.by_route(bench.settled_requests(sb))

    assert not {key for key in measured if "/labels" in key[2] or "/assignees" in key[2]}
    assert (("api", "POST", API + "/issues")) not in measured
    assert not explained(measured, bench.first_sync_needs(10, 0))


def test_the_nag_over_150_reviews_spends_two_requests_per_overdue_review(sandbox: Any) -> None:
    sb = sandbox(bench.nag_scenario(150))  # every tenth review overdue: 15
    bench.run_nag(sb)
    measured = bench.by_route(bench.settled_requests(sb))

    overdue = 15
    assert measured == Counter(
        {
            ("api", "GET", API + "/contents/{path}"): 1,
            ("api", "GET", API + "/milestones"): 2,  # 150 open milestones, 100 a page
            ("api", "GET", API + "/issues/comments"): 1,  # our recent reminders, one repo-wide listing
            # the items: one listing per overdue review (owners: from the milestone, recorded by sync), and
            # the 150 incidents once, 100 a page, for the agendas' recurrences
            ("api", "GET", API + "/issues"): overdue + 2,
            ("api", "POST", API + "/issues/{issue_number}/comments"): overdue,
        }
    )
    assert measured == bench.nag_minimum(150, overdue, 150)


def test_a_second_nag_the_same_day_only_reads(sandbox: Any) -> None:
    sb = sandbox(bench.nag_scenario(150))
    bench.run_nag(sb)
    sb.clear_requests()

    bench.run_nag(sb)
    measured = bench.by_route(bench.settled_requests(sb))

    assert bench.writes(measured) == 0
    assert measured == Counter(
        {
            ("api", "GET", API + "/contents/{path}"): 1,
            ("api", "GET", API + "/milestones"): 2,
            ("api", "GET", API + "/issues/comments"): 1,  # finds the 15 reminders: nothing is due again
        }
    )
