"""Timeline entries from the Timeline section of the issue body.

One entry per line (bullet, numbered, plain or table row) of the first heading named "Timeline", up to the
next heading of its level or higher. A line whose time can't be read stays, as "time unknown", with a
warning; a fenced block joins the entry above it.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime, tzinfo

from pmaction.incident.issueform import NO_RESPONSE, normalise_key, scan_body
from pmaction.incident.model import Incident
from pmaction.text.markdown import Kind, Line
from pmaction.text.times import parse_time, split_time_prefix
from pmaction.timeline.model import Entry, Found, SourceContext
from pmaction.timeline.tags import TIME_HINT, find_tags, quote

_BULLET = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")


def _normalise_line(line: str) -> str:
    """What a body line's key is computed from: bullet, numbering and spacing changes keep the key."""
    return " ".join(_BULLET.sub("", line).split())


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


def _section_items(section: list[Line]) -> list[str]:
    """The entry lines of a timeline section; a fenced block joins the entry above it (a pasted log is part
    of that observation). Template comments, ``_No response_`` and table header/separator rows are not
    entries."""
    items: list[str] = []
    in_comment = False
    lines = [(line.text, line.fenced) for line in section]
    heading = [line.kind is Kind.HEADING for line in section]
    for index, (line, fenced) in enumerate(lines):
        stripped = line.strip()
        if fenced:
            if items:
                items[-1] += "\n" + line
            else:
                items.append(line)
            continue
        if in_comment:
            in_comment = "-->" not in stripped
            continue
        if stripped.startswith("<!--"):
            in_comment = "-->" not in stripped
            continue
        # Sub-headings ("#### Day 2") only structure the section; they are not observations.
        if not stripped or stripped == NO_RESPONSE or _TABLE_SEPARATOR.match(stripped) or heading[index]:
            continue
        following = lines[index + 1][0] if index + 1 < len(lines) else ""
        if stripped.startswith("|") and _TABLE_SEPARATOR.match(following.strip()):
            continue  # the header row of a table
        items.append(line)
    return items


def _table_cells(row: str) -> list[str]:
    inner = row.strip()[1:]
    if inner.endswith("|") and not inner.endswith("\\|"):
        inner = inner[:-1]
    return [cell.strip() for cell in _CELL_SPLIT.split(inner)]


def _read_body_line(item: str, *, tz: tzinfo, default_date: date | None) -> tuple[datetime | None, str]:
    first, _, more = item.partition("\n")
    extra = "\n" + more if more else ""
    if first.strip().startswith("|"):
        cells = _table_cells(first)
        when = parse_time(cells[0], tz=tz, default_date=default_date)
        shown = cells[1:] if when is not None else cells
        return when, " | ".join(cell for cell in shown if cell) + extra
    when, text = split_time_prefix(_BULLET.sub("", first), tz=tz, default_date=default_date)
    return when, text + extra


def body_entries(body: str, *, tz: tzinfo, default_date: date | None) -> Found:
    """Entries from the Timeline section of the issue body, and a warning for each line without a time."""
    entries: list[Entry] = []
    warnings: list[str] = []
    seen: dict[str, int] = {}
    for number, item in enumerate(_section_items(_timeline_section(body)), start=1):
        when, text = _read_body_line(item, tz=tz, default_date=default_date)
        first_line = item.split("\n", 1)[0].strip()
        if when is None:
            warnings.append(
                f"Timeline line {number} of the issue body has no time pmaction can read: "
                f'"{quote(first_line)}" — {TIME_HINT}'
            )
        digest = hashlib.sha1(_normalise_line(first_line).encode("utf-8")).hexdigest()[:12]
        seen[digest] = seen.get(digest, 0) + 1
        key = f"body-{digest}" if seen[digest] == 1 else f"body-{digest}-{seen[digest]}"
        entries.append(
            Entry(key=key, when=when, text=text, source="body", tags=find_tags(text), raw=item, order=number)
        )
    return entries, warnings


def entries(incident: Incident, context: SourceContext) -> Found:
    return body_entries(incident.issue.body, tz=context.tz, default_date=context.default_date)
