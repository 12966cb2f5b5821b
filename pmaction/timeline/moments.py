"""The issue's own moments: when the incident was announced and declared over, the key moments, and the two
timeline entries the issue itself stands for.

Announced is when the incident label was added (or the issue opened with it); declared over is the last
close. Body fields (``Started:``, ``Announced:`` ...) name a moment directly and win over tags and events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, tzinfo

from pmaction.github.data import Issue, IssueEvent
from pmaction.incident.issueform import field_value
from pmaction.text.times import parse_time
from pmaction.timeline.model import Entry, Moments
from pmaction.timeline.tags import TIME_HINT, quote

# GitHub applies labels chosen at creation a moment after the issue exists; within this it was "opened with".
OPENED_WITH_LABEL = timedelta(seconds=60)
# Body fields that set a moment directly (explicit fields win over tags and over issue events).
MOMENT_FIELDS = {
    "started": "Started",
    "detected": "Detected",
    "mitigated": "Mitigated",
    "resolved": "Resolved",
    "announced": "Announced",
    "declared_over": "Declared over",
}


def first_labeled(events: Sequence[IssueEvent], label: str) -> IssueEvent | None:
    """The first event that added the incident label (it stands for the announcement on the timeline)."""
    wanted = label.lower()
    labeled = sorted(
        (e for e in events if e.event == "labeled" and (e.label or "").lower() == wanted),
        key=lambda e: e.created_at,
    )
    return labeled[0] if labeled else None


def _announce_event(issue: Issue, events: Sequence[IssueEvent], label: str) -> IssueEvent | None:
    """The labeled event that announced the incident, or None when the issue was opened with the label."""
    first = first_labeled(events, label)
    if first is None or first.created_at - issue.created_at <= OPENED_WITH_LABEL:
        return None
    return first


def announced_at(issue: Issue, events: Sequence[IssueEvent], label: str) -> datetime | None:
    """When the incident label was first added, or the issue's creation if it was opened with it.

    Without any labeled event we also fall back to the creation time: the events list can be empty for
    issues created with the label, and an incident always has a start to count from.
    """
    event = _announce_event(issue, events, label)
    return event.created_at if event is not None else issue.created_at


def close_event(issue: Issue, events: Sequence[IssueEvent]) -> IssueEvent | None:
    """The event that declared the incident over: the last close, if the issue is still closed."""
    if issue.state != "closed":
        return None
    closes = [e for e in events if e.event == "closed"]
    reopens = [e.created_at for e in events if e.event == "reopened"]
    if not closes:
        return None
    last = max(closes, key=lambda e: e.created_at)
    if reopens and max(reopens) > last.created_at:
        return None  # the events disagree with the state; issue.closed_at is the better witness
    return last


def declared_over_at(issue: Issue, events: Sequence[IssueEvent]) -> datetime | None:
    """When the issue was last closed, if it is closed now (a reopen clears it)."""
    event = close_event(issue, events)
    if event is not None:
        return event.created_at
    return issue.closed_at if issue.state == "closed" else None


def body_fields(body: str, *, tz: tzinfo, default_date: date | None) -> tuple[dict[str, datetime], list[str]]:
    """The moments the issue body names in its fields; a warning for each field without a readable time."""
    found: dict[str, datetime] = {}
    warnings: list[str] = []
    for name, label in MOMENT_FIELDS.items():
        value = field_value(body, label)
        if value is None:
            continue
        first = value.strip().split("\n", 1)[0]
        when = parse_time(first, tz=tz, default_date=default_date)
        if when is None:
            warnings.append(
                f'The "{label}" field of the issue body has no time pmaction can read: "{quote(first)}"'
                f" — {TIME_HINT}"
            )
        else:
            found[name] = when
    return found, warnings


def _tagged(entries: Iterable[Entry], tag: str) -> list[datetime]:
    return [e.when for e in entries if e.when is not None and tag in e.tags]


def compute_moments(
    entries: Sequence[Entry],
    *,
    announced: datetime | None,
    declared_over: datetime | None,
    fields: Mapping[str, datetime | None] | None = None,
) -> Moments:
    """Key moments: explicit body ``fields`` win; then tags (earliest, or the latest for resolved); announced
    and declared over come from the issue unless a field names them."""
    explicit = {name: when for name, when in (fields or {}).items() if when is not None}

    def tagged(tag: str, pick: Callable[[list[datetime]], datetime]) -> datetime | None:
        if tag in explicit:
            return explicit[tag]
        found = _tagged(entries, tag)
        return pick(found) if found else None

    return Moments(
        announced=explicit.get("announced", announced),
        declared_over=explicit.get("declared_over", declared_over),
        started=tagged("started", min),
        detected=tagged("detected", min),
        mitigated=tagged("mitigated", min),
        resolved=tagged("resolved", max),
    )


def issue_entries(
    issue: Issue, events: Sequence[IssueEvent], label: str, moments: Moments, fields: Mapping[str, datetime]
) -> list[Entry]:
    """The two moments the issue itself marks: announced (always) and declared over (once closed)."""

    def moment(key: str, when: datetime | None, text: str, author: str | None) -> Entry:
        return Entry(
            key=key,
            when=when,
            text=text,
            source="issue",
            author=author,
            url=issue.html_url,
            tags=frozenset({key}),
        )

    announce = _announce_event(issue, events, label)
    if "announced" in fields:
        text, author = "Incident announced (time from the issue body's Announced field)", None
    elif announce is not None:
        text, author = f"Incident announced: label `{label}` added by {announce.actor}", announce.actor
    else:
        text = f"Incident announced: issue opened with the `{label}` label by {issue.author}"
        author = issue.author
    made = [moment("announced", moments.announced, text, author)]
    if moments.declared_over is not None:
        close = close_event(issue, events)
        if "declared_over" in fields:
            text, author = "Incident declared over (time from the issue body's Declared over field)", None
        elif close is not None:
            text, author = f"Incident declared over: issue closed by {close.actor}", close.actor
        else:
            text, author = "Incident declared over: issue closed", None
        made.append(moment("declared-over", moments.declared_over, text, author))
    return made
