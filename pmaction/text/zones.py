"""Time zones as people write them after a time: ``Z``, ``+01:00``, ``UTC+2``, ``Europe/Berlin``, ``CET``,
``mountain time``, ``Paris time`` / ``(heure de Paris)``, and one moment in two zones, ``EST/CST``.

An abbreviation of a region with daylight-saving time (PST/PDT/PT, EST/EDT/ET, CET/CEST, BST, AEST/AEDT,
...) names that region's clock, whichever half of the year it says: teams write "PST" all year round and
mean Pacific time, so "10:00 PST" in July is 10:00 PDT. The others are fixed offsets (IST is India). A
zone a timeline *states* for its lines ("All times PST") follows the same rule (timeline/context.py).
"""

from __future__ import annotations

import re
from datetime import UTC, timedelta, timezone, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


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
# The region whose clock an abbreviation names: its daylight-saving rules follow the date, as the team
# meant ("PST" in June is Pacific time: a log line in the corpus proves it).
REGIONS: dict[str, str] = {
    "PST": "America/Los_Angeles", "PDT": "America/Los_Angeles", "PT": "America/Los_Angeles",
    "PACIFIC": "America/Los_Angeles",
    "MST": "America/Denver", "MDT": "America/Denver", "MT": "America/Denver", "MOUNTAIN": "America/Denver",
    "CST": "America/Chicago", "CDT": "America/Chicago", "CT": "America/Chicago", "CENTRAL": "America/Chicago",
    "EST": "America/New_York", "EDT": "America/New_York", "ET": "America/New_York",
    "EASTERN": "America/New_York",
    "CET": "Europe/Berlin", "CEST": "Europe/Berlin", "BST": "Europe/London",
    "EET": "Europe/Athens", "EEST": "Europe/Athens", "WET": "Europe/Lisbon", "WEST": "Europe/Lisbon",
    "AEST": "Australia/Sydney", "AEDT": "Australia/Sydney", "NZST": "Pacific/Auckland",
    "NZDT": "Pacific/Auckland",
}  # fmt: skip
# Abbreviations written in lower case are accepted only for these: "10:15 et al" must stay text.
_LOWERCASE_OK = frozenset({"UTC", "GMT"})

# A zone right after the time: Z, an offset, UTC+1, an IANA name or a word of letters (checked in code).
_ZONE = re.compile(
    r"""
    (?P<sp>[ ]*)
    (?P<open>\()?
    (?:
        (?P<offset>[+-]\d{2}(?::?\d{2})?)
      | (?P<utcoff>(?:UTC|GMT)[ ]?[+-][ ]?\d{1,2}(?::?\d{2})?)
      | (?P<iana>[A-Za-z][A-Za-z_-]*(?:/[A-Za-z0-9_+-]+)+)
      | (?P<word>[A-Za-z]{1,5})
    )
    (?(open)\))
    """,
    re.VERBOSE | re.IGNORECASE,
)
# What may follow a time (or its zone): the end, a space, or a separator.
_BOUNDARY = re.compile(r"$|[\s|,;:)\]*_`–—-]")
# A zone said in words: a North-American region's "time" ("04:13 mountain time"), a city's clock ("Paris
# time", "(heure de Paris)"). The city must name an IANA zone; anything else stays text.
_SPOKEN = re.compile(
    r"[ ]*(?P<open>\()?(?:(?P<region>pacific|mountain|central|eastern)[ ]+time"
    r"|(?:heure|hora|ora)[ ]+d[ei][ ]+(?P<city>[A-Z][A-Za-z]+(?:[ ][A-Z][a-z]+)?)"
    r"|(?P<city2>[A-Z][a-z]+(?:[ ][A-Z][a-z]+)?)[ ]+time)(?(open)\))",
    re.IGNORECASE,
)
# The second zone of a moment written in two at once: "2:20/1:20 PM EST/CST".
_SECOND = re.compile(r"/([A-Za-z]{2,5})(?![A-Za-z/])")


class Unreadable(ValueError):
    """A time-looking prefix that cannot be turned into a moment (bad zone, 25:00, no date)."""


def _offset_zone(text: str) -> tzinfo:
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours = int(digits[:-2]) if len(digits) > 2 else int(digits)
    minutes = int(digits[-2:]) if len(digits) > 2 else 0
    if hours > 14 or minutes > 59:
        raise Unreadable(text)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


@cache
def _cities() -> dict[str, str]:
    """An IANA zone's city, as people write it ("New York", "Paris"), to its name."""
    return {
        key.rsplit("/", 1)[1].replace("_", " ").lower(): key for key in available_timezones() if "/" in key
    }


def _spoken_at(text: str) -> tuple[tzinfo | None, int]:
    match = _SPOKEN.match(text)
    if match is None or _BOUNDARY.match(text, match.end()) is None:
        return None, 0
    if match["region"]:
        return ZoneInfo(REGIONS[match["region"].upper()]), match.end()
    city = _cities().get((match["city"] or match["city2"]).lower())
    return (ZoneInfo(city), match.end()) if city else (None, 0)


def zones_at(text: str) -> tuple[tzinfo | None, tzinfo | None, int]:
    """The zone at the start of ``text``, the second one when two are written for one moment ("EST/CST"),
    and how many characters they used."""
    pair = re.match(r"[ ]*([A-Za-z]{2,5})" + _SECOND.pattern, text)
    if pair is not None and _BOUNDARY.match(text, pair.end()) is not None:
        first, used = zone_at(pair[1])
        second, used2 = zone_at(pair[2])
        if first is not None and second is not None and used == len(pair[1]) and used2 == len(pair[2]):
            return first, second, pair.end()
    zone, used = zone_at(text)
    return zone, None, used


def zone_at(text: str) -> tuple[tzinfo | None, int]:
    """The zone at the start of ``text`` (after optional spaces) and how many characters it used.

    (None, 0) means "no zone here" (the rest is text); Unreadable (a ValueError) means it looks like a zone
    we can't read (``Europe/Berlinn``, ``UTC+99``).
    """
    spoken = _spoken_at(text)
    if spoken[0] is not None:
        return spoken
    match = _ZONE.match(text)
    if match is None or _BOUNDARY.match(text, match.end()) is None:
        return None, 0
    end = match.end()
    if match["offset"]:
        return _offset_zone(match["offset"]), end
    if match["utcoff"]:
        off = match["utcoff"][3:].replace(" ", "")
        return _offset_zone(off if len(off) > 3 else f"{off[0]}{int(off[1:]):02d}"), end
    if match["iana"]:
        try:
            return ZoneInfo(match["iana"]), end
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise Unreadable(match["iana"]) from exc
    word = match["word"]
    upper = word.upper()
    if upper in REGIONS and word == upper:
        return ZoneInfo(REGIONS[upper]), end
    if upper in ABBREVIATIONS and (word == upper or upper in _LOWERCASE_OK):
        return ABBREVIATIONS[upper], end
    return None, 0
