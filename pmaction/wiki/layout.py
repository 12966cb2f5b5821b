"""Where things are on a page: generated blocks, headings, hidden lines and tables, as text/markdown.py's
scanner reads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pmaction.text import markdown, markers
from pmaction.text.markdown import BLOCK_KINDS, FENCE_KINDS, Kind, cells, strip_cr


@dataclass
class Layout:
    blocks: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (begin, end) line indexes
    hidden: set[int] = field(default_factory=set)  # lines in fences or generated blocks
    headings: list[tuple[int, int, str]] = field(default_factory=list)  # (index, level, normalised text)
    tables: list[tuple[int, int]] = field(default_factory=list)  # (header index, end index exclusive)


def norm_heading(text: str) -> str:
    return " ".join(text.lower().split())


def scan(lines: Sequence[str]) -> Layout:
    doc = markdown.scan(lines)
    layout = Layout(tables=[(table.header, table.end) for table in doc.tables])
    for block in doc.blocks:
        layout.blocks.setdefault(block.name, (block.begin, block.end))  # the first of a name is the one
    for line in doc.lines:
        if line.kind in FENCE_KINDS or line.kind in BLOCK_KINDS:
            layout.hidden.add(line.index)
        elif line.kind is Kind.HEADING:
            layout.headings.append((line.index, line.level, norm_heading(line.title)))
    return layout


def section_end(layout: Layout, heading_index: int, level: int, total: int) -> int:
    for index, other_level, _ in layout.headings:
        if index > heading_index and other_level <= level:
            return index
    return total


def table_in(lines: Sequence[str], layout: Layout, start: int, stop: int) -> tuple[int, int] | None:
    """(header index, end index exclusive) of the first table whose header and delimiter row lie in
    lines[start:stop]."""
    for header, end in layout.tables:
        if start <= header and header + 1 < min(stop, len(lines)):
            return header, end
    return None


def timeline_table(lines: Sequence[str], layout: Layout) -> tuple[int | None, tuple[int, int] | None]:
    """(timeline heading index, table span): the first table under a "Timeline" heading, else the first table
    holding our row markers."""
    heading_at: int | None = None
    for index, level, text in layout.headings:
        if text.startswith("timeline"):
            heading_at = index
            table = table_in(lines, layout, index + 1, section_end(layout, index, level, len(lines)))
            if table is not None:
                return index, table
            break
    start = 0
    while (table := table_in(lines, layout, start, len(lines))) is not None:
        if any(markers.parse_row_marker(strip_cr(lines[i])) for i in range(table[0] + 2, table[1])):
            return heading_at, table
        start = table[1]
    return heading_at, None


def first_cell(line: str) -> str:
    return cells(strip_cr(line))[0]


def with_cr(new: Sequence[str], cr: str, old: Sequence[str] = ()) -> list[str]:
    """Generated lines with the page's line ending; the marker lines keep their own bytes."""
    out = [line + cr for line in new]
    if old and len(out) >= 2:
        out[0], out[-1] = old[0], old[-1]
    return out


def append(lines: list[str], new: list[str], cr: str) -> list[str]:
    """``new`` at the end of the page, keeping a final line ending if the page had one."""
    if not lines or lines == [""]:
        return [*new, ""]
    if lines[-1] == "":
        return [*lines[:-1], *new, ""]
    return [*lines[:-1], lines[-1] + cr, *new, ""]
