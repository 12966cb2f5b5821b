"""The GitHub edge in a dry run, on the sandbox: reads are answered as usual, every write is recorded as a
sentence instead of sent, and the write methods return what says "not made"."""

from __future__ import annotations

from datetime import date

from conftest import SandboxFactory
from helpers import scenario, writes

from pmaction.github.client import ApiSettings, GitHub
from pmaction.github.recorder import report_planned
from pmaction.reporter import CollectingReporter
from pmaction.sandbox import Sandbox


def edge(sb: Sandbox, *, dry_run: bool) -> GitHub:
    settings = ApiSettings(api_url=sb.api_url, token=sb.token, seconds_between_writes=0, dry_run=dry_run)
    return GitHub(settings, sb.repo)


def test_a_dry_run_edge_reads_as_usual_and_sends_no_write(sandbox: SandboxFactory) -> None:
    sb = sandbox(scenario())
    github = edge(sb, dry_run=True)

    issue = github.issue(12)
    [comment] = github.comments(12)
    made_label = github.create_label("postmortem-action", "ededed", "follow-ups")
    milestone = github.create_milestone(
        title="Post-mortem review: #12", description="d", due=date(2026, 5, 1), action="a", planned="p1"
    )
    renamed = github.edit_milestone(1, title="t", description="d", action="a", planned="p2")
    created = github.create_issue(title="Runbook", body="Write it", labels=["x"], action="a", planned="p3")
    commented = github.create_comment(12, "Hello", action="a", planned="p4")
    edited = github.edit_issue(12, body="new", action="a", planned="p5")
    updated = github.edit_comment(comment.id, "edited", planned="p6")
    deleted = github.delete_comment(comment.id, planned="p7")

    assert issue.title.startswith("DB outage") and comment.author == "bob"
    assert (made_label, milestone, renamed, created, commented) == (None, None, None, None, None)
    assert (edited, updated, deleted) == (False, False, False)
    assert writes(sb) == 0
    planned = github.take_planned()
    assert [write.sentence for write in planned] == [
        "would create label 'postmortem-action'",
        "p1",
        "p2",
        "p3",
        "p4",
        "p5",
        "p6",
        "p7",
    ]
    assert github.take_planned() == []  # taken once


def test_planned_writes_go_to_the_runs_list_and_what_they_would_post_to_the_log(
    sandbox: SandboxFactory,
) -> None:
    sb = sandbox(scenario())
    github = edge(sb, dry_run=True)
    github.create_comment(12, "### Reminder\n\nhold the review", action="a", planned="would remind #12")
    reporter = CollectingReporter()
    done: list[str] = []

    report_planned(github.take_planned(), reporter, done)

    assert done == ["would remind #12"]
    assert reporter.of("info") == ["dry run: would comment on #12:\n### Reminder\n\nhold the review"]


def test_a_real_edge_sends_the_write_and_records_nothing(sandbox: SandboxFactory) -> None:
    sb = sandbox(scenario())
    github = edge(sb, dry_run=False)

    comment_id = github.create_comment(12, "Hello", action="comment on #12", planned="would comment")

    assert comment_id is not None and writes(sb) == 1
    assert github.take_planned() == []
