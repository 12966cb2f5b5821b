"""The invitations: one iCalendar file (RFC 5545) per incident holding both events, and a Google Calendar
link per event.

Each event keeps one UID per incident and meeting. The file is rebuilt from the one already on the wiki:
an event whose time moved gets SEQUENCE + 1 (so a calendar that imported it updates it instead of adding
a second), an event that changed otherwise keeps its SEQUENCE, and DTSTAMP changes only when the event
does, so an unchanged re-run writes the same bytes. ``icalendar`` is imported when a file is written, not
at start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import urlencode

from pmaction.meetings.spec import MeetingSpec

PRODID = "-//pmaction//post-mortem meetings//EN"
GOOGLE = "https://calendar.google.com/calendar/render"


@dataclass(frozen=True)
class Person:
    login: str
    email: str | None = None  # their public e-mail, when GitHub shows one
    chair: bool = False  # the facilitator


@dataclass(frozen=True)
class Invitees:
    """Who the invitations go to: the facilitator (chairing), then the incident's owners."""

    facilitator: str | None
    people: tuple[Person, ...]


@dataclass(frozen=True)
class Meeting:
    kind: str  # "postmortem" | "review"
    uid: str
    summary: str
    start: datetime  # aware, in the team's zone
    duration: timedelta
    description: str
    url: str  # the page, or the issue when there is no page

    @property
    def end(self) -> datetime:
        return self.start + self.duration


def uid_of(full_name: str, number: int, kind: str) -> str:
    """Stable for the incident and meeting, whatever its time, title or attendees."""
    owner, _, repo = full_name.lower().partition("/")
    return f"{kind}-{number}.{repo}.{owner}@pmaction"


def at_local(day: date, spec: MeetingSpec, tz: tzinfo) -> datetime:
    """``spec.at`` on ``day`` as a wall-clock time in ``tz`` (across a DST change, the wall clock wins)."""
    return datetime.combine(day, spec.at, tzinfo=tz)


def postmortem_start(spec: MeetingSpec, counted_from: datetime, tz: tzinfo) -> datetime:
    return at_local(spec.day_after(counted_from.astimezone(tz).date()), spec, tz)


def describe(lines: Sequence[str], people: Sequence[Person]) -> str:
    """The event's description: its lines, then who is invited but has no public e-mail (named here)."""
    unnamed = [f"@{person.login}" for person in people if not person.email]
    extra = [f"Also invited (no public e-mail on GitHub): {', '.join(unnamed)}"] if unnamed else []
    return "\n".join([*lines, *extra])


# --- the file ----------------------------------------------------------------------------------------


def _event(meeting: Meeting, people: Sequence[Person], sequence: int, stamp: datetime) -> Any:
    from icalendar import Event, vCalAddress

    event = Event()
    event.add("uid", meeting.uid)
    event.add("dtstamp", stamp)
    event.add("sequence", sequence)
    event.add("summary", meeting.summary)
    event.add("dtstart", meeting.start)
    event.add("duration", meeting.duration)
    event.add("description", meeting.description)
    event.add("url", meeting.url)
    chair = next((p for p in people if p.chair and p.email), None)
    if chair is not None:
        organizer = vCalAddress(f"mailto:{chair.email}")
        organizer.params["CN"] = chair.login
        event.add("organizer", organizer)
    for person in people:
        if person.email:
            attendee = vCalAddress(f"mailto:{person.email}")
            attendee.params["CN"] = person.login
            attendee.params["ROLE"] = "CHAIR" if person.chair else "REQ-PARTICIPANT"
            event.add("attendee", attendee)
    return event


@dataclass(frozen=True)
class _Known:
    sequence: int
    stamp: datetime
    when: tuple[Any, Any]  # (DTSTART, DURATION) as parsed
    shape: bytes  # the event without DTSTAMP and SEQUENCE, as parsed and written again


def _shape(event: Any) -> bytes:
    lines = event.to_ical().split(b"\r\n")
    return b"\r\n".join(line for line in lines if not line.startswith((b"DTSTAMP", b"SEQUENCE")))


def _known(component: Any) -> _Known:
    stamp = component.decoded("dtstamp", None)
    sequence = component.get("sequence", 0)
    return _Known(
        sequence=int(sequence) if str(sequence).isdigit() else 0,
        stamp=stamp.astimezone(UTC) if isinstance(stamp, datetime) else datetime.min.replace(tzinfo=UTC),
        when=(component.decoded("dtstart", None), component.decoded("duration", None)),
        shape=_shape(component),
    )


def previous_events(text: str | None) -> dict[str, _Known]:
    """The events of the file on the wiki, by UID; an unreadable file counts as none."""
    if not text:
        return {}
    from icalendar import Calendar

    try:
        calendar = Calendar.from_ical(text)
        return {str(event.get("uid")): _known(event) for event in calendar.walk("VEVENT") if event.get("uid")}
    except (ValueError, TypeError, KeyError):
        return {}


def _reparsed(event: Any) -> Any:
    from icalendar import Event

    return Event.from_ical(event.to_ical())  # the same path the file on the wiki takes when read back


def render_calendar(
    meetings: Sequence[Meeting],
    people: Sequence[Person],
    tz: tzinfo,
    *,
    previous: str | None,
    now: datetime,
) -> str:
    """The whole .ics text (CRLF lines, as RFC 5545 has them)."""
    from icalendar import Calendar, Timezone

    known = previous_events(previous)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    years = [meeting.start.year for meeting in meetings]
    if years:
        first, last = date(min(years), 1, 1), date(max(years) + 1, 1, 1)
        calendar.add_component(Timezone.from_tzinfo(tz, first_date=first, last_date=last))
    stamp_now = now.astimezone(UTC).replace(microsecond=0)
    for meeting in meetings:
        before = known.get(meeting.uid)
        if before is None:
            calendar.add_component(_event(meeting, people, 0, stamp_now))
            continue
        same = _event(meeting, people, before.sequence, before.stamp)
        parsed = _reparsed(same)
        if _shape(parsed) == before.shape:
            calendar.add_component(same)
            continue
        moved = (parsed.decoded("dtstart", None), parsed.decoded("duration", None)) != before.when
        calendar.add_component(_event(meeting, people, before.sequence + int(moved), stamp_now))
    return calendar.to_ical().decode("utf-8")


# --- the link -----------------------------------------------------------------------------------------


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def google_link(meeting: Meeting, people: Sequence[Person], tz: tzinfo) -> str:
    """A Google Calendar "add event" link with the same time, text and invitees."""
    params = {
        "action": "TEMPLATE",
        "text": meeting.summary,
        "dates": f"{_utc(meeting.start)}/{_utc(meeting.end)}",
        # The page, not the whole description: the link lives in comments and tables, and must stay short.
        "details": meeting.url,
    }
    zone = getattr(tz, "key", None)
    if zone:
        params["ctz"] = str(zone)
    emails = [person.email for person in people if person.email]
    if emails:
        params["add"] = ",".join(emails)
    return f"{GOOGLE}?{urlencode(params)}"
