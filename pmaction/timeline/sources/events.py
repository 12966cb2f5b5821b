"""Timeline entries from the issue's events: label, assignment, close and milestone changes.

The label event that announced the incident and the close that declared it over are not repeated here:
the issue's own "announced" and "declared-over" entries (timeline/moments.py) stand for them, unless the
body moved those moments elsewhere (then the events are history worth keeping).
"""

from __future__ import annotations

from collections.abc import Sequence

from pmaction.github.data import IssueEvent
from pmaction.incident.model import Incident
from pmaction.timeline.model import Entry, Found, SourceContext
from pmaction.timeline.moments import close_event, first_labeled

EVENT_KINDS = frozenset(
    {"labeled", "unlabeled", "assigned", "unassigned", "closed", "reopened", "milestoned"}
)


def _event_text(event: IssueEvent) -> str:
    # Logins without "@": the text may be quoted in issue comments, where "@" would notify people.
    match event.event:
        case "labeled":
            return f"Label `{event.label}` added"
        case "unlabeled":
            return f"Label `{event.label}` removed"
        case "assigned":
            return f"Assigned to {event.assignee}"
        case "unassigned":
            return f"Unassigned {event.assignee}"
        case "closed":
            return "Issue closed"
        case "reopened":
            return "Issue reopened"
        case "milestoned":
            return f"Added to milestone {event.milestone}"
    return event.event


def event_entries(events: Sequence[IssueEvent]) -> list[Entry]:
    """System entries for the issue events people care about (label, assignment, close, milestone)."""
    chosen = sorted((e for e in events if e.event in EVENT_KINDS), key=lambda e: (e.created_at, e.id))
    return [
        Entry(
            key=f"event-{event.id}",
            when=event.created_at,
            text=_event_text(event),
            source="event",
            author=event.actor,
            order=order,
        )
        for order, event in enumerate(chosen)
    ]


def entries(incident: Incident, context: SourceContext) -> Found:
    if not context.include_events:
        return [], []
    issue, events = incident.issue, incident.events
    standing_in = (
        None if "announced" in context.fields else first_labeled(events, context.label),
        None if "declared_over" in context.fields else close_event(issue, events),
    )
    covered = {e.id for e in standing_in if e is not None}
    return [e for e in event_entries(events) if int(e.key.removeprefix("event-")) not in covered], []
