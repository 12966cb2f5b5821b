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
            ("api", "GET", API): 1,
            (
                "api",
                "GET",
                API + "/issues/{issue_number}",
            ): 2,  # the incident; re-read before the edit (a 304)
            ("api", "GET", API + "/issues/{issue_number}/comments"): 2,  # again after the status comment
            ("api", "GET", API + "/issues/{issue_number}/events"): 1,
            ("api", "GET", API + "/milestones"): 1,
            ("api", "GET", API + "/issues"): 1,  # the backlog after creating: a concurrent run's copies
            ("api", "GET", API + "/labels"): 1,
            (
                "api",
                "GET",
                API + "/assignees",
            ): 1,  # alice, bob, carol: one listing (was one check per owner: 3)
            # writes
            ("api", "POST", API + "/milestones"): 1,
            ("api", "POST", API + "/labels"): 10,  # postmortem-action, 5 type: and 4 priority: labels
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
    # The re-read of the incident right before its body is edited is answered 304: not counted.
    assert [
        r["status"] for r in log if r["route"] == API + "/issues/{issue_number}" and r["method"] == "GET"
    ] == [
        200,
        304,
    ]
    assert sum(1 for r in log if r["kind"] == "api" and r["counted"]) == bench.api_total(expected) - 1


def test_a_second_sync_with_nothing_changed_writes_and_pushes_nothing(sandbox: Any) -> None:
    sb = sandbox(bench.sync_scenario(10, 5))
    bench.run_sync(sb)
    sb.clear_requests()

    bench.run_sync(sb, token=bench.JOB_TOKENS[1])  # the next job's GITHUB_TOKEN
    measured = bench.by_route(bench.settled_requests(sb))

    assert bench.writes(measured) == 0, sorted(k for k in measured if k[1] != "GET")
    assert bench.pushes(measured) == 0
    assert measured == Counter(
        {
            ("api", "GET", API + "/contents/{path}"): 1,
            ("api", "GET", API): 1,
            ("api", "GET", API + "/issues/{issue_number}"): 1,
            ("api", "GET", API + "/issues/{issue_number}/comments"): 1,
            ("api", "GET", API + "/issues/{issue_number}/events"): 1,
            ("api", "GET", API + "/milestones"): 1,
            ("api", "GET", API + "/issues"): 1,  # the backlog of the review milestone
            ("git", "GET", "git:info-refs"): 1,
            ("git", "POST", "git:upload-pack"): 2,
        }
    )
    assert not explained(measured, bench.rerun_needs(10, same_token=False))


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
            # open items: one listing per overdue review (owners: from the milestone, recorded by sync)
            ("api", "GET", API + "/issues"): overdue,
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
