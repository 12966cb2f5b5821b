"""The nag's decisions, without a network: when to remind, what the comment says."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from pmaction.github.data import Comment
from pmaction.review.milestone import Review
from pmaction.review.nag import (
    OpenItem,
    classify,
    due_now,
    needs_reminder,
    overdue_reviews_json,
    people_to_mention,
    reminder_cost,
    reminders_by_review,
    render_reminder,
    render_summary,
    statuses_of,
)
from pmaction.text.markers import Reminder, parse_reminders, reminder_marker

NOW = datetime(2026, 5, 10, 9, 0, tzinfo=UTC)


def review(due: date | None, open_issues: int = 3, closed: int = 2) -> Review:
    return Review(
        7, "Post-mortem review: #12 DB outage", "http://x/milestone/7", due, "open", open_issues, closed, 12
    )


def test_a_review_is_on_time_soon_or_overdue() -> None:
    today = NOW.date()
    assert classify(review(date(2026, 6, 1)), today, 7).state == "on-time"
    assert classify(review(date(2026, 5, 17)), today, 7).state == "soon"
    status = classify(review(date(2026, 5, 1)), today, 7)
    assert (status.state, status.days) == ("overdue", 9)


def test_the_coming_up_reminder_is_posted_once() -> None:
    status = classify(review(date(2026, 5, 12)), NOW.date(), 7)
    assert needs_reminder(status, [], NOW, 7) == "soon"
    assert needs_reminder(status, [Reminder(7, "soon", NOW - timedelta(days=3))], NOW, 7) is None


def test_an_overdue_review_is_nagged_at_most_once_per_interval() -> None:
    status = classify(review(date(2026, 5, 1)), NOW.date(), 7)
    assert needs_reminder(status, [], NOW, 7) == "overdue"
    recent = [Reminder(7, "overdue", NOW - timedelta(days=6, hours=23))]
    assert needs_reminder(status, recent, NOW, 7) is None
    older = [Reminder(7, "overdue", NOW - timedelta(days=7))]
    assert needs_reminder(status, older, NOW, 7) == "overdue"


def test_the_nag_mentions_owners_progress_and_open_items_and_carries_its_marker() -> None:
    status = classify(review(date(2026, 5, 1)), NOW.date(), 7)
    body = render_reminder(
        status,
        "overdue",
        now=NOW,
        people=["alice", "bob"],
        open_items=[OpenItem(31, "Alert on replication lag", ("bob",))],
    )
    assert "9 days ago" in body
    assert "2 of 5 items closed" in body
    assert "- [ ] #31 Alert on replication lag (@bob)" in body
    assert "@alice @bob" in body
    assert parse_reminders(body) == [Reminder(7, "overdue", NOW)]


def test_a_pasted_marker_mid_line_is_not_a_reminder() -> None:
    assert (
        parse_reminders("see <!-- pmaction:reminder review=7 kind=overdue at=2026-05-10T09:00:00Z --> x")
        == []
    )


def test_the_summary_table_lists_every_open_review() -> None:
    statuses = [
        classify(review(date(2026, 5, 1)), NOW.date(), 7),
        classify(review(date(2026, 7, 1)), NOW.date(), 7),
    ]
    table = render_summary(statuses, NOW.date())
    assert (
        "| #12 | [Post-mortem review: #12 DB outage](http://x/milestone/7) | 2026-05-01 | ⚠️ overdue by 9 d |"
        in table
    )
    assert "on time" in table
    assert "No open post-mortem reviews" in render_summary([], NOW.date())


def test_a_reminder_costs_its_comment_its_item_pages_and_the_incident_read_when_owners_are_unknown() -> None:
    # The comment and the incidents' listing (the agenda's recurrences), the items in pages of 100 (closed
    # ones too: the agenda shows them), and the incident when its owners are unknown.
    recorded = replace(review(date(2026, 5, 1), open_issues=0, closed=0), owners=("alice",))
    assert reminder_cost(recorded) == 2
    assert reminder_cost(replace(recorded, open_issues=150)) == 4
    assert reminder_cost(replace(recorded, open_issues=50, closed_issues=60)) == 4
    assert reminder_cost(replace(recorded, owners=None)) == 3


def test_only_reminders_written_by_pmaction_or_the_team_count() -> None:
    def comment(author: str, association: str, *, bot: bool = False) -> Comment:
        body = f"Review overdue\n\n{reminder_marker(7, 'overdue', NOW)}\n"
        return Comment(1, author, association, NOW, NOW, body, "http://x/c", author_is_bot=bot)

    ours = [comment("github-actions[bot]", "NONE", bot=True), comment("alice", "MEMBER")]
    outsider = comment("mallory", "NONE")

    assert reminders_by_review([*ours, outsider]) == {7: [Reminder(7, "overdue", NOW)] * 2}
    assert reminders_by_review([outsider]) == {}


def test_due_now_keeps_the_order_and_skips_reviews_reminded_already() -> None:
    soon = classify(replace(review(date(2026, 5, 12)), number=8), NOW.date(), 7)
    overdue = classify(review(date(2026, 5, 1)), NOW.date(), 7)
    reminded = {8: [Reminder(8, "soon", NOW - timedelta(days=1))]}

    assert due_now([overdue, soon], {}, NOW, 7) == [(overdue, "overdue"), (soon, "soon")]
    assert due_now([overdue, soon], reminded, NOW, 7) == [(overdue, "overdue")]


def test_people_to_mention_are_the_incidents_then_the_items_owners_once_and_never_a_bot() -> None:
    items = [OpenItem(14, "Alarm", ("bob", "alice")), OpenItem(15, "Runbook", ("dependabot[bot]", "carol"))]
    assert people_to_mention(("alice",), items) == ["alice", "bob", "carol"]


def test_statuses_are_soonest_first_and_the_overdue_output_lists_only_overdue_reviews() -> None:
    later = replace(review(date(2026, 6, 1)), number=9, incident=13)
    undated = replace(review(None), number=10, incident=14)
    overdue = review(date(2026, 5, 1))

    statuses = statuses_of([undated, later, overdue], NOW.date(), 7)

    assert [s.review.number for s in statuses] == [7, 9, 10]
    assert json.loads(overdue_reviews_json(statuses)) == [
        {
            "incident": 12,
            "milestone": 7,
            "due_on": "2026-05-01",
            "days_overdue": 9,
            "closed_items": 2,
            "total_items": 5,
            "url": "http://x/milestone/7",
        }
    ]


def test_a_review_without_items_says_so_instead_of_zero_of_zero() -> None:
    status = classify(review(date(2026, 5, 1), open_issues=0, closed=0), NOW.date(), 7)
    body = render_reminder(status, "overdue", now=NOW, people=["alice"], open_items=[])
    assert "0 of 0" not in body
    assert "No action items in the review milestone yet" in body


def test_open_items_are_listed_in_issue_order() -> None:
    status = classify(review(date(2026, 5, 1)), NOW.date(), 7)
    items = [OpenItem(44, "second", ()), OpenItem(43, "first", ())]
    body = render_reminder(status, "overdue", now=NOW, people=[], open_items=items)
    assert body.index("#43 first") < body.index("#44 second")
