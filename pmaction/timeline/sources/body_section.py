"""Where the issue body's timeline is: the section under a heading named like one, or else the sections
that read like one.

Headings people give it: "Timeline", "Timeline of events", "2. Timeline", "Incident timeline (most recent
first)", "Timeline (all times PST)", or a line in bold (``**Timeline**``). A write-up without such a heading
("First Incident", "What happened") has its timeline in the sections whose lines start with a time: those
are read, with the sub-sections below them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import tzinfo

from pmaction.incident.issueform import NO_RESPONSE, normalise_key
from pmaction.text.markdown import Kind, Line
from pmaction.text.stamps import find_date, find_moment, read_stamp
from pmaction.text.times import Reading
from pmaction.timeline.context import date_statement, reverse_statement, zone_statement
from pmaction.timeline.moments import MOMENT_FIELDS
from pmaction.timeline.sources.body_draft import Draft

# The issue form's moment fields ("### Started") hold one time each: a moment, not a timeline.
_FIELDS = frozenset(normalise_key(label) for label in MOMENT_FIELDS.values())

_TITLE = re.compile(r"\b(?:timeline|chronology|sequence[ \t]+of[ \t]+events)\b", re.IGNORECASE)
_BOLD_LINE = re.compile(r"^[ \t]*(\*\*|__)(?P<title>[^*_]{1,80}?)[ \t]*:?[ \t]*\1[ \t]*:?[ \t]*$")
# What follows a timeline in a post-mortem: never one of its sub-headings.
_ENDS = re.compile(
    r"^\W*(?:\d+\.?\s*)?(?:action|follow|lessons|todo|next[ \t]+steps|root[ \t]+causes?|contributing|impact"
    r"|what[ \t]+went|corrective|remediation|appendix|summary|background|glossary|supporting)",
    re.IGNORECASE,
)
_HTML_HEADING = re.compile(
    r"^[ \t]*<h(?P<level>[1-6])\b[^>]*>(?P<title>.*?)</h(?P=level)>[ \t]*$", re.IGNORECASE
)
_TAGS = re.compile(r"<[^>]+>")
BOLD_LEVEL = 7  # a bold line used as a heading ranks below every real heading


@dataclass(frozen=True)
class Section:
    title: str  # the heading's text ("" for the body's lead)
    lines: tuple[Line, ...]  # the lines under it (sub-headings included), not the heading itself
    first: int  # index of the first line of the body the section covers (its heading, if any)
    child: bool = False  # a sub-section of the one before it ("### Actions taken" under "## First ...")


def heading_of(line: Line) -> tuple[int, str] | None:
    """(level, title) of a heading line, a bold line standing as one included; None for other lines."""
    if line.kind is Kind.HEADING:
        return line.level, line.title
    if line.kind is Kind.PLAIN and (match := _BOLD_LINE.match(line.text)):
        return BOLD_LEVEL, match["title"].strip()
    if line.kind is Kind.PLAIN and (match := _HTML_HEADING.match(line.text)):
        return int(match["level"]), _TAGS.sub("", match["title"]).strip()  # "<h3>Wednesday 28-07-2017</h3>"
    text = line.item.text if line.item is not None else line.text
    title = text.strip().strip("*_").rstrip(":").strip("*_ ")
    if line.kind in (Kind.PLAIN, Kind.ITEM) and len(title.split()) <= 6 and is_timeline_title(title):
        return BOLD_LEVEL, title  # "2. Timeline of Events", "Timeline:" on a line of its own
    return None


def is_timeline_title(title: str) -> bool:
    return len(title.split()) <= 14 and _TITLE.search(title) is not None and not _ENDS.match(title)


def _dated(title: str) -> bool:
    """A heading that is a day or a moment ("2020-02-21", "2018 October 21 22:52 UTC") is part of the
    timeline even at its heading's level: a pasted timeline inside the issue form's ``### Timeline``."""
    stamp = read_stamp(title)
    return stamp is not None and (stamp.date is not None or stamp.clock is not None)


def _named(lines: tuple[Line, ...]) -> Section | None:
    """The first section under a timeline heading that holds anything (the issue form's empty field is
    passed over for a pasted "## Timeline" below it), else the first, empty one."""
    level: int | None = None
    start = 0
    title = ""
    first: Section | None = None
    for position, line in enumerate(lines):
        heading = heading_of(line)
        if heading is None or (level is not None and not _ends(heading, level)):
            continue
        if level is not None:
            found = Section(title, lines[start + 1 : position], start)
            if _has_content(found):
                return found
            first, level = first or found, None
        if is_timeline_title(heading[1]):
            level, title, start = heading[0], heading[1], position
    if level is None:
        return first
    return Section(title, lines[start + 1 :], start)


def _ends(heading: tuple[int, str], level: int) -> bool:
    """A heading of the section's level or higher ends it, unless it is a day or a moment; the next part
    of a post-mortem ("### Action items", "Root cause") ends it at any level."""
    if _ENDS.match(heading[1]):
        return True
    return heading[0] <= level and not _dated(heading[1])


def _has_content(section: Section) -> bool:
    return any(
        line.kind not in (Kind.BLANK, Kind.COMMENT) and line.text.strip() != NO_RESPONSE
        for line in section.lines
    )


def _split(lines: tuple[Line, ...]) -> list[tuple[int, str, int, int]]:
    """(level, title, first, end) of the body's lead and of every heading's own lines."""
    parts: list[tuple[int, str, int, int]] = []
    level, title, first = 0, "", 0
    for position, line in enumerate(lines):
        if line.kind is Kind.HEADING:
            parts.append((level, title, first, position))
            level, title, first = line.level, line.title, position
    parts.append((level, title, first, len(lines)))
    return parts


def _has_times(lines: tuple[Line, ...]) -> bool:
    """A line that starts with a time, or two sentences that tell one ("... expired at Sep 29 19:21:40")."""
    told = 0
    for line in lines:
        if line.kind in (Kind.PLAIN, Kind.ITEM, Kind.TASK, Kind.TABLE_ROW):
            text = line.item.text if line.item is not None else line.text
            stamp = read_stamp(text.lstrip("| \t"))
            if stamp is not None and stamp.clock is not None:
                return True
            told += line.kind is Kind.PLAIN and find_moment(text) is not None
    return told >= 2


def _guessed(lines: tuple[Line, ...]) -> list[Section]:
    chosen: list[Section] = []
    taken_level: int | None = None  # while set, deeper sub-sections belong to the chosen one above
    for level, title, first, end in _split(lines):
        own = lines[first + 1 : end] if level else lines[first:end]
        if taken_level is not None and level > taken_level:
            chosen.append(Section(title, lines[first:end], first, child=True))
            continue
        taken_level = None
        if not _ENDS.match(title) and normalise_key(title) not in _FIELDS and _has_times(own):
            chosen.append(Section(title, own, first))
            taken_level = level or None
    return chosen


def timeline_sections(lines: tuple[Line, ...]) -> list[Section]:
    """The body's timeline: the named section, else the sections that start lines with times."""
    named = _named(lines)
    return [named] if named is not None else _guessed(lines)


# --- what a section states for its lines before the walk -----------------------------------------------


def _text_of(line: Line) -> str:
    return line.item.text if line.item is not None else line.text.strip()


def preface_zone(lines: Sequence[Line], before: int, zone: tzinfo) -> tzinfo:
    """The zone a line above the timeline states for the whole write-up ("All times PDT." under the title)."""
    for line in lines[:before]:
        if line.kind in (Kind.PLAIN, Kind.ITEM) and not line.fenced:
            stated = zone_statement(_text_of(line))
            if stated is not None and len(_text_of(line).split()) <= 16:
                zone = stated
    return zone


def own_zone(drafts: Sequence[Draft], tz: tzinfo) -> tzinfo:
    """The zone a write-up that states none uses: the one its own stamps name, when they all name one
    ("Posted Dec 13, 2019 - 02:00 NZDT" twice: the bare "at 10:10pm" above is NZDT too), unless the team
    set its own ``timezone``."""
    if _zone_name(tz) not in ("UTC", "Etc/UTC"):
        return tz  # the team set its zone: that is what its bare times mean
    zones = [d.stamp.zone for d in drafts if d.stamp is not None and d.stamp.zone is not None]
    named = {_zone_name(zone): zone for zone in zones}
    return zones[0] if len(named) == 1 else tz


def _zone_name(zone: tzinfo) -> str:
    return str(getattr(zone, "key", None) or zone)


def section_reading(reading: Reading, section: Section) -> Reading:
    zone = zone_statement(section.title, heading=True)
    if zone is not None:
        reading = replace(reading, zone=zone)
    if reverse_statement(section.title):
        reading = replace(reading, reverse=True)
    day = find_date(section.title)
    if day is not None and day.year is not None and len(day.candidates) == 1:
        reading = replace(reading, day=date_statement(section.title))
    return reading
