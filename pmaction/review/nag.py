"""The nag's decisions, without a network: where a review stands, which reminder is due, what it says.

Everything here is pure; ``pmaction.commands.nag`` reads GitHub, asks these functions and posts.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pmaction.github.data import BOT_LOGIN, TRUSTED_ASSOCIATIONS, Comment
from pmaction.review.milestone import Review
from pmaction.text.escape import inline
from pmaction.text.markers import REMINDER_HEADINGS, Reminder, parse_reminders, reminder_marker


@dataclass(frozen=True)
class ReviewStatus:
    review: Review
    state: str  # on-time | soon | overdue
    days: int  # days until due (soon / on-time) or days overdue


def classify(review: Review, today: date, remind_before_days: int) -> ReviewStatus:
    """Pure: where a review stands today."""
    if review.due_on is None:
        return ReviewStatus(review, "on-time", 0)
    delta = (review.due_on - today).days
    if delta < 0:
        return ReviewStatus(review, "overdue", -delta)
    if delta <= remind_before_days:
        return ReviewStatus(review, "soon", delta)
    return ReviewStatus(review, "on-time", delta)


def needs_reminder(
    status: ReviewStatus, last: Sequence[Reminder], now: datetime, nag_interval_days: int
) -> str | None:
    """Pure: which reminder (if any) to post now, given our earlier reminders for this review."""
    if status.state == "soon":
        return None if any(r.kind == "soon" for r in last) else "soon"
    if status.state == "overdue":
        nags = [r.at for r in last if r.kind == "overdue"]
        if nags and now - max(nags) < timedelta(days=nag_interval_days):
            return None
        return "overdue"
    return None


@dataclass(frozen=True)
class OpenItem:
    number: int
    title: str
    assignees: tuple[str, ...]


def render_reminder(
    status: ReviewStatus,
    kind: str,
    *,
    now: datetime,
    people: Sequence[str],
    open_items: Sequence[OpenItem],
    agenda: Sequence[str] = (),
) -> str:
    """The comment body (pure). Our marker is the last line."""
    review = status.review
    total = review.open_issues + review.closed_issues
    progress = (
        f"Progress: {review.closed_issues} of {total} items closed."
        if total
        else "No action items in the review milestone yet: agree some, or say in the review why none."
    )
    mention = " ".join(f"@{login}" for login in people)
    due = review.due_on.isoformat() if review.due_on else "n/a"
    if kind == "soon":
        when = "today" if status.days == 0 else f"in {status.days} day{'s' if status.days != 1 else ''}"
        lines = [
            REMINDER_HEADINGS[0],
            "",
            f"The review of this incident ([{review.title}]({review.html_url})) is due **{due}** ({when}).",
            progress,
        ]
    else:
        lines = [
            REMINDER_HEADINGS[1],
            "",
            f"The review of this incident ([{review.title}]({review.html_url})) was due **{due}**, "
            f"{status.days} day{'s' if status.days != 1 else ''} ago.",
            progress,
        ]
    if open_items and not agenda:  # the agenda lists every item, the open ones with owner and age
        lines += ["", "Open items:"]
        for item in sorted(open_items, key=lambda open_item: open_item.number):
            owners = " ".join(f"@{login}" for login in item.assignees)
            lines.append(f"- [ ] #{item.number} {inline(item.title)}" + (f" ({owners})" if owners else ""))
    if agenda:
        lines += ["", *agenda]
    if mention:
        lines += ["", f"{mention}: please hold the review, or close the milestone once it took place."]
    else:
        lines += ["", "Nobody is assigned: assign the incident or its items so someone owns the review."]
    lines += ["", reminder_marker(review.number, kind, now)]
    return "\n".join(lines) + "\n"


@dataclass
class Budget:
    """Caps the API requests of one run; when spent the run stops and says which input raises it."""

    limit: int
    used: int = 0
    exhausted: bool = False

    def take(self, count: int = 1) -> bool:
        if self.used + count > self.limit:
            self.exhausted = True
            return False
        self.used += count
        return True


def pages(count: int) -> int:
    """The requests one listing of ``count`` items costs (100 a page, at least one)."""
    return max(1, math.ceil(count / 100))


def statuses_of(reviews: Iterable[Review], today: date, remind_before_days: int) -> list[ReviewStatus]:
    """Where each review stands, soonest due first (undated last)."""
    return sorted(
        (classify(review, today, remind_before_days) for review in reviews),
        key=lambda s: (s.review.due_on or date.max, s.review.number),
    )


def reminder_window(remind_before_days: int, nag_interval_days: int) -> timedelta:
    """How far back our last reminders can matter: the comments of these days are read."""
    return timedelta(days=max(remind_before_days, nag_interval_days) + 1)


def reminders_by_review(comments: Sequence[Comment]) -> dict[int, list[Reminder]]:
    """Our reminders among ``comments``, by review milestone; a reminder-looking comment by an outsider
    does not count."""
    found: dict[int, list[Reminder]] = {}
    for comment in comments:
        is_ours = (
            comment.author_is_bot
            or comment.author == BOT_LOGIN
            or comment.association in TRUSTED_ASSOCIATIONS
        )
        if not is_ours:
            continue
        for reminder in parse_reminders(comment.body):
            found.setdefault(reminder.review, []).append(reminder)
    return found


def due_now(
    pending: Sequence[ReviewStatus],
    reminders: dict[int, list[Reminder]],
    now: datetime,
    nag_interval_days: int,
) -> list[tuple[ReviewStatus, str]]:
    """The reminders to post now: (review status, kind), in the order of ``pending``."""
    due = []
    for status in pending:
        kind = needs_reminder(status, reminders.get(status.review.number, []), now, nag_interval_days)
        if kind:
            due.append((status, kind))
    return due


def reminder_cost(review: Review) -> int:
    """The requests one reminder costs: the comment, plus the item listing when GitHub's counts say there
    is something to list, plus the incidents' listing, plus reading the incident when its owners were never
    recorded on the milestone (made by hand or by an older pmaction; sync records them)."""
    # The agenda lists every item (closed ones too) and the incidents, for recurrences (one listing a run:
    # counted for each reminder, so that the budget never runs short).
    items = review.open_issues + review.closed_issues
    cost = 1 + (math.ceil(items / 100) if items else 0) + 1
    return cost + (1 if review.owners is None else 0)


def people_to_mention(incident_assignees: Sequence[str], items: Sequence[OpenItem]) -> list[str]:
    """The incident's assignees (the facilitator first), then the open items' owners, each once; bots are
    never mentioned."""
    people: list[str] = []
    for login in [*incident_assignees, *(login for item in items for login in item.assignees)]:
        if login not in people and not login.endswith("[bot]"):
            people.append(login)
    return people


def overdue_reviews_json(statuses: Sequence[ReviewStatus]) -> str:
    """The ``overdue_reviews`` output: one compact JSON object per overdue review."""
    overdue = [
        {
            "incident": s.review.incident,
            "milestone": s.review.number,
            "due_on": s.review.due_on.isoformat() if s.review.due_on else None,
            "days_overdue": s.days,
            "closed_items": s.review.closed_issues,
            "total_items": s.review.open_issues + s.review.closed_issues,
            "url": s.review.html_url,
        }
        for s in statuses
        if s.state == "overdue"
    ]
    return json.dumps(overdue, separators=(",", ":"))


def render_summary(statuses: Sequence[ReviewStatus], today: date) -> str:
    if not statuses:
        return "## Post-mortem reviews\n\nNo open post-mortem reviews."
    lines = [
        "## Post-mortem reviews",
        "",
        f"As of {today.isoformat()}.",
        "",
        "| Incident | Review | Due | State | Progress |",
        "|---|---|---|---|---|",
    ]
    for status in statuses:
        review = status.review
        total = review.open_issues + review.closed_issues
        if status.state == "overdue":
            state = f"⚠️ overdue by {status.days} d"
        elif status.state == "soon":
            state = f"⏰ due in {status.days} d"
        else:
            state = "on time"
        due = review.due_on.isoformat() if review.due_on else "n/a"
        title = review.title.replace("|", "\\|")
        lines.append(
            f"| #{review.incident} | [{title}]({review.html_url}) | {due} | {state} | "
            f"{review.closed_issues} of {total} closed |"
        )
    return "\n".join(lines)
