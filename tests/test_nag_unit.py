"""The nag's decisions, without a network: when to remind, what the comment says."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from pmaction.commands.nag import (
    OpenItem,
    classify,
    needs_reminder,
    render_reminder,
    render_summary,
)
from pmaction.review.milestone import Review
from pmaction.text.markers import Reminder, parse_reminders

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
