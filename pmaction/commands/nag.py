"""`nag`: keep the review date from slipping, long after the incident issue was closed.

Reads, in this order and only as needed: the open milestones (one listing per 100, with
GitHub's own open/closed counts), the repository's comments of the last few days (to find our
last reminder by its marker), the incident issues (for assignees), and per review that needs a
reminder now its open backlog items. Writes one comment per reminder. State lives in GitHub:
nothing is cached between runs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from pmaction.errors import PmactionError
from pmaction.github.data import BOT_LOGIN, TRUSTED_ASSOCIATIONS
from pmaction.github.recorder import report_planned
from pmaction.review.milestone import Review, list_reviews
from pmaction.run.session import Session
from pmaction.text.markers import Reminder, parse_reminders, reminder_marker


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
) -> str:
    """The comment body (pure). Our marker is the last line."""
    review = status.review
    total = review.open_issues + review.closed_issues
    progress = f"{review.closed_issues} of {total} items closed"
    mention = " ".join(f"@{login}" for login in people)
    due = review.due_on.isoformat() if review.due_on else "n/a"
    if kind == "soon":
        when = "today" if status.days == 0 else f"in {status.days} day{'s' if status.days != 1 else ''}"
        lines = [
            "### Post-mortem review coming up",
            "",
            f"The review of this incident ([{review.title}]({review.html_url})) is due **{due}** ({when}).",
            f"Progress: {progress}.",
        ]
    else:
        lines = [
            "### Post-mortem review overdue",
            "",
            f"The review of this incident ([{review.title}]({review.html_url})) was due **{due}**, "
            f"{status.days} day{'s' if status.days != 1 else ''} ago.",
            f"Progress: {progress}.",
        ]
    if open_items:
        lines += ["", "Open items:"]
        for item in open_items:
            owners = " ".join(f"@{login}" for login in item.assignees)
            lines.append(f"- [ ] #{item.number} {_one_line(item.title)}" + (f" ({owners})" if owners else ""))
    if mention:
        lines += ["", f"{mention}: please hold the review, or close the milestone once it took place."]
    else:
        lines += ["", "Nobody is assigned: assign the incident or its items so someone owns the review."]
    lines += ["", reminder_marker(review.number, kind, now)]
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split()).replace("<!--", "&lt;!--")


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


@dataclass
class NagReport:
    statuses: list[ReviewStatus] = field(default_factory=list)
    posted: list[tuple[int, str]] = field(default_factory=list)  # (incident, kind)
    skipped_for_budget: list[int] = field(default_factory=list)


def _pages(count: int) -> int:
    return max(1, math.ceil(count / 100))


def nag(session: Session, number: int | None) -> None:
    config, reporter, result, github = session.config, session.reporter, session.result, session.github
    now = session.clock.now()
    today = now.astimezone(config.tz).date()
    budget = Budget(config.operations_per_run)
    reviews = list_reviews(github, state="open")
    budget.take(_pages(len(reviews)))
    report = NagReport()
    statuses = sorted(
        (classify(review, today, config.remind_before_days) for review in reviews.values()),
        key=lambda s: (s.review.due_on or date.max, s.review.number),
    )
    report.statuses = statuses
    pending = [s for s in statuses if s.state in ("soon", "overdue")]
    overdue_count = sum(1 for s in pending if s.state == "overdue")
    reporter.info(
        f"{len(statuses)} open review(s): {overdue_count} overdue, {len(pending) - overdue_count} coming up"
    )
    reminders: dict[int, list[Reminder]] = {}
    if pending:
        window = max(config.remind_before_days, config.nag_interval_days) + 1
        reminders = _recent_reminders(session, now - timedelta(days=window), budget)
    due_now = [
        (status, kind)
        for status in pending
        if (
            kind := needs_reminder(
                status, reminders.get(status.review.number, []), now, config.nag_interval_days
            )
        )
    ]
    for status, kind in due_now:
        review = status.review
        # The comment, plus the open-item listing when GitHub's count says there is something to list,
        # plus reading the incident when its owners were never recorded on the milestone (made by hand or
        # by an older pmaction; sync records them).
        cost = 1 + (math.ceil(review.open_issues / 100) if review.open_issues else 0)
        cost += 1 if review.owners is None else 0
        if not budget.take(cost):
            report.skipped_for_budget.append(review.incident)
            continue
        with reporter.group(f"#{review.incident} review {kind}"):
            try:  # one failed review (items or comment) must not stop the others
                items = _open_items(session, review) if review.open_issues else []
                people = _people(_incident_owners(session, review), items)
                body = render_reminder(status, kind, now=now, people=people, open_items=items)
                posted = github.create_comment(
                    review.incident,
                    body,
                    action=f"comment on incident #{review.incident}",
                    planned=f"would post a '{kind}' reminder on #{review.incident}",
                )
                report_planned(github.take_planned(), reporter, result.done)
                if posted is None:  # a dry run
                    continue
            except PmactionError as exc:
                result.fail(str(exc))
                continue
            report.posted.append((review.incident, kind))
            result.done.append(f"posted a '{kind}' reminder on #{review.incident}")
    if budget.exhausted or report.skipped_for_budget:
        left = ", ".join(f"#{n}" for n in report.skipped_for_budget)
        reporter.warning(
            f"operations_per_run={config.operations_per_run} spent after {budget.used} requests; "
            f"left for the next run: {left or 'the rest'}; raise operations_per_run to do more per run"
        )
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
    result.outputs["overdue_reviews"] = json.dumps(overdue, separators=(",", ":"))
    result.summary.append(render_summary(statuses, today))


def _recent_reminders(session: Session, since: datetime, budget: Budget) -> dict[int, list[Reminder]]:
    """Our reminders of the last days, from one repository-wide comment listing."""
    found: dict[int, list[Reminder]] = {}
    comments = session.github.recent_comments(since)
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
    budget.take(_pages(len(comments)))
    return found


def _incident_owners(session: Session, review: Review) -> tuple[str, ...]:
    """The incident's assignees: recorded on the milestone by sync, else read from the issue."""
    if review.owners is not None:
        return review.owners
    return session.github.issue(review.incident, action=f"read incident #{review.incident}").assignees


def _open_items(session: Session, review: Review) -> list[OpenItem]:
    """The review's open backlog issues (one listing; the milestone object is not fetched)."""
    listed = session.github.issues(
        state="open", milestone=review.number, action=f"list the open items of milestone {review.number}"
    )
    return [
        OpenItem(issue.number, issue.title, issue.assignees) for issue in listed if not issue.is_pull_request
    ]


def _people(incident_assignees: Sequence[str], items: Sequence[OpenItem]) -> list[str]:
    people: list[str] = []
    for login in [*incident_assignees, *(login for item in items for login in item.assignees)]:
        if login not in people and not login.endswith("[bot]"):
            people.append(login)
    return people


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
