"""Reading and writing the times people type into incident timelines.

People write times the way their chat tool or their habit does: ISO 8601, ``2026-03-01 09:12 UTC``,
``09:12 CET``, ``9:12pm ET``, ``10:15 Europe/Berlin``. Everything is turned into aware UTC datetimes
here; anything that cannot be read becomes ``None`` so the caller can keep the entry and warn.

Rules worth knowing:
- Naive times are in the configured zone (``tz``).
- A bare ``HH:MM`` takes ``default_date`` (the incident's announced date in the configured zone). We do not
  guess "the next day" for times after midnight: write the date for those.
- Specific abbreviations are fixed offsets (EST is always UTC-5); generic ones (ET, CT, MT, PT) follow the
  daylight-saving rules of the date. CET/CEST are fixed: write Europe/Berlin to follow DST.
- A moment before 1970 or from the year 3000 on is unreadable (None) like any other: it is a typo, and
  near Python's year 1 or 9999 it could not even be shown in another zone or have a review date after it.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import parser as dateparser


def _fixed(hours: float) -> timezone:
    return timezone(timedelta(hours=hours))


# Abbreviations we accept. Generic North-American names map to a region so DST follows the date;
# the rest are the fixed offsets they denote. IST means India (the most common reading on on-call teams).
ABBREVIATIONS: dict[str, tzinfo] = {
    "UTC": UTC,
    "Z": UTC,
    "GMT": UTC,
    "ET": ZoneInfo("America/New_York"),
    "EST": _fixed(-5),
    "EDT": _fixed(-4),
    "CT": ZoneInfo("America/Chicago"),
    "CST": _fixed(-6),
    "CDT": _fixed(-5),
    "MT": ZoneInfo("America/Denver"),
    "MST": _fixed(-7),
    "MDT": _fixed(-6),
    "PT": ZoneInfo("America/Los_Angeles"),
    "PST": _fixed(-8),
    "PDT": _fixed(-7),
    "CET": _fixed(1),
    "CEST": _fixed(2),
    "BST": _fixed(1),
    "IST": _fixed(5.5),
    "JST": _fixed(9),
    "AEST": _fixed(10),
    "AEDT": _fixed(11),
    # Not asked for, but common on distributed teams; unknown words stay text, so listing them matters.
    "WET": _fixed(0),
    "WEST": _fixed(1),
    "EET": _fixed(2),
    "EEST": _fixed(3),
    "MSK": _fixed(3),
    "SGT": _fixed(8),
    "HKT": _fixed(8),
    "KST": _fixed(9),
    "AWST": _fixed(8),
    "ACST": _fixed(9.5),
    "NZST": _fixed(12),
    "NZDT": _fixed(13),
    "HST": _fixed(-10),
    "AKST": _fixed(-9),
    "AKDT": _fixed(-8),
}
# The moments an incident's times may name (UTC): anything else is a typo that would overflow later.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)  # exclusive
# Abbreviations written in lower case are accepted only for these: "10:15 et al" must stay text.
_LOWERCASE_OK = frozenset({"UTC", "GMT"})

_STAMP = re.compile(
    r"""
    (?:(?P<date>\d{4}-\d{2}-\d{2})(?:T|[ ]+))?   # optional date, then T or spaces
    (?P<time>\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)
    (?:[ ]?(?P<ampm>[AaPp]\.?[Mm]\.?)(?![A-Za-z]))?
    """,
    re.VERBOSE,
)
# A zone right after the time: Z, an offset, UTC+1, an IANA name or a word of letters (checked in code).
_ZONE = re.compile(
    r"""
    (?P<sp>[ ]*)
    (?:
        (?P<offset>[+-]\d{2}(?::?\d{2})?)
      | (?P<utcoff>(?:UTC|GMT)[+-]\d{1,2}(?::?\d{2})?)
      | (?P<iana>[A-Za-z][A-Za-z_-]*(?:/[A-Za-z0-9_+-]+)+)
      | \(?(?P<word>[A-Za-z]{1,5})\)?
    )
    """,
    re.VERBOSE | re.IGNORECASE,
)
# What may follow a time (or its zone): the end, a space, or a separator.
_BOUNDARY = re.compile(r"$|[\s|,;:)\]*_`–—-]")
_SEPARATOR = re.compile(r"^[ \t]*(?:[-–—:|][ \t]*)?")
_WRAPPERS = (("**", "**"), ("__", "__"), ("`", "`"), ("[", "]"), ("*", "*"), ("_", "_"))


class _Unreadable(ValueError):
    """A time-looking prefix that cannot be turned into a moment (bad zone, 25:00, no date)."""


def _offset_zone(text: str) -> tzinfo:
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours = int(digits[:-2]) if len(digits) > 2 else int(digits)
    minutes = int(digits[-2:]) if len(digits) > 2 else 0
    if hours > 14 or minutes > 59:
        raise _Unreadable(text)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _zone_at(text: str) -> tuple[tzinfo | None, int]:
    """The zone at the start of ``text`` (after optional spaces) and how many characters it used.

    (None, 0) means "no zone here" (the rest is text); _Unreadable means it looks like a zone we can't read.
    """
    match = _ZONE.match(text)
    if match is None or _BOUNDARY.match(text, match.end()) is None:
        return None, 0
    end = match.end()
    if match["offset"]:
        return _offset_zone(match["offset"]), end
    if match["utcoff"]:
        off = match["utcoff"][3:]
        return _offset_zone(off if len(off) > 3 else f"{off[0]}{int(off[1:]):02d}"), end
    if match["iana"]:
        try:
            return ZoneInfo(match["iana"]), end
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise _Unreadable(match["iana"]) from exc
    word = match["word"]
    upper = word.upper()
    if upper in ABBREVIATIONS and (word == upper or upper in _LOWERCASE_OK):
        return ABBREVIATIONS[upper], end
    return None, 0


def zone_at(text: str) -> tuple[tzinfo | None, int]:
    """The zone written at the start of ``text`` (after spaces) and its length; (None, 0) for none.
    Raises ValueError for a zone-looking word that names no zone we know (``Europe/Berlinn``)."""
    return _zone_at(text)


def _build(stamp: re.Match[str], zone: tzinfo | None, *, tz: tzinfo, default_date: date | None) -> datetime:
    day = stamp["date"]
    if day is None:
        if default_date is None:
            raise _Unreadable("no date")
        day = default_date.isoformat()
    clock = stamp["time"].replace(",", ".")
    if len(clock.split(":")[0]) == 1:
        clock = "0" + clock
    try:
        naive = dateparser.isoparse(f"{day}T{clock}")
    except ValueError as exc:
        raise _Unreadable(clock) from exc
    if stamp["ampm"]:
        if not 1 <= naive.hour <= 12:
            raise _Unreadable(clock)
        pm = stamp["ampm"][0].lower() == "p"
        naive = naive.replace(hour=naive.hour % 12 + (12 if pm else 0))
    return _in_range(naive.replace(tzinfo=zone or tz))


def _in_range(moment: datetime) -> datetime:
    """``moment`` in UTC, or _Unreadable when it lies outside EARLIEST..LATEST (or beyond Python's years)."""
    try:
        utc = moment.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise _Unreadable(str(moment)) from exc
    if not EARLIEST <= utc < LATEST:
        raise _Unreadable(str(moment))
    return utc


def _prefix(text: str, *, tz: tzinfo, default_date: date | None) -> tuple[datetime, int] | None:
    """A time at the very start of ``text``: (moment, characters used), None if none, _Unreadable if bad."""
    stamp = _STAMP.match(text)
    if stamp is None:
        return None
    zone, used = _zone_at(text[stamp.end() :])
    end = stamp.end() + used
    if _BOUNDARY.match(text, end) is None:
        return None
    return _build(stamp, zone, tz=tz, default_date=default_date), end


def parse_time(text: str, *, tz: tzinfo, default_date: date | None) -> datetime | None:
    """The whole of ``text`` read as one moment (aware UTC), or None when it can't be read."""
    cleaned = _unwrap(text.strip())
    try:
        found = _prefix(cleaned, tz=tz, default_date=default_date)
    except _Unreadable:
        return None
    if found is not None:
        when, end = found
        return when if cleaned[end:].strip() == "" else None
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
    except (ValueError, OverflowError, _Unreadable):
        return None


def _unwrap(text: str) -> str:
    for opener, closer in _WRAPPERS:
        if text.startswith(opener) and text.endswith(closer) and len(text) > len(opener) + len(closer):
            return text[len(opener) : -len(closer)].strip()
    return text


def split_time_prefix(line: str, *, tz: tzinfo, default_date: date | None) -> tuple[datetime | None, str]:
    """A leading time and the text after it (separator ``-``, ``–``, ``:``, ``|`` removed).

    Returns (None, the stripped line) when the line does not start with a readable time.
    """
    text = line.strip()
    try:
        found = _prefix(text, tz=tz, default_date=default_date)
        if found is None:
            found = _wrapped_prefix(text, tz=tz, default_date=default_date)
    except _Unreadable:
        return None, text
    if found is None:
        return None, text
    when, end = found
    rest = text[end:]
    return when, rest[_SEPARATOR.match(rest).end() :].strip()  # type: ignore[union-attr]


def _wrapped_prefix(text: str, *, tz: tzinfo, default_date: date | None) -> tuple[datetime, int] | None:
    """``**10:15 UTC** text``, ``[10:15] text``, `` `10:15` text``: a time set off by Markdown or brackets."""
    for opener, closer in _WRAPPERS:
        if not text.startswith(opener):
            continue
        close = text.find(closer, len(opener))
        if close <= len(opener):
            continue
        inner = text[len(opener) : close].strip()
        found = _prefix(inner, tz=tz, default_date=default_date)
        if found is not None and inner[found[1] :].strip() == "":
            return found[0], close + len(closer)
    return None


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
