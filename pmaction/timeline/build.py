"""The incident timeline: entries from every source, the key moments and the durations between them.

The team's timeline runs from the moment the incident was announced (incident label added, or the issue
opened with it) to the moment it was declared over (issue closed). Entries come from each source in
``SOURCES`` (the Timeline section of the issue body, trusted comments, issue events: timeline/sources/);
nothing is dropped: a line whose time can't be read stays, as "time unknown", with a warning. Pure
functions, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, tzinfo

from pmaction.incident.model import Incident
from pmaction.timeline.durations import compute_durations, order_warnings
from pmaction.timeline.model import DateOrder, Entry, Source, SourceContext, Timeline
from pmaction.timeline.moments import (
    announced_at,
    body_fields,
    compute_moments,
    declared_over_at,
    issue_entries,
)
from pmaction.timeline.sources import body, changes, comments, events, slack
from pmaction.timeline.sources.comments import DEFAULT_BOT_LOGINS

# Every source of entries, in the order their entries and warnings are listed (ties in time keep it).
SOURCES: tuple[Source, ...] = (body.entries, comments.entries, events.entries, slack.entries, changes.entries)


def sort_entries(entries: Iterable[Entry]) -> list[Entry]:
    """By time (ties keep the given order; an entry without a time follows the one above it in its source);
    the entries that have neither follow, in the given order."""
    listed = list(entries)
    timed = sorted((e for e in listed if e.at is not None), key=lambda e: e.at)  # type: ignore[arg-type,return-value]
    return timed + [e for e in listed if e.at is None]


def _default_date(incident: Incident, label: str, tz: tzinfo) -> date | None:
    """The day bare "HH:MM" times belong to: the day the incident was announced (an explicit Announced field
    first)."""
    announced = announced_at(incident.issue, incident.events, label)
    provisional = announced.astimezone(tz).date() if announced else None
    announced_field, _ = body_fields(incident.issue.body, tz=tz, default_date=provisional)
    anchor = announced_field.get("announced", announced)
    return anchor.astimezone(tz).date() if anchor else None


def build_timeline(
    incident: Incident,
    *,
    label: str = "incident",
    tz: tzinfo = UTC,
    include_events: bool = True,
    trusted_only: bool = True,
    bot_logins: frozenset[str] = DEFAULT_BOT_LOGINS,
    sources: Sequence[Source] = SOURCES,
    date_order: DateOrder = "auto",
) -> Timeline:
    """The whole timeline of one incident: every source's entries and the two issue moments."""
    issue, events = incident.issue, incident.events
    default_date = _default_date(incident, label, tz)
    fields, warnings = body_fields(issue.body, tz=tz, default_date=default_date)
    context = SourceContext(
        tz=tz,
        default_date=default_date,
        label=label,
        fields=fields,
        trusted_only=trusted_only,
        bot_logins=bot_logins,
        include_events=include_events,
        date_order=date_order,
    )
    collected: list[Entry] = []
    for source in sources:
        found, source_warnings = source(incident, context)
        collected.extend(found)
        warnings.extend(source_warnings)

    moments = compute_moments(
        collected,
        announced=announced_at(issue, events, label),
        declared_over=declared_over_at(issue, events),
        fields=fields,
    )
    own = issue_entries(issue, events, label, moments, fields)
    entries = sort_entries([own[0], *collected, *own[1:]])
    return Timeline(
        entries=tuple(entries),
        moments=moments,
        durations=compute_durations(moments),
        warnings=tuple([*warnings, *order_warnings(moments, tz)]),
    )
