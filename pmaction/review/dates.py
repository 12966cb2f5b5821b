"""The review date and the review milestone's text (pure functions, no I/O).

The review is held a configurable period after the incident (``review_after``, default two months). It
lives in a GitHub milestone, found again by a hidden marker in its description, never by its title.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.relativedelta import relativedelta

from pmaction.text import markers
from pmaction.text.words import truncate_words

# GitHub allows 255-character milestone titles.
MILESTONE_TITLE_LIMIT = 255
MILESTONE_PREFIX = "Post-mortem review:"
# Enough for any sane review period; more is almost certainly a typo (and would overflow dates).
MAX_PERIOD_DAYS = 3 * 366

Unit = Literal["days", "weeks", "months"]


@dataclass(frozen=True)
class Period:
    count: int
    unit: Unit

    def __str__(self) -> str:
        return f"{self.count} {self.unit[:-1] if self.count == 1 else self.unit}"


_PERIOD = re.compile(r"^\s*(?P<count>\d{1,4})\s*(?P<unit>[a-z]+)\s*$", re.IGNORECASE)
_UNITS: dict[str, Unit] = {
    **dict.fromkeys(("d", "day", "days"), "days"),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), "weeks"),
    **dict.fromkeys(("mo", "mos", "month", "months"), "months"),
}
_FORMS = "write N days, N weeks or N months (for example '2 months')"
_UNIT_DAYS = {"days": 1, "weeks": 7, "months": 31}


def parse_review_after(text: str) -> Period:
    """``"2 months"``, ``"6 weeks"``, ``"45 days"``, ``"10d"``, ``"2mo"`` ... as a Period."""
    match = _PERIOD.match(text or "")
    unit = _UNITS.get(match.group("unit").lower()) if match else None
    if match is None or unit is None:
        raise ValueError(f"review_after: {text!r} is not a period; {_FORMS}")
    count = int(match.group("count"))
    if count < 1:
        raise ValueError(f"review_after: {text!r} is not a period of at least one day; {_FORMS}")
    if count * _UNIT_DAYS[unit] > MAX_PERIOD_DAYS:
        raise ValueError(f"review_after: {text!r} is longer than three years; {_FORMS}")
    return Period(count, unit)


def add_period(start: date, p: Period) -> date:
    """``start`` + ``p``; calendar months clamp to the month's end (Jan 31 + 1 month = Feb 28/29)."""
    if p.unit == "months":
        return cast(date, start + relativedelta(months=p.count))
    if p.unit == "weeks":
        return start + timedelta(weeks=p.count)
    return start + timedelta(days=p.count)


def due_on_param(d: date) -> str:
    """The ``due_on`` to send: GitHub floors it to a US-Pacific date, and noon UTC is that same date."""
    return f"{d.isoformat()}T12:00:00Z"


def _pacific() -> ZoneInfo | None:
    try:
        return ZoneInfo("America/Los_Angeles")
    except ZoneInfoNotFoundError:
        return None


def due_date_from_api(due_on: datetime | None) -> date | None:
    """The date GitHub shows for a milestone: ``due_on`` comes back as Pacific midnight in UTC."""
    if due_on is None:
        return None
    if due_on.tzinfo is None:
        due_on = due_on.replace(tzinfo=UTC)
    zone = _pacific()
    if zone is not None:
        return due_on.astimezone(zone).date()
    # No tz database in the image: Pacific is UTC-7 or UTC-8, and -7 h maps both midnights (07:00Z in
    # summer, 08:00Z in winter) and our noon UTC to the right day.
    return (due_on.astimezone(UTC) - timedelta(hours=7)).date()


def milestone_title(number: int, title: str) -> str:
    """``Post-mortem review: #12 <title>``, within GitHub's limit. Unique because the number is."""
    return truncate_words(f"{MILESTONE_PREFIX} #{number} {' '.join(title.split())}", MILESTONE_TITLE_LIMIT)


def milestone_description(
    *, full_name: str, incident: int, incident_url: str, page_url: str | None, owners: Sequence[str] = ()
) -> str:
    """Where the review's material is; the owners line and the marker last."""
    lines = [f"Post-mortem review of incident #{incident}: {incident_url}"]
    if page_url:
        lines.append(f"Post-mortem page: {page_url}")
    lines.append("Its action items are the issues in this milestone; close the milestone after the review.")
    lines.append(markers.owners_marker(owners))
    lines.append(markers.review_marker(full_name, incident))
    return "\n".join(lines)


def parse_owners(description: str | None) -> tuple[str, ...] | None:
    """Owners recorded in a milestone description; None without an owners line (made by hand, or old)."""
    for line in (description or "").split("\n"):
        found = markers.parse_owners_marker(line)
        if found is not None:
            return found
    return None


def with_owners(description: str, owners: Sequence[str]) -> str:
    """The description with its owners line set, every other line (a person's notes too) unchanged."""
    lines = description.split("\n")
    new = markers.owners_marker(owners)
    for index, line in enumerate(lines):
        if markers.parse_owners_marker(line) is not None:
            lines[index] = new
            return "\n".join(lines)
    for index, line in enumerate(lines):
        if markers.is_review_marker(line):
            lines.insert(index, new)
            return "\n".join(lines)
    return "\n".join([*lines, new])


CALENDAR_PREFIX = "Meetings:"


def parse_facilitator(description: str | None) -> str | None:
    """The facilitator recorded on a milestone ('' for none named); None without the line."""
    for line in (description or "").split("\n"):
        found = markers.parse_facilitator_marker(line)
        if found is not None:
            return found
    return None


def with_meetings(description: str, facilitator: str | None, calendar: Sequence[str]) -> str:
    """The description with its calendar lines and facilitator line set (before the owners and review
    markers); every line a person wrote stays."""
    keep = [
        line
        for line in description.split("\n")
        if not line.startswith(CALENDAR_PREFIX) and markers.parse_facilitator_marker(line) is None
    ]
    at = next(
        (
            i
            for i, line in enumerate(keep)
            if markers.parse_owners_marker(line) is not None or markers.is_review_marker(line)
        ),
        len(keep),
    )
    ours = [f"{CALENDAR_PREFIX} {line}" for line in calendar] + [markers.facilitator_marker(facilitator)]
    return "\n".join([*keep[:at], *ours, *keep[at:]])
