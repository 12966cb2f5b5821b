"""`python -m entrypoint` run exactly as the Actions runner runs it, against the sandbox."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from helpers import labeled_payload

from pmaction.demo import run_action, run_demo

INCIDENT = {
    "now": "2026-03-01T10:00:00Z",
    "repo": "octo-org/octo-repo",
    "collaborators": ["alice", "bob"],
    "labels": [{"name": "incident", "color": "d73a4a"}],
    "issues": [
        {
            "number": 12,
            "title": "DB outage",
            "body": "### Timeline\n\n08:55 UTC - primary goes away #started\n",
            "user": "alice",
            "labels": ["incident"],
            "created_at": "2026-03-01T09:00:00Z",
            "comments": [{"user": "bob", "created_at": "2026-03-01T09:05:00Z", "body": "Paging the DBA."}],
        }
    ],
}


def test_a_labeled_event_runs_to_a_clean_end_with_outputs_and_summary(sandbox: Any, tmp_path: Path) -> None:
    sb = sandbox(INCIDENT)
    outcome = run_action(sb, "issues", labeled_payload(sb), tmp_path)
    assert outcome.code == 0, outcome.stdout
    page_url = outcome.outputs["wiki_page_url"]
    assert page_url.startswith(f"{sb.server_url}/octo-org/octo-repo/wiki/Postmortem-2026-03-01-12-DB-outage")
    assert outcome.outputs["milestone_number"] == "1"
    assert json.loads(outcome.outputs["created_issues"]) == []
    assert "## Post-mortem: [#12 DB outage]" in outcome.summary
    assert "::error" not in outcome.stdout
    page = next(text for name, text in sb.wiki_files().items() if name.startswith("Postmortem-"))
    assert "Paging the DBA." in page and "primary goes away" in page


def test_the_token_is_masked_first_and_appears_nowhere_else(sandbox: Any, tmp_path: Path) -> None:
    sb = sandbox({**INCIDENT, "wiki": "missing"})  # a failing run prints the most
    outcome = run_action(sb, "issues", labeled_payload(sb), tmp_path)
    assert outcome.code == 1
    lines = outcome.stdout.splitlines()
    assert lines[0] == f"::add-mask::{sb.token}"
    rest = "\n".join(lines[1:]) + outcome.summary + json.dumps(outcome.outputs)
    assert sb.token not in rest


def test_a_failure_is_one_error_line_that_names_the_fix_and_exit_code_1(sandbox: Any, tmp_path: Path) -> None:
    sb = sandbox({**INCIDENT, "wiki": "missing"})
    outcome = run_action(sb, "issues", labeled_payload(sb), tmp_path)
    errors = [line for line in outcome.stdout.splitlines() if line.startswith("::error")]
    assert outcome.code == 1
    assert len(errors) == 1
    assert "open the repository's Wiki tab once and save any page" in errors[0]
    # The issue-side steps still ran.
    state = sb.repo_state()
    assert len(state["milestones"]) == 1
    assert any("pmaction:status" in c["body"] for c in state["issues"][0]["comments"])


def test_an_unsupported_event_is_refused_with_the_events_it_handles(sandbox: Any, tmp_path: Path) -> None:
    sb = sandbox(INCIDENT)
    outcome = run_action(sb, "push", {"ref": "refs/heads/main"}, tmp_path)
    assert outcome.code == 1
    expected = "::error title=pmaction%3A configuration::pmaction does not handle the 'push' event"
    assert expected in outcome.stdout
    assert [r for r in sb.requests() if r["method"] != "GET"] == []


def test_a_bad_input_stops_before_any_request(sandbox: Any, tmp_path: Path) -> None:
    sb = sandbox(INCIDENT)
    payload = labeled_payload(sb)
    sb.clear_requests()
    outcome = run_action(sb, "issues", payload, tmp_path, inputs={"review_after": "soon"})
    assert outcome.code == 1
    assert "review_after: 'soon' is not a period" in outcome.stdout
    assert sb.requests() == []


def test_the_demo_tells_the_whole_story(tmp_path: Path, capsys: Any) -> None:
    assert run_demo(tmp_path / "demo") == 0
    printed = capsys.readouterr().out
    assert "[1/7] incident #41 labelled" in printed
    assert "the nag fired (1 overdue review(s))" in printed
    wiki = tmp_path / "demo" / "wiki"
    page = next(wiki.glob("Postmortem-*.md")).read_text()
    human_row = "| 2026-03-03 08:58 UTC | carol | Support tickets about missing confirmations arrive | wiki |"
    assert human_row in page
    assert "- [ ] Review consumer config changes like code @bob #prevent P1 (#42)" in page
    nag = (tmp_path / "demo" / "nag-comment.md").read_text()
    assert "### Post-mortem review overdue" in nag and "@alice" in nag
    issues = json.loads((tmp_path / "demo" / "issues.json").read_text())
    assert [i["number"] for i in issues if "postmortem-action" in i["labels"]] == [42, 43, 44]
