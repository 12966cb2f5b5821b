"""The date and time a line of a timeline starts with, in the many ways people write them.

Pure syntax: a ``Stamp`` says which parts were written (a date with or without its year, a clock time, a
zone) and where they end; turning it into a moment needs the line's context (the date and zone stated
above it, the incident's date, the team's ``date_order``): text/times.py's ``place`` does that with the
``Reading`` timeline/context.py keeps. Forms read:

- dates: ``2026-03-01``, ``2026/03/01``, ``01-03-2026`` / ``03-01-2026`` (day or month first: both kept as
  candidates), ``03-01`` before a time, ``March 1, 2026``, ``1 March 2026``, ``Sunday, March 1st``,
  ``2026 March 1``, German and French month names (``30. April``, ``20 Septembre 2024``); a ``--:--``
  placeholder after a date says "no time";
- clock times: ``09:12``, ``9:12:30``, ``9:12pm``, ``09.12``, ``6pm``, ``11pm-ish``, a range's start
  (``02:00-04:30``, ``de 18h00 à 22h00``), with ``~``, ``±``, "approx." before; one moment in two zones
  (``2:20/1:20 PM EST/CST``: the first, checked against the second when they are placed);
- either order (``12:07 AM December 4, 2024``), a zone after the time (text/times.py reads zones), set
  off by Markdown or brackets (``**02:06:``, ``[08:47]``, ``[03-26 14:00]``), or after a prose word
  (``At 6pm UTC, ...``, ``By 04:06, ...``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Literal

from pmaction.text.zones import zone_at, zones_at

_GERMAN = {"mär": "mar", "mai": "may", "okt": "oct", "dez": "dec"}
_FRENCH = {
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "juin": 6, "juillet": 7, "août": 8,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12,
}  # fmt: skip
MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip

_MONTH = (
    r"(?P<mon>jan(?:uary|uar)?|feb(?:ruary|ruar)?|mar(?:ch)?|märz|apr(?:il)?|may|mai|june?|juni|july?|juli"
    r"|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|okt(?:ober)?|nov(?:ember)?|dec(?:ember)?|dez(?:ember)?"
    r"|janvier|f[ée]vrier|mars|avril|juin|juillet|ao[ûu]t|septembre|octobre|novembre|d[ée]cembre)"
    r"\.?(?![a-zäöüéèêûàç])"
)
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)(?:day|sday|nesday|rsday|urday|s|r|rs)?\.?,?[ \t]+)?"
_YEAR = r"(?P<y>(?:19|20)\d{2})(?!\d)"
_WEEKDAY_ALONE = re.compile(
    r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?[ \t]+|(?:montag|dienstag|mittwoch|donnerstag|freitag|samstag"
    r"|sonntag|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche),?[ \t]+",
    re.IGNORECASE,
)
_ORD = r"(?:st|nd|rd|th|er)?"  # "1er avril"

_DATES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        ("ymd", r"(?P<y>(?:19|20)\d{2})(?P<s>[-/.])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})(?!\d)"),
        ("numeric", rf"(?P<a>\d{{1,2}})(?P<s>[-/.])(?P<b>\d{{1,2}})(?P=s){_YEAR}"),
        ("named-ymd", rf"{_YEAR}[ \t]+{_MONTH}[ \t]+(?P<d>\d{{1,2}}){_ORD}(?![\d:])"),
        (
            "named-mdy",
            rf"{_WEEKDAY}{_MONTH}[ \t]+(?P<d>\d{{1,2}}){_ORD}(?![\d:.])(?:,?[ \t]+{_YEAR})?",
        ),
        (
            "named-dmy",
            rf"{_WEEKDAY}(?:the[ \t]+)?(?P<d>\d{{1,2}}){_ORD}\.?[ \t]+(?:of[ \t]+)?{_MONTH}"
            rf"(?:,?[ \t]+{_YEAR})?",
        ),
        ("short", r"(?P<a>\d{1,2})(?P<s>[-/])(?P<b>\d{1,2})(?![-/.\d])"),
    )
)
_AMPM = r"(?:[ \t]?(?P<ap>[ap]\.?m\.?)(?![a-z]))"
_CLOCKS = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        rf"(?P<h>\d{{1,2}}):(?P<mi>[0-5]\d)(?::(?P<s>[0-5]\d)(?:[.,](?P<f>\d{{1,6}})\d*)?)?{_AMPM}?",
        # 10.42, with a two-digit hour ("1.10 release" is no time) or am/pm
        rf"(?P<h>\d{{2}})\.(?P<mi>[0-5]\d)(?![.\d]){_AMPM}?",
        rf"(?P<h>\d{{1,2}})\.(?P<mi>[0-5]\d){_AMPM}",
        rf"(?P<h>1[0-2]|0?[1-9]){_AMPM}",  # 6pm
        r"(?P<h>[01]?\d|2[0-3])h(?P<mi>[0-5]\d)",  # 14h30, as much of Europe writes it
        # 1430Z, 1430 UTC: never a bare number
        r"(?P<h>[01]\d|2[0-3])(?P<mi>[0-5]\d)(?=Z\b|[ \t]?(?:UTC|GMT)\b)",
    )
)
_ISH = re.compile(r"-?ish(?![a-z])|[ \t]+or[ \t]+so(?![a-z])", re.IGNORECASE)
_RANGE = re.compile(r"[ \t]*(?:-|–|—|to|until|till|à|bis)[ \t]*(?=\d)", re.IGNORECASE)
_NO_TIME = re.compile(r"[ \t]+-{1,2}:-{1,2}")  # "2019-12-03 --:--"
_DATE_TIME_SEP = re.compile(
    r"(?:T|[ \t]*,?[ \t]*(?:at|@|-|–|—|from|à|de|um|vers)?[ \t]*(?:~|±|≈|approx(?:imately|\.)?[ \t]*)?)",
    re.IGNORECASE,
)
_TIME_DATE_SEP = re.compile(r"[ \t]*(?:,|on|-)?[ \t]*", re.IGNORECASE)
# What may set a stamp off at the start of a line: emphasis, brackets, code, an approximation sign.
_OPENERS = re.compile(
    r"(?:\*\*|__|[*_\[(`]|~|±|\+/-|≈|approx(?:imately|\.)?[ \t]+|around[ \t]+|about[ \t]+|circa[ \t]+"
    r"|ca\.[ \t]+|[^\w\s#@|<>\\-]{1,3}[ \t]+|T[ \t]?[+-][ \t]?\d+(?:[.:]\d+)?[a-z]*:?[ \t]+)[ \t]*",
    re.IGNORECASE,
)
# (then an emoji or a symbol a chat tool puts first, "🔴 10:02 pager fires", "• 10:05", and the offset from
# the start some teams write before the clock, "T+0 (14:02 UTC)": both stay in the words)
# Prose that starts with a moment: "At 6pm UTC, ...", "By 04:06, ...". The sentence stays whole.
_PROSE = re.compile(
    r"(?:at|by|around|about|from|on|until|shortly[ \t]+(?:after|before)|just[ \t]+(?:after|before)"
    r"|starting[ \t]+at|beginning[ \t]+at|between|approximately|roughly|le|à|vers|dès"
    # A status update's label: "Update 23:35:", "**Resolved** - Apr 19, 19:11 BST"
    r"|update[ds]?|edit(?:ed)?|resolved|investigating|identified|monitoring|completed|scheduled)"
    r"[ \t]*[:-]?[ \t]+",
    re.IGNORECASE,
)
_BOUNDARY = re.compile(r"$|[^\w]|_")
_APPROX = re.compile(r"ish\b|or[ \t]+so\b|[~±≈]|approx", re.IGNORECASE)
_CHAT = re.compile(r"@?[\w.-]{2,39}[ \t]+\[(?=\d)")
_ZULU = re.compile(r"Z(?![A-Za-z0-9])")  # "10:15Z": the zone written onto the time
# What sets the words off from the stamp before them: closing marks, then one separator.
_SEPARATOR = re.compile(r"^[ \t]*(?:(?:\*\*|__|[*_\])`])[ \t]*)*(?:[-–—:|,.][ \t]*)?(?:(?:\*\*|__)[ \t]*)?")
_CLOSERS = {"**": "**", "__": "__", "*": "*", "_": "_", "[": "]", "(": ")", "`": "`"}


@dataclass(frozen=True)
class DateParts:
    """A written date. ``candidates``: (month, day) readings in the order written; two for ``01-03-2026``
    (day first, then month first) or ``03-01``, else one."""

    year: int | None
    candidates: tuple[tuple[int, int], ...]
    kind: str  # which form: "ymd", "numeric", "named-mdy", "short", ...
    proves: str | None = None  # "day-first" / "month-first" when the form shows it ("24-10-2024")


@dataclass(frozen=True)
class Stamp:
    start: int  # where the stamp's text begins (after any opener or prose word)
    end: int  # where it ends (zone, range and closing marks included)
    date: DateParts | None
    clock: tuple[int, int, int, int] | None  # 24-hour time written (h, m, s, µs), or None for a date alone
    zone: tzinfo | None
    prose: bool  # started by a prose word: the sentence is the entry's text, whole
    opener: str  # the Markdown or bracket the stamp was set off with ("**", "[", "")
    marks: str = ""  # what else was written before it and is people's words: "±", "~", "approx.", "🔴"
    # A second clock written after the first ("2:20/1:20 PM EST/CST"): its clock and zone (None if the
    # line writes no second zone; such a pair cannot be told apart: no time).
    second: tuple[tuple[int, int, int, int], tzinfo | None] | None = None


def _date_at(text: str, pos: int) -> tuple[DateParts, int] | None:
    found = _date_form_at(text, pos)
    if found is None and (weekday := _WEEKDAY_ALONE.match(text, pos)) is not None:
        found = _date_form_at(text, weekday.end())  # "Friday 2023-09-29", "Freitag, 30. April"
    return found


def _date_form_at(text: str, pos: int) -> tuple[DateParts, int] | None:
    for kind, pattern in _DATES:
        match = pattern.match(text, pos)
        if match is None:
            continue
        parts = _date_parts(kind, match)
        if parts is not None:
            return parts, match.end()
    return None


def _date_parts(kind: str, match: re.Match[str]) -> DateParts | None:
    groups = match.groupdict()
    year = int(groups["y"]) if groups.get("y") else None
    if kind == "ymd":
        return DateParts(year, ((int(groups["m"]), int(groups["d"])),), kind)
    if kind in ("numeric", "short"):
        a, b = int(groups["a"]), int(groups["b"])
        # "numeric" is day or month first; "03-26" reads month first (as ISO's MM-DD), "26-03" day first.
        readings = ((b, a), (a, b)) if kind == "numeric" else ((a, b), (b, a))
        valid = tuple(dict.fromkeys(r for r in readings if 1 <= r[0] <= 12 and 1 <= r[1] <= 31))
        proves = "day-first" if a > 12 >= b else "month-first" if b > 12 >= a else None
        return DateParts(year, valid, kind, proves) if valid else None
    name = groups["mon"].lower()
    month = _FRENCH.get(name) or MONTHS[_GERMAN.get(name[:3], name[:3])]
    return DateParts(year, ((month, int(groups["d"])),), kind)


def _clock_at(text: str, pos: int) -> tuple[tuple[int, int, int, int], int] | None:
    for pattern in _CLOCKS:
        match = pattern.match(text, pos)
        if match is None:
            continue
        if _BOUNDARY.match(text, match.end()) is None and not _ZULU.match(text, match.end()):
            continue
        hour, minute = int(match["h"]), int(match["mi"]) if "mi" in match.groupdict() and match["mi"] else 0
        second = int(match["s"]) if match.groupdict().get("s") else 0
        micro = int(match["f"].ljust(6, "0")) if match.groupdict().get("f") else 0
        if match.groupdict().get("ap"):
            pm = match["ap"][0].lower() == "p"
            if not (1 <= hour <= 12 or (pm and hour <= 23)):  # "15:17pm" says pm twice; "13:00 am" is no time
                continue
            hour = hour % 12 + 12 if pm and hour <= 12 else hour % 12 if hour <= 12 else hour
        if hour > 24 or (hour == 24 and minute):
            continue
        return (hour % 24, minute, second, micro), match.end()
    return None


Clock = tuple[int, int, int, int]
# The same moment's clock in a second zone, right after the first: "2:20/1:20 PM EST/CST".
_PAIRED = re.compile(rf"/(?P<h>\d{{1,2}}):(?P<mi>[0-5]\d){_AMPM}?", re.IGNORECASE)


def _paired(text: str, start: int, clock: tuple[Clock, int]) -> tuple[Clock, Clock | None, int]:
    """A clock and the second clock written after it for another zone; the am/pm written after the second
    holds for both ("2:20/1:20 PM")."""
    found = _PAIRED.match(text, clock[1])
    second = _clock_at(text, clock[1] + 1) if found else None
    if found is None or second is None:
        return clock[0], None, clock[1]
    first = clock[0]
    if found["ap"] and not re.search(r"[ap]\.?m", text[start : clock[1]], re.IGNORECASE) and first[0] <= 12:
        first = ((first[0] % 12) + (12 if found["ap"][0].lower() == "p" else 0), *first[1:])
    return first, second[0], second[1]


def _after_clock(text: str, pos: int, *, iso: bool) -> tuple[tzinfo | None, int, tzinfo | None]:
    """An "-ish", a zone and a range's end after a clock time: the zone, where they end, and the second
    zone of a moment written in two. ``02:00-04:30`` is a range; only in ISO 8601's
    ``2026-03-01T10:15-05:00`` is it an offset."""
    ish = _ISH.match(text, pos)
    pos = ish.end() if ish else pos
    ranged = False
    if not iso:
        pos, ranged = _range_end(text, pos)
    zone, other, used = zones_at(text[pos:])
    pos += used
    if not ranged:
        pos, ranged = _range_end(text, pos)
        if ranged and zone is None:
            zone, used = zone_at(text[pos:])
            pos += used
    ish = _ISH.match(text, pos)
    return zone, ish.end() if ish else pos, other


def _range_end(text: str, pos: int) -> tuple[int, bool]:
    ranged = _RANGE.match(text, pos)
    if ranged is None:
        return pos, False
    end = _clock_at(text, ranged.end())
    return (end[1], True) if end is not None else (pos, False)


# What a stamp's text holds: date, clock, zone, where it ends, the same moment in a second zone.
Paired = tuple[Clock, tzinfo | None] | None
_Found = tuple[DateParts | None, Clock | None, tzinfo | None, int, Paired]


def _timed_at(
    text: str, start: int, clock: tuple[Clock, int], *, iso: bool
) -> tuple[Clock, tzinfo | None, int, Paired]:
    first, second, end = _paired(text, start, clock)
    zone, after, other = _after_clock(text, end, iso=iso)
    both = (second, other if zone is not None else None) if second is not None else None
    return first, zone, after, both


def _stamp_at(text: str, pos: int) -> _Found | None:
    """Date and/or time starting exactly at ``pos``."""
    found_date = _date_at(text, pos)
    if found_date is not None:
        parts, end = found_date
        sep = _DATE_TIME_SEP.match(text, end)
        clock = _clock_at(text, sep.end()) if sep else None
        if clock is not None:
            iso = sep is not None and sep.group().upper() == "T"
            first, zone, after, both = _timed_at(text, sep.end(), clock, iso=iso)  # type: ignore[union-attr]
            return parts, first, zone, after, both
        if parts.kind == "short":
            return None  # "3/4 of the nodes": a month-day without a year counts only before a time
        placeholder = _NO_TIME.match(text, end)
        return parts, None, None, placeholder.end() if placeholder else end, None
    clock = _clock_at(text, pos)
    if clock is None:
        return None
    first, zone, after, both = _timed_at(text, pos, clock, iso=False)
    sep = _TIME_DATE_SEP.match(text, after)
    later = _date_at(text, sep.end()) if sep else None
    if later is not None and later[0].kind != "short":
        more, used = zone_at(text[later[1] :])
        return later[0], first, zone or more, later[1] + used, both
    return None, first, zone, after, both


def words_after(text: str, stamp: Stamp) -> tuple[str, str]:
    """The words after a line's stamp, and the closer still to strip where its entry ends ("**02:06: the
    disk is full**" closes its bold after the words). A sentence that starts with a time stays whole."""
    if stamp.prose:
        return text.strip(), ""
    rest = text[stamp.end :]
    closer = _CLOSERS.get(stamp.opener, "")
    if closer and rest.lstrip().startswith(closer):
        closer = ""
    words = rest[_SEPARATOR.match(rest).end() :].strip()  # type: ignore[union-attr]
    return (f"{stamp.marks} {words}".strip() if stamp.marks else words), closer


def _quiet_stamp(text: str, pos: int) -> bool:
    try:
        return _stamp_at(text, pos) is not None
    except ValueError:
        return False


def read_stamp(text: str) -> Stamp | None:
    """The stamp ``text`` starts with (after spaces, an opener or a prose word), or None."""
    pos = len(text) - len(text.lstrip())
    opener = marks = ""
    prose = False
    for _ in range(2):  # a prose word may come inside the emphasis: "**Update 23:35:** ..."
        lead = _PROSE.match(text, pos)
        if lead is not None and _quiet_stamp(text, lead.end()):
            pos, prose = lead.end(), True
            break
        start = pos
        while (mark := _OPENERS.match(text, pos)) is not None and mark.end() > pos:
            written = mark.group().strip()
            if written in _CLOSERS:
                opener = opener or written
            else:
                marks = f"{marks} {written}".strip()
            pos = mark.end()
        if pos == start:
            break
    try:
        found = _stamp_at(text, pos)
        if found is None and (chat := _CHAT.match(text, pos)) is not None:
            # A pasted chat line, "krzyzacy [1:46 PM] the job is stuck": the name and words stay whole.
            found, prose = _stamp_at(text, chat.end()), True
            pos = chat.end()
    except ValueError:  # a zone-looking word that names no zone: the line's time can't be read
        return None
    if found is None:
        return None
    parts, clock, zone, end, both = found
    if _BOUNDARY.match(text, end) is None:
        return None
    if _APPROX.search(text, pos, end) and not _APPROX.search(marks):
        marks = f"{marks} ~".strip()  # "23:00-ish", "2017-01-24 ~23:00": the words say it was about then
    return Stamp(pos, end, parts, clock, zone, prose, opener, marks, both)


_MID_SENTENCE = re.compile(
    r"(?<!\w)(?:at|by|around|until|approximately|roughly|on|from|since|um|von|ab|gegen|à|vers|dès)[ \t]+"
    r"(?=\d|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun)"
    r"|(?:dienstag|mittwoch|donnerstag|freitag|samstag|sonntag))",
    re.IGNORECASE,
)


def find_moment(text: str) -> Stamp | None:
    """A time of day in the middle of a sentence, after a preposition ("... declared an incident at
    15:55Z"): the first one, as a prose stamp (the sentence stays whole)."""
    for match in _MID_SENTENCE.finditer(text):
        try:
            found = _stamp_at(text, match.end())
        except ValueError:
            continue
        if found is not None and found[1] is not None and _BOUNDARY.match(text, found[3]) is not None:
            parts, clock, zone, end, both = found
            return Stamp(match.end(), end, parts, clock, zone, prose=True, opener="", second=both)
    return None


_WORD_START = re.compile(r"(?<![\w/.-])(?=\d|[A-Za-z])")


def find_date(text: str) -> DateParts | None:
    """The first date written anywhere in ``text`` ("the events of Thursday February 11, 2016")."""
    for match in _WORD_START.finditer(text):
        found = _date_at(text, match.start())
        if found is not None and found[0].kind != "short":
            return found[0]
    return None


def ending_date(text: str) -> DateParts | None:
    """A date the text ends with ("Rapport de panne du 23 Septembre 2024", "Outage of March 3, 2024.")."""
    end = len(text.rstrip(" \t.:*_"))
    for match in _WORD_START.finditer(text):
        found = _date_at(text, match.start())
        if found is not None and found[1] == end and found[0].kind != "short":
            return found[0]
    return None


# How a date written "01-03-2026" reads when the write-up does not show it: day or month first.
DateOrder = Literal["auto", "day-first", "month-first"]
# The moments an incident's times may name (UTC): anything else is a typo that would overflow later.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)  # exclusive
