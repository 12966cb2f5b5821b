"""Reading and writing the times people type into incident timelines.

People write times the way their chat tool or their habit does: ISO 8601, ``2026-03-01 09:12 UTC``,
``09:12 CET``, ``9:12pm ET``, ``10:15 Europe/Berlin``, ``March 1, 2026 10:15``. The forms are read by the
one stamp reader (text/stamps.py), zones by text/zones.py; a stamp is placed in its line's context (the
date, year and zone stated above it: ``place``) and everything is turned into aware UTC datetimes here,
and anything that cannot be read becomes ``None`` so the caller can keep the entry and warn.

Rules worth knowing:
- Naive times are in the configured zone (``tz``).
- A bare ``HH:MM`` takes ``default_date``. Only a timeline's lines, read in order, roll over to the next day
  after midnight (timeline/context.py); a single field or comment does not.
- A moment before 1970 or from the year 3000 on is unreadable (None) like any other: it is a typo, and
  near Python's year 1 or 9999 it could not even be shown in another zone or have a review date after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from dateutil import parser as dateparser

from pmaction.text.stamps import EARLIEST, LATEST, DateOrder, DateParts, Stamp, read_stamp, words_after
from pmaction.text.zones import ABBREVIATIONS

__all__ = ["ABBREVIATIONS", "EARLIEST", "LATEST", "format_duration", "format_time", "parse_time"]

# --- a stamp in its context: the moment it names ---------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """What holds at a line: the zone, the date and the year stated above it, and the list's order."""

    zone: tzinfo
    day: date | None = None
    year: int | None = None
    reverse: bool = False
    order: DateOrder = "auto"  # how "01-03-2026" reads: stated by the team, or learnt from the write-up


def valid_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


@dataclass(frozen=True)
class Placed:
    """A stamp read in its context: the moment (UTC), whether only a date was given, a warning."""

    when: datetime | None
    date_only: bool = False
    warning: str | None = None
    day: date | None = None  # the local date it lies on (the running date of the lines below)


def _year_for(month: int, day: int, near: date | None, stated: int | None) -> int | None:
    """The year of a date written without one: a stated year, else the one that puts it nearest ``near``."""
    if stated is not None:
        return stated
    if near is None:
        return None
    options = [y for y in (near.year - 1, near.year, near.year + 1) if valid_date(y, month, day)]
    return min(options, key=lambda y: abs((date(y, month, day) - near).days)) if options else None


def _pick(parts: DateParts, reading: Reading, near: date | None) -> tuple[date | None, str | None]:
    """The date ``parts`` denote; a warning when a day-or-month-first date is still ambiguous."""
    dates = []
    for month, day in parts.candidates:
        year = parts.year if parts.year is not None else _year_for(month, day, near, reading.year)
        found = valid_date(year, month, day) if year is not None else None
        if found is not None:
            dates.append(found)
    if len(dates) <= 1:
        return (dates[0] if dates else None), None
    day_first, month_first = dates[0], dates[1]  # _date_parts lists day first for "numeric"
    if parts.kind == "short":
        day_first, month_first = month_first, day_first
    if reading.order == "day-first":
        return day_first, None
    if reading.order == "month-first":
        return month_first, None
    if near is not None:
        gaps = sorted((abs((d - near).days), d) for d in dates)
        if gaps[0][0] <= 45 < gaps[1][0]:
            return gaps[0][1], None
    chosen = month_first if parts.kind == "short" else day_first
    other = month_first if chosen == day_first else day_first
    return chosen, (
        f"reads as {chosen:%d %B %Y} but could be {other:%d %B %Y}: set date_order: day-first or "
        "month-first in .github/postmortem.yml"
    )


def place(stamp: Stamp, reading: Reading, default_day: date | None) -> Placed:
    """The moment a stamp names at a line where ``reading`` holds (``default_day`` when no date is stated)."""
    zone = stamp.zone or reading.zone
    near = reading.day or default_day
    warning = None
    if stamp.date is not None:
        day, warning = _pick(stamp.date, reading, near)
        if day is None:
            return Placed(None, warning="its date does not exist")
    else:
        day = near
        if day is None:
            return Placed(None, warning="no date is stated for it")
    clock = time(*stamp.clock) if stamp.clock is not None else time(0, 0)
    if stamp.second is not None:
        agreed = _agreeing(stamp, day, zone)
        if agreed is None:
            return Placed(None, warning="its two times are not one moment in two zones written after them")
        zone = agreed
    when = moment(day, clock, zone)
    if when is None:
        return Placed(None, warning="it lies outside the years 1970 to 2999")
    return Placed(when, date_only=stamp.clock is None, warning=warning, day=day)


def _agreeing(stamp: Stamp, day: date, zone: tzinfo) -> tzinfo | None:
    """One moment written in two zones ("2:20/1:20 PM EST/CST"): the zone of the first clock, if the two
    name the same instant; the second zone if they do with the zones the other way round ("7:30/6:30 pm
    CST/EST", 7:30 Eastern); else None (which one is meant cannot be told, as in "10:00/11:00 UTC")."""
    assert stamp.second is not None and stamp.clock is not None
    (clock2, zone2), clock1 = stamp.second, time(*stamp.clock)
    if zone2 is None:
        return None
    for first, second in ((zone, zone2), (zone2, zone)):
        one, two = moment(day, clock1, first), moment(day, time(*clock2), second)
        if one is not None and two is not None and (one - two) % timedelta(days=1) == timedelta(0):
            return first
    return None


def moment(day: date, clock: time, zone: tzinfo) -> datetime | None:
    """``day`` at ``clock`` in ``zone``, in UTC; None outside the moments an incident may name."""
    try:
        utc = datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    return utc if EARLIEST <= utc < LATEST else None


# --- reading and writing one time --------------------------------------------------------------------

_WRAPPERS = (("**", "**"), ("__", "__"), ("`", "`"), ("[", "]"), ("*", "*"), ("_", "_"))
_TRAILING_MARKS = " \t*_`])"


def _in_range(moment: datetime) -> datetime | None:
    try:
        utc = moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    return utc if EARLIEST <= utc < LATEST else None


def _timed(text: str) -> Stamp | None:
    stamp = read_stamp(text)
    return stamp if stamp is not None and stamp.clock is not None else None


def parse_time(text: str, *, tz: tzinfo, default_date: date | None) -> datetime | None:
    """The whole of ``text`` read as one moment (aware UTC), or None when it can't be read."""
    cleaned = _unwrap(text.strip())
    stamp = _timed(cleaned)
    if stamp is not None and not stamp.prose:
        if cleaned[stamp.end :].strip(_TRAILING_MARKS):
            return None  # "10:15 and then some", "10:15 XYZ": more than a time
        return place(stamp, Reading(zone=tz), default_date).when
    return _fallback(cleaned, tz=tz)


def _fallback(text: str, *, tz: tzinfo) -> datetime | None:
    """Longer forms ("March 1, 2026 10:15 UTC") via dateutil, only when a year and a clock time are present:
    dateutil fills missing parts from today, which would invent dates."""
    if not re.search(r"\b\d{4}\b", text) or not re.search(r"\d:\d{2}", text):
        return None
    try:
        value = dateparser.parse(text, tzinfos=ABBREVIATIONS)
        if f"{value.year:04d}" not in re.findall(r"\b\d{4}\b", text):
            return None  # dateutil read another year than the one written ("0001" as 2001)
        return _in_range(value if value.tzinfo is not None else value.replace(tzinfo=tz))
    except (ValueError, OverflowError):
        return None


def _unwrap(text: str) -> str:
    for opener, closer in _WRAPPERS:
        if text.startswith(opener) and text.endswith(closer) and len(text) > len(opener) + len(closer):
            return text[len(opener) : -len(closer)].strip()
    return text


def split_time_prefix(line: str, *, tz: tzinfo, default_date: date | None) -> tuple[datetime | None, str]:
    """A leading time and the text after it (separator ``-``, ``–``, ``:``, ``|`` removed; a sentence that
    starts with a time, "At 10:15 UTC we ...", stays whole).

    Returns (None, the stripped line) when the line does not start with a readable time.
    """
    text = line.strip()
    stamp = _timed(text)
    if stamp is None:
        return None, text
    when = place(stamp, Reading(zone=tz), default_date).when
    if when is None:
        return None, text
    words, closer = words_after(text, stamp)
    if closer and words.endswith(closer):
        words = words[: -len(closer)].rstrip()
    return when, words


def format_time(dt: datetime | None, tz: tzinfo, *, date_only: bool = False) -> str:
    """``2026-03-01 11:15 CET`` in the configured zone; ``time unknown`` for None; ``2026-03-01, time not
    given`` for an entry the write-up dates without a time."""
    if dt is None:
        return "time unknown"
    try:
        local = dt.astimezone(tz)
    except OverflowError:  # within a day of Python's year 1 or 9999: UTC can still show it
        local = dt.astimezone(UTC)
    if date_only:
        return f"{local:%Y-%m-%d}, time not given"
    name = local.tzname() or ""
    if not name or name[0] in "+-":
        offset = local.utcoffset() or timedelta(0)
        name = "UTC" if not offset else "UTC" + _format_offset(offset)
    return f"{local:%Y-%m-%d %H:%M} {name}"


def _format_offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{mins:02d}" if mins else f"{sign}{hours}"


_UNITS = (("d", 86400), ("h", 3600), ("min", 60), ("s", 1))


def format_duration(td: timedelta | None) -> str:
    """Two most significant units, truncated: ``1 h 25 min``, ``3 d 2 h``, ``45 s``; None → ``n/a``."""
    if td is None:
        return "n/a"
    seconds = int(td.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    for index, (name, size) in enumerate(_UNITS):
        if seconds >= size:
            first, rest = divmod(seconds, size)
            text = f"{first} {name}"
            if index + 1 < len(_UNITS):
                next_name, next_size = _UNITS[index + 1]
                if rest // next_size:
                    text += f" {rest // next_size} {next_name}"
            return sign + text
    return "0 s"
