"""Reading and writing the times people type into incident timelines.

People write times the way their chat tool or their habit does: ISO 8601, ``2026-03-01 09:12 UTC``,
``09:12 CET``, ``9:12pm ET``, ``10:15 Europe/Berlin``, ``March 1, 2026 10:15``. The forms are read by the
one stamp reader (text/stamps.py), zones by text/zones.py; everything is turned into aware UTC datetimes
here, and anything that cannot be read becomes ``None`` so the caller can keep the entry and warn.

Rules worth knowing:
- Naive times are in the configured zone (``tz``).
- A bare ``HH:MM`` takes ``default_date``. Only a timeline's lines, read in order, roll over to the next day
  after midnight (timeline/context.py); a single field or comment does not.
- A moment before 1970 or from the year 3000 on is unreadable (None) like any other: it is a typo, and
  near Python's year 1 or 9999 it could not even be shown in another zone or have a review date after it.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo

from dateutil import parser as dateparser

from pmaction.text.stamps import EARLIEST, LATEST, Reading, Stamp, place, read_stamp, words_after
from pmaction.text.zones import ABBREVIATIONS

__all__ = ["ABBREVIATIONS", "EARLIEST", "LATEST", "format_duration", "format_time", "parse_time"]

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
