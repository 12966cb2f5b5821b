"""What a timeline states once for the lines below it, and how a line's stamp becomes a moment with it.

Real write-ups say the zone once ("All times in CET", "Timeline (all times PST)", a ``Time (Pacific)``
header cell) and the date once (a ``### 2020-02-21`` sub-heading, a ``2019-01-22`` line, "the events of
Thursday February 11, 2016"); both hold until the next such statement. A zone named in a statement is read
as the region's clock ("PST" in June is Pacific time, so PDT): that is what teams mean, and a log line in
the corpus proves it. A zone written on the line itself is taken literally (text/times.py).

Pure functions; the body source (timeline/sources/body.py) walks the lines and keeps the ``Reading``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from pmaction.text.stamps import Stamp, ending_date, find_date
from pmaction.text.times import Placed, Reading, moment, valid_date
from pmaction.text.zones import REGIONS, zone_at

_REGION_NAMES = frozenset({"PACIFIC", "EASTERN", "CENTRAL", "MOUNTAIN"})
_ZONE_TOKEN = re.compile(
    r"(?<![A-Za-z/])(?P<tok>(?:US|America|Europe|Asia|Australia|Africa|Pacific|Etc|Canada)/[A-Za-z_]+"
    r"(?:/[A-Za-z_]+)?|(?:UTC|GMT)[ \t]?[+-][ \t]?\d{1,2}(?::?\d{2})?|[A-Z]{1,5}|Pacific|Eastern|Central"
    r"|Mountain)(?![A-Za-z])"
)
# A line states a zone only when it speaks of times: "All times in PST", "Timestamps are GMT+00",
# "Date and Time in CET", "(times are in UTC)". In a heading, a zone in parentheses is enough.
_ABOUT_TIMES = re.compile(r"\b(?:times?|timestamps?|hours|zone|clock)\b", re.IGNORECASE)
_PARENTHESISED = re.compile(r"\(([^()]*)\)")
_REVERSE = re.compile(
    r"most[ \t]+recent[ \t]+first|newest[ \t]+first|latest[ \t]+first|reverse[ \t]+(?:chrono|order)",
    re.IGNORECASE,
)
_YEAR_ONLY = re.compile(r"\((?:19|20)\d{2}\)")
# A backwards step this large between two lines in order is the next day ("23:55", then "07:00").
ROLLOVER = timedelta(hours=6)


def zone_token(token: str) -> tzinfo | None:
    """A zone as a statement names it, by the one zone rule (text/zones.py), plus the region's name alone
    ("Time (Pacific)")."""
    word = token.strip()
    if word.upper() in _REGION_NAMES:
        return ZoneInfo(REGIONS[word.upper()])
    try:
        zone, used = zone_at(word)
    except ValueError:  # "UTC-99", "Europe/Nowhere": no zone
        return None
    return zone if used == len(word) else None


def _first_zone(text: str) -> tzinfo | None:
    """The zone a statement names; an offset it spells out wins ("PDT (UTC-7)" in December is -7)."""
    for match in _ZONE_TOKEN.finditer(text):
        if match["tok"][:3].upper() in ("UTC", "GMT") and len(match["tok"]) > 3:
            return zone_token(match["tok"])
    for match in _ZONE_TOKEN.finditer(text):
        zone = zone_token(match["tok"])
        if zone is not None:
            return zone
    return None


def zone_statement(text: str, *, heading: bool = False) -> tzinfo | None:
    """The zone ``text`` states for the times below it, or None."""
    if _ABOUT_TIMES.search(text):
        after = text[_ABOUT_TIMES.search(text).end() :]  # type: ignore[union-attr]
        found = _first_zone(after) or _first_zone(text)
        if found is not None:
            return found
    if heading:
        for inner in _PARENTHESISED.findall(text):
            found = _first_zone(inner)
            if found is not None:
                return found
    return None


def year_statement(text: str) -> int | None:
    """A year stated alone, as a table's ``Date (2022)`` header cell does."""
    match = _YEAR_ONLY.search(text)
    return int(match.group()[1:-1]) if match else None


def reverse_statement(text: str) -> bool:
    return _REVERSE.search(text) is not None


def date_statement(text: str) -> date | None:
    """A full date (with its year) anywhere in a line that states it: a preface sentence."""
    parts = find_date(text)
    if parts is None or parts.year is None or len(parts.candidates) != 1:
        return None
    month, day = parts.candidates[0]
    return valid_date(parts.year, month, day)


def day_title(text: str) -> date | None:
    """The day a short line names at its end, as a title over the lines below it ("Rapport de panne du 23
    Septembre 2024", "Outage of 2024-03-03"): a full date, no time, at most eight words."""
    parts = ending_date(text)
    if parts is None or parts.year is None or len(parts.candidates) != 1 or len(text.split()) > 8:
        return None
    month, day = parts.candidates[0]
    return valid_date(parts.year, month, day)


def roll(placed: Placed, stamp: Stamp, reading: Reading, previous: datetime | None) -> Placed:
    """A time with no date of its own, far before the line above it in a list that runs forward, is on the
    next day ("23:55", then "07:00"); far after it, in a list that runs backward, on the day before."""
    if stamp.date is not None or stamp.clock is None or placed.when is None or placed.day is None:
        return placed
    if previous is None:
        return placed
    step = -1 if reading.reverse else 1
    gap = (previous - placed.when) if step == 1 else (placed.when - previous)
    if gap <= ROLLOVER:
        return placed
    day = placed.day + timedelta(days=step)
    when = moment(day, time(*stamp.clock), stamp.zone or reading.zone)
    return replace(placed, when=when, day=day) if when is not None else placed
