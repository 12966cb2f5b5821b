"""pmaction spends exactly the API requests a command needs: counted from the sandbox's request log.

The expected counts are the minimums documented in ``bench/run.py`` (what each command must read and
write), plus the extras the benchmark found and explains (``KNOWN_EXTRA``). No timing here.
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


def test_the_first_sync_of_an_incident_with_10_comments_and_5_items_reads_and_writes_the_minimum(
    sandbox: Any,
) -> None:
    sb = sandbox(bench.sync_scenario(10, 5))
    bench.run_sync(sb)
    measured = bench.by_route(bench.settled_requests(sb))

    expected = Counter(
        {
            # reads
            ("api", "GET", API + "/contents/{path}"): 1,  # .github/postmortem.yml: no checkout in the job
            ("api", "GET", API): 1,
            ("api", "GET", API + "/issues/{issue_number}"): 2,  # the incident; re-read before the edit
            ("api", "GET", API + "/issues/{issue_number}/comments"): 1,
            ("api", "GET", API + "/issues/{issue_number}/events"): 1,
            ("api", "GET", API + "/milestones"): 1,
            ("api", "GET", API + "/labels"): 1,
            ("api", "GET", API + "/assignees/{assignee}"): 3,  # alice, bob, carol: once per owner
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
    assert expected == bench.sync_minimum(bench.first_sync_inputs(10, 5)), "test and bench/run.py disagree"
    assert measured == expected, bench.excess(measured, expected)


def test_a_second_sync_with_nothing_changed_writes_and_pushes_nothing(sandbox: Any) -> None:
    sb = sandbox(bench.sync_scenario(10, 5))
    bench.run_sync(sb)
    sb.clear_requests()

    bench.run_sync(sb)
    measured = bench.by_route(bench.settled_requests(sb))

    assert bench.writes(measured) == 0, sorted(k for k in measured if k[1] != "GET")
    assert bench.pushes(measured) == 0
    assert measured == bench.sync_minimum(bench.rerun_inputs(10, 5))


def test_an_incident_without_items_needs_no_labels_no_owners_and_no_backlog(sandbox: Any) -> None:
    sb = sandbox(bench.sync_scenario(10, 0))
    bench.run_sync(sb)
    measured = bench.by_route(bench.settled_requests(sb))

    assert measured == bench.sync_minimum(bench.first_sync_inputs(10, 0))


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
