"""Any number of runs on one incident at once: no copy of an action item is ever counted.

The harness (``tests/race_harness.py``) starts the label, comment and dispatch runs of one fresh incident as
three ``python -m entrypoint`` processes within 50 ms, then checks every invariant on the sandbox: one
milestone counting exactly the items, every copy closed as a duplicate and out of the milestone, one status
comment and one page row per item, the report's row and the nag's ``overdue_reviews`` counting each item
once. The suite runs 3 trials (~8 s on an idle machine); the 10-trial harness of issue #13 is
``PMACTION_RACE_TRIALS=10 .venv/bin/python -m pytest tests/test_concurrency_n.py`` (~25 s idle).

The other tests pin the parts the proof in docs/robustness.md rests on: GitHub's description lets a PATCH
clear a milestone with null; a status comment posted second is deleted by its own run; a copy an earlier
run left counting (it ended before closing it, or an older pmaction closed it but left it in the milestone)
is closed by the next run that lists the backlog.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import race_harness
from helpers import Person, backlog_issues, issue_state, run_sync, write_log

from pmaction.sandbox import Sandbox
from pmaction.sandbox.conformance import validate_log

TRIALS = int(os.environ.get("PMACTION_RACE_TRIALS", "3"))


@pytest.fixture(scope="module")
def shared() -> Iterator[Sandbox]:
    # One server for every trial: a reset costs milliseconds, a new server half a second.
    sb = Sandbox.start(race_harness.fresh_incident(), latency_ms=10)
    yield sb
    sb.stop()


@pytest.mark.parametrize("trial", range(TRIALS))
def test_three_runs_at_once_leave_no_copy_counted_anywhere(
    shared: Sandbox, tmp_path: Path, trial: int
) -> None:
    shared.reset(race_harness.fresh_incident())
    children = race_harness.run_at_once(shared, tmp_path, spread=0.05, seed=trial)

    broken = race_harness.check_invariants(shared, children, tmp_path)

    assert broken == [], "\n".join(broken)
    assert validate_log(shared.requests(bodies=True)) == []


# ---- the parts the argument rests on ------------------------------------------------------------------


def test_githubs_description_lets_a_patch_clear_the_milestone_with_null(sandbox: Any) -> None:
    sb = sandbox(race_harness.fresh_incident())
    person = Person(sb, sb.token)
    milestone = person._send("POST", "/milestones", {"title": "Review"})["number"]
    person.edit_issue(12, milestone=milestone)

    cleared = person.edit_issue(12, milestone=None)

    assert cleared["milestone"] is None
    # Checked at teardown too; asserted here so the test names what it is about.
    assert validate_log(sb.requests(bodies=True)) == []


def _synced_then_copied(sandbox: Any, **copy: Any) -> tuple[Sandbox, dict[str, Any], dict[str, Any]]:
    """A clean sync, then a copy of its first backlog issue made the way a racing run makes one (same body
    and milestone, by the same bot), as that run left it when it ended early."""
    sb = sandbox(race_harness.fresh_incident())
    assert run_sync(sb, 12).result.exit_code == 0
    original = backlog_issues(sb)[0]
    person = Person(sb, sb.token)
    made = person._send(
        "POST",
        "/issues",
        {"title": original["title"], "body": original["body"], "milestone": original["milestone"]["number"]},
    )
    if copy:
        person.edit_issue(made["number"], **copy)
    sb.clear_requests()
    return sb, original, made


@pytest.mark.parametrize(
    "left",
    [{}, {"state": "closed", "state_reason": "duplicate"}],
    ids=["left-open-by-a-run-that-ended-first", "closed-but-left-in-the-milestone"],
)
def test_a_copy_an_earlier_run_left_counting_is_closed_by_the_next_run(
    sandbox: Any, left: dict[str, Any]
) -> None:
    sb, original, copy = _synced_then_copied(sandbox, **left)

    run = run_sync(sb, 12)

    assert run.result.exit_code == 0, run.result.failed
    after = issue_state(sb, copy["number"])
    assert (after["state"], after["state_reason"], after["milestone"]) == ("closed", "duplicate", None)
    assert after["comments"] == []  # only the run that made a copy comments on it: never twice
    [milestone] = sb.repo_state()["milestones"]
    assert milestone["open_issues"] + milestone["closed_issues"] == len(race_harness.ITEMS)
    assert issue_state(sb, original["number"])["state"] == "open"
    report = sb.wiki_files()["Post-mortem-report.md"]
    assert f"| 0 of {len(race_harness.ITEMS)} |" in report
    assert [w for w in write_log(sb) if "issues/{issue_number}" in w] == [
        "PATCH /repos/{owner}/{repo}/issues/{issue_number}"
    ]


def test_a_copy_a_person_reopened_is_theirs_and_left_alone(sandbox: Any) -> None:
    sb, _, copy = _synced_then_copied(sandbox, state="closed", state_reason="duplicate")
    Person(sb, sb.token).edit_issue(copy["number"], state="open")  # GitHub: state_reason "reopened"
    sb.clear_requests()

    run = run_sync(sb, 12)

    assert run.result.exit_code == 0, run.result.failed
    assert issue_state(sb, copy["number"])["state"] == "open"
    assert not [w for w in write_log(sb) if w.startswith("PATCH /repos/{owner}/{repo}/issues/")]


def test_a_dry_run_only_plans_closing_a_copy(sandbox: Any) -> None:
    sb, _, copy = _synced_then_copied(sandbox)

    run = run_sync(sb, 12, dry_run="true")

    assert run.result.exit_code == 0, run.result.failed
    assert issue_state(sb, copy["number"])["state"] == "open"
    assert write_log(sb) == []
    assert any(f"would close #{copy['number']} as a duplicate" in line for line in run.result.done)


def test_a_run_whose_status_comment_came_second_deletes_its_own(sandbox: Any) -> None:
    """The run that made the milestone has no sign of a race, yet another run may post its status comment
    first: every run that creates one reads the comments again and keeps the oldest."""
    data = race_harness.fresh_incident()
    data["issues"][0]["body"] = "Primary database went away at 08:55 UTC.\n"  # no items: nothing else races
    sb = sandbox(data, latency_ms=5)
    sb.add_faults(
        [{"method": "POST", "route": "/repos/{owner}/{repo}/milestones", "kind": "slow", "delay_ms": 600}]
    )
    marker = f"<!-- pmaction:status {sb.repo}#12 -->"
    outcome: list[Any] = []
    thread = threading.Thread(target=lambda: outcome.append(run_sync(sb, 12)))
    thread.start()
    time.sleep(0.3)  # the run has read the comments (none of ours) and waits on its milestone
    other = Person(sb, sb.token).comment(12, f"### Post-mortem bookkeeping\n\nthe other run's\n\n{marker}\n")
    thread.join(timeout=60)

    assert outcome and outcome[0].result.exit_code == 0, outcome
    status = [c for c in issue_state(sb, 12)["comments"] if marker in c["body"]]
    assert [c["id"] for c in status] == [other["id"]]


def test_a_copy_another_run_closed_before_its_own_run_listed_is_never_linked(sandbox: Any) -> None:
    """Run A creates the item's issue while run B is still creating its copy; A lists first and closes B's
    copy out of the milestone, so B's listing no longer shows it: B must still link the item's issue."""
    data = race_harness.fresh_incident()
    data["issues"][0]["body"] = (
        "Primary database went away.\n\n### Action items\n\n- [ ] Write a runbook @alice\n"
    )
    first = sandbox(data)
    assert run_sync(first, 12).result.exit_code == 0
    [made] = backlog_issues(first)  # the body a run gives the item's issue (marker and all)
    sb = sandbox(data)
    slow = {"kind": "slow", "delay_ms": 700, "times": 1}
    sb.add_faults(
        [
            {**slow, "method": "POST", "route": "/repos/{owner}/{repo}/issues"},
            {**slow, "method": "GET", "route": "/repos/{owner}/{repo}/issues"},
        ]
    )
    bot = Person(sb, sb.token)
    outcome: list[Any] = []
    thread = threading.Thread(target=lambda: outcome.append(run_sync(sb, 12)))
    thread.start()
    _wait_for(lambda: sb.repo_state()["milestones"])
    time.sleep(0.3)  # B's create is on its way (slow): A's lands first
    original = bot._send("POST", "/issues", {"title": made["title"], "body": made["body"], "milestone": 1})
    _wait_for(lambda: len(backlog_issues(sb)) == 2)
    copy = backlog_issues(sb)[1]
    bot.edit_issue(copy["number"], state="closed", state_reason="duplicate", milestone=None)  # A closes it
    thread.join(timeout=60)

    assert outcome and outcome[0].result.exit_code == 0, outcome
    assert issue_state(sb, 12)["body"].endswith(f"Write a runbook @alice (#{original['number']})\n")
    assert json.loads(outcome[0].result.outputs["created_issues"]) == []


def _wait_for(condition: Any, timeout: float = 10) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)
