"""The action items of real post-mortems (tests/fixtures/postmortems/), each synced on the sandbox as an
incident issue's body: every agreed item becomes one backlog issue, or is linked to the issue it already
names, or is said (line number and all) in the status comment and the log; no proposal becomes an issue."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import SandboxFactory
from corpus import SyncedCorpus, case_names
from helpers import backlog_issues, issue_state, run_sync, scenario, status_comments, writes

CORPUS = Path(__file__).parent / "fixtures" / "postmortems"
CASES = case_names()


def _records(case: str) -> dict[int, dict[str, Any]]:
    expected = yaml.safe_load((CORPUS / case / "expected.yml").read_text(encoding="utf-8"))
    records = expected.get("action_items") or []
    return {int(r["line"]): r for r in records if r.get("item") or r.get("continues")}


def _annotation(before: str, after: str) -> int | None:
    """The issue number pmaction appended to a line (the line otherwise unchanged)."""
    if before == after:
        return None
    added = re.fullmatch(r"(?s)(.*?) \(#(\d+)\)(.*)", after)
    assert added and added[1] + added[3] in (before, before.rstrip()), (before, after)
    return int(added[2])


@pytest.mark.parametrize("case", CASES)
def test_every_agreed_item_of_a_real_postmortem_is_created_linked_or_said(
    synced_corpus: SyncedCorpus, case: str
) -> None:
    synced = synced_corpus.cases[case]
    body, incident, run, sb = synced.body, synced.number, synced.run, synced_corpus.sandbox
    records = _records(case)

    assert run.result.exit_code == 0, run.result.failed
    before, after = body.split("\n"), issue_state(sb, incident)["body"].split("\n")
    assert len(after) == len(before)  # only item lines changed, in place
    pairs = enumerate(zip(before, after, strict=True))
    annotated = {n + 1: number for n, (b, a) in pairs if (number := _annotation(b, a))}
    # A wrapped item is linked on its last line: the number belongs to the item's first.
    linked = {int(records.get(line, {}).get("continues") or line): n for line, n in annotated.items()}
    made = {issue["number"]: issue for issue in backlog_issues(sb, incident)}
    assert sorted(linked.values()) == sorted(made), "one backlog issue per annotated line, no other"
    [status] = status_comments(sb, incident)
    said = " ".join(run.warnings)
    for line, record in records.items():
        if record.get("continues"):
            continue
        if line in linked:
            assert record.get("agreed"), f"line {line} is a proposal but became #{linked[line]}"
            assert not record.get("existing_issue"), f"line {line} has an issue already; made #{linked[line]}"
            owner = str(record.get("owner") or "").lstrip("@")
            assert not owner or f"@{owner}" in made[linked[line]]["body"]
        elif record.get("agreed"):
            # Not made: linked to its issue elsewhere, already done, or a line the run says it did not read.
            named = re.compile(rf"\bline {line}\b")
            assert named.search(status["body"]), f"agreed line {line} was dropped without a word"
            if not record.get("existing_issue"):
                assert named.search(said) and "action item" in said, said


def test_a_second_sync_of_a_real_postmortem_writes_nothing(sandbox: SandboxFactory) -> None:
    body = (CORPUS / "google-sre-example-postmortem" / "body.md").read_text(encoding="utf-8")
    sb = sandbox(scenario(issue={"body": body}))
    run_sync(sb, 12)
    made = backlog_issues(sb)
    sb.clear_requests()

    run_sync(sb, 12)

    assert writes(sb) == 0
    assert backlog_issues(sb) == made
    # The two open rows without a bug became issues; the rows with a bug are tracked there, done rows skipped.
    assert sorted(issue["title"] for issue in made) == [
        "Freeze production until 2015-11-20 due to error budget exhaustion, or seek exception due to "
        "grotesque, unbelievable, bizarre, and unprecedented circumstances",
        "Schedule cascading failure test during next DiRT",
    ]
