"""Timeline entries from the Timeline section of the issue body.

One entry per line (bullet, numbered, plain or table row) of the first heading named "Timeline", up to the
next heading of its level or higher. A line whose time can't be read stays, as "time unknown", with a
warning; a fenced block joins the entry above it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo

from pmaction.incident.issueform import NO_RESPONSE, normalise_key, scan_body
from pmaction.incident.model import Incident
from pmaction.text.markdown import BLOCK_KINDS, FENCE_KINDS, Kind, Line, cells
from pmaction.text.times import parse_time, split_time_prefix
from pmaction.timeline.model import Entry, Found, SourceContext
from pmaction.timeline.tags import TIME_HINT, find_tags, quote

# Frozen: a body entry's key is a hash of its line without this prefix, and keys are written on wiki pages.
# Reading the line follows the scanner's list-item rule; the key must never move with it.
_KEY_BULLET = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")
# Lines that structure the section or are no one's words: never an observation.
_NOT_ENTRIES = (
    FENCE_KINDS
    | BLOCK_KINDS
    | {
        Kind.BLANK,
        Kind.COMMENT,
        Kind.HEADING,  # sub-headings ("#### Day 2") only structure the section
        Kind.UNDERLINE,
        Kind.BREAK,
        Kind.TABLE_SEPARATOR,
    }
)


def _normalise_line(line: str) -> str:
    """What a body line's key is computed from: bullet, numbering and spacing changes keep the key."""
    return " ".join(_KEY_BULLET.sub("", line).split())


@dataclass
class _Observation:
    first: Line  # the line the entry is read from
    more: list[str] = field(default_factory=list)  # lines of a fenced block below it

    @property
    def raw(self) -> str:
        return "\n".join([self.first.text, *self.more])


def _timeline_section(body: str) -> list[Line]:
    """Lines of the first heading named "Timeline", up to the next heading of the same or a higher level."""
    level: int | None = None
    lines: list[Line] = []
    for line in scan_body(body).lines:
        heading = line.kind is Kind.HEADING
        if level is None:
            if heading and re.fullmatch(r"timeline\b.*", normalise_key(line.title)):
                level = line.level
            continue
        if heading and line.level <= level:
            break
        lines.append(line)
    return lines


def _section_items(section: list[Line]) -> list[_Observation]:
    """The entry lines of a timeline section; a fenced block joins the entry above it (a pasted log is part
    of that observation). Template comments, ``_No response_`` and a table's header and delimiter rows are
    not entries."""
    items: list[_Observation] = []
    for line in section:
        if line.fenced:
            if items:
                items[-1].more.append(line.text)
            else:
                items.append(_Observation(line))
            continue
        header = line.kind is Kind.TABLE_ROW and line.table == line.index
        if line.kind in _NOT_ENTRIES or header or line.text.strip() == NO_RESPONSE:
            continue
        items.append(_Observation(line))
    return items


def _read_body_line(
    item: _Observation, *, tz: tzinfo, default_date: date | None
) -> tuple[datetime | None, str]:
    first = item.first
    extra = "".join("\n" + line for line in item.more)
    # A pipe-led line outside a table (its header left out) is still read as cells: the time is in the first.
    if first.kind is Kind.TABLE_ROW or first.text.strip().startswith("|"):
        row = cells(first.text)
        when = parse_time(row[0], tz=tz, default_date=default_date)
        shown = row[1:] if when is not None else row
        return when, " | ".join(cell for cell in shown if cell) + extra
    text = first.text[len(first.item.lead) :] if first.item is not None else first.text
    when, text = split_time_prefix(text, tz=tz, default_date=default_date)
    return when, text + extra


def body_entries(body: str, *, tz: tzinfo, default_date: date | None) -> Found:
    """Entries from the Timeline section of the issue body, and a warning for each line without a time."""
    entries: list[Entry] = []
    warnings: list[str] = []
    seen: dict[str, int] = {}
    for number, item in enumerate(_section_items(_timeline_section(body)), start=1):
        when, text = _read_body_line(item, tz=tz, default_date=default_date)
        first_line = item.first.text.strip()
        if when is None:
            warnings.append(
                f"Timeline line {number} of the issue body has no time pmaction can read: "
                f'"{quote(first_line)}" — {TIME_HINT}'
            )
        digest = hashlib.sha1(_normalise_line(first_line).encode("utf-8")).hexdigest()[:12]
        seen[digest] = seen.get(digest, 0) + 1
        key = f"body-{digest}" if seen[digest] == 1 else f"body-{digest}-{seen[digest]}"
        entries.append(
            Entry(
                key=key, when=when, text=text, source="body", tags=find_tags(text), raw=item.raw, order=number
            )
        )
    return entries, warnings


def entries(incident: Incident, context: SourceContext) -> Found:
    return body_entries(incident.issue.body, tz=context.tz, default_date=context.default_date)
