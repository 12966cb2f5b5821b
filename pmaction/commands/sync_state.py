"""What one sync learned and decided, and the views built from it (page context, facts, index row,
job summary). Pure: the I/O happens in pmaction.commands.sync."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo

from pmaction.guard.public import Guard
from pmaction.incident.model import Incident
from pmaction.incident.severity import severity
from pmaction.items.backlog import Backlog
from pmaction.items.parse import ItemsParse
from pmaction.meetings.calendar import Invitees
from pmaction.report.facts import IncidentFacts
from pmaction.report.render import ReviewState
from pmaction.review.milestone import Review
from pmaction.text.times import format_duration, format_time
from pmaction.timeline.durations import incident_start
from pmaction.timeline.model import Timeline
from pmaction.wiki.git import WikiOutcome
from pmaction.wiki.index import IndexRow
from pmaction.wiki.names import wiki_page_url
from pmaction.wiki.render import IssueItem, PageContext, ReviewInfo


@dataclass
class SyncState:
    """One incident as this run sees it; the steps fill it in order."""

    incident: Incident
    timeline: Timeline
    body_items: ItemsParse  # the issue body's action items, parsed once
    guard: Guard
    # The items as the public page shows them: the body parsed again only after a guard redacted it.
    shown_items: ItemsParse | None = None
    review: Review | None = None
    milestone_number: int | None = None  # the review milestone, once it exists
    reviews: dict[int, ReviewState] = field(default_factory=dict)
    page_name: str = ""
    page_url: str = ""
    wiki: WikiOutcome | None = None
    invitees: Invitees | None = None  # the facilitator and who the invitations go to

    @property
    def number(self) -> int:
        return self.incident.issue.number

    @property
    def full_name(self) -> str:
        return self.incident.repo.full_name

    @property
    def wiki_ok(self) -> bool:
        return self.wiki is not None and self.wiki.status in ("pushed", "unchanged", "dry_run")

    def url_of(self, server_url: str, name: str) -> str:
        return wiki_page_url(server_url, self.full_name, name)


def reviews_now(state: SyncState, backlog: Backlog, created: int) -> dict[int, ReviewState]:
    """The milestones' counts as listed, this incident's as its backlog listing tells them (a racing run's
    copies left out, so the last run to push never shows them), else plus the ``created`` issues this run
    just added to its milestone: otherwise the report lags one run behind and the next run commits again."""
    current = state.reviews.get(state.number)
    if current is None or state.milestone_number is None:
        return state.reviews
    if backlog.listed:
        open_issues, closed_issues = backlog.in_milestone()
        counted = replace(current, open_issues=open_issues, closed_issues=closed_issues)
        return {**state.reviews, state.number: counted}
    if not created:
        return state.reviews
    return {**state.reviews, state.number: replace(current, open_issues=current.open_issues + created)}


def facts_of(state: SyncState, url: str) -> IncidentFacts:
    moments = state.timeline.moments

    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    review = state.review
    return IncidentFacts(
        number=state.number,
        title=state.incident.issue.title,
        url=url,
        announced=iso(moments.announced),
        started=iso(moments.started),
        detected=iso(moments.detected),
        mitigated=iso(moments.mitigated),
        resolved=iso(moments.resolved),
        declared_over=iso(moments.declared_over),
        review_due=review.due_on.isoformat() if review and review.due_on else None,
    )


def issue_items(state: SyncState, backlog: Backlog) -> tuple[IssueItem, ...]:
    """The issue body's agreed items as the page shows them: with their issue and its state."""
    shown = []
    for item in (state.shown_items or state.body_items).agreed:
        ref = item.ref
        if ref is None and item.key in backlog.by_key:
            ref = backlog.by_key[item.key].number
        checked = item.checked
        if ref is not None and ref in backlog.by_number:
            checked = backlog.by_number[ref].state == "closed"
        shown.append(IssueItem(text=item.title, checked=checked, ref=ref))
    return tuple(shown)


def page_context(state: SyncState, backlog: Backlog, tz: tzinfo) -> PageContext:
    review = state.review
    review_info = None
    if review is not None and review.due_on is not None:
        review_info = ReviewInfo(
            title=review.title, url=review.html_url, due_on=review.due_on, state=review.state
        )
    return PageContext(
        repo=state.incident.repo,
        issue=state.incident.issue,
        timeline=state.timeline,
        severity=severity(state.incident.issue),
        tz=tz,
        review=review_info,
        issue_items=issue_items(state, backlog),
        items_closed=backlog.closed,
        items_total=backlog.total,
    )


def index_row(state: SyncState, url: str, tz: tzinfo) -> IndexRow:
    issue = state.incident.issue
    moments = state.timeline.moments
    start = incident_start(moments) or issue.created_at
    return IndexRow(
        repo=state.full_name,
        number=issue.number,
        title=issue.title,
        url=url,
        date=start.astimezone(tz).date(),
        status="Declared over" if moments.declared_over else "Open",
        duration=format_duration(state.timeline.durations.total),
        review_due=state.review.due_on if state.review else None,
    )


def due_text(review: Review) -> str:
    return f"due {review.due_on.isoformat()}" if review.due_on else "not scheduled"


def job_summary(state: SyncState, tz: tzinfo) -> str:
    issue = state.incident.issue
    moments = state.timeline.moments
    durations = state.timeline.durations
    declared = format_time(moments.declared_over, tz) if moments.declared_over else "not yet"
    lines = [
        f"## Post-mortem: [#{issue.number} {issue.title}]({issue.html_url})",
        "",
        "| | |",
        "|---|---|",
        f"| Timeline entries | {len(state.timeline.entries)} |",
        f"| Announced | {format_time(moments.announced, tz)} |",
        f"| Declared over | {declared} |",
        f"| Time to detect | {format_duration(durations.time_to_detect)} |",
        f"| Time to mitigate | {format_duration(durations.time_to_mitigate)} |",
        f"| Total duration | {format_duration(durations.total)} |",
    ]
    if state.review is not None:
        lines.append(f"| Review | {state.review.title}, {due_text(state.review)} |")
    if state.page_url and state.wiki is not None and state.wiki.status in ("pushed", "unchanged"):
        lines.append(f"| Wiki page | [{state.page_name}]({state.page_url}) |")
    return "\n".join(lines)
