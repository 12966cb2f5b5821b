"""`nag`: keep the review date from slipping, long after the incident issue was closed.

Reads, in this order and only as needed: the open milestones (one listing per 100, with
GitHub's own open/closed counts), the repository's comments of the last few days (to find our
last reminder by its marker), the incident issues (for assignees), and per review that needs a
reminder now its open backlog items. Writes one comment per reminder. State lives in GitHub:
nothing is cached between runs. What to post, and when, is decided in ``pmaction.review.nag``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pmaction.commands.nag_agenda import Incidents, review_agenda
from pmaction.errors import PmactionError
from pmaction.github.data import Issue
from pmaction.github.recorder import report_planned
from pmaction.review.milestone import Review, list_reviews
from pmaction.review.nag import (
    Budget,
    OpenItem,
    ReviewStatus,
    due_now,
    overdue_reviews_json,
    pages,
    people_to_mention,
    reminder_cost,
    reminder_window,
    reminders_by_review,
    render_reminder,
    render_summary,
    statuses_of,
)
from pmaction.run.session import Session
from pmaction.text.markers import Reminder


def nag(session: Session, number: int | None) -> None:
    config, result = session.config, session.result
    now = session.clock.now()
    today = now.astimezone(config.tz).date()
    budget = Budget(config.operations_per_run)
    reviews = list_reviews(session.github, state="open")
    budget.take(pages(len(reviews)))
    statuses = statuses_of(reviews.values(), today, config.remind_before_days)
    pending = [s for s in statuses if s.state in ("soon", "overdue")]
    overdue_count = sum(1 for s in pending if s.state == "overdue")
    session.reporter.info(
        f"{len(statuses)} open review(s): {overdue_count} overdue, {len(pending) - overdue_count} coming up"
    )
    left = _remind(session, pending, now, budget)
    if budget.exhausted or left:
        names = ", ".join(f"#{n}" for n in left)
        session.reporter.warning(
            f"operations_per_run={config.operations_per_run} spent after {budget.used} requests; "
            f"left for the next run: {names or 'the rest'}; raise operations_per_run to do more per run"
        )
    result.outputs["overdue_reviews"] = overdue_reviews_json(statuses)
    result.summary.append(render_summary(statuses, today))


def _remind(session: Session, pending: Sequence[ReviewStatus], now: datetime, budget: Budget) -> list[int]:
    """Post every reminder due now that the budget allows; returns the incidents left for the next run."""
    config = session.config
    reminders: dict[int, list[Reminder]] = {}
    if pending:
        since = now - reminder_window(config.remind_before_days, config.nag_interval_days)
        reminders = _recent_reminders(session, since, budget)
    left: list[int] = []
    incidents = Incidents(session)  # listed once per run, for every reminder's agenda
    for status, kind in due_now(pending, reminders, now, config.nag_interval_days):
        if not budget.take(reminder_cost(status.review)):
            left.append(status.review.incident)
            continue
        with session.reporter.group(f"#{status.review.incident} review {kind}"):
            _post_reminder(session, status, kind, now, incidents)
    return left


def _post_reminder(
    session: Session, status: ReviewStatus, kind: str, now: datetime, incidents: Incidents
) -> None:
    """One reminder on the incident issue; a failure is reported and the other reviews still get theirs."""
    review, github = status.review, session.github
    try:
        listed = _milestone_items(session, review)
        items = [OpenItem(i.number, i.title, i.assignees) for i in listed if i.state == "open"]
        people = people_to_mention(_mentioned(session, review), items)
        agenda = review_agenda(session, review, listed, now, incidents)
        body = render_reminder(status, kind, now=now, people=people, open_items=items, agenda=agenda)
        posted = github.create_comment(
            review.incident,
            body,
            action=f"comment on incident #{review.incident}",
            planned=f"would post {reminder_name(kind)} on #{review.incident}",
        )
    except PmactionError as exc:
        session.result.fail(str(exc))
        return
    report_planned(github.take_planned(), session.reporter, session.result.done)
    if posted is not None:  # None: a dry run, which only planned it
        session.result.done.append(f"posted {reminder_name(kind)} on #{review.incident}")


def reminder_name(kind: str) -> str:
    return "an overdue-review reminder" if kind == "overdue" else "a review-coming-up reminder"


def _recent_reminders(session: Session, since: datetime, budget: Budget) -> dict[int, list[Reminder]]:
    """Our reminders of the last days, from one repository-wide comment listing."""
    comments = session.github.recent_comments(since)
    budget.take(pages(len(comments)))
    return reminders_by_review(comments)


def _incident_owners(session: Session, review: Review) -> tuple[str, ...]:
    """The incident's assignees: recorded on the milestone by sync, else read from the issue."""
    if review.owners is not None:
        return review.owners
    return session.github.issue(review.incident, action=f"read incident #{review.incident}").assignees


def _mentioned(session: Session, review: Review) -> tuple[str, ...]:
    """The facilitator (recorded on the milestone by sync, else the config's), then the incident's owners."""
    facilitator = review.facilitator if review.facilitator is not None else session.config.facilitator
    return ((facilitator,) if facilitator else ()) + _incident_owners(session, review)


def _milestone_items(session: Session, review: Review) -> list[Issue]:
    """The review's backlog issues, open and closed (one listing when GitHub's counts say there are any;
    the milestone object is not fetched)."""
    if not review.open_issues + review.closed_issues:
        return []
    listed = session.github.issues(
        state="all", milestone=review.number, action=f"list the items of milestone {review.number}"
    )
    return [issue for issue in listed if not issue.is_pull_request]
