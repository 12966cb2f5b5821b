"""Where things are on a page: generated blocks, headings, hidden lines and the timeline table.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from pmaction.text import markers
from pmaction.text.markdown import ATX, CELL_SPLIT, Fences, strip_cr

_SEPARATOR = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")




@dataclass
class Layout:
    blocks: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (begin, end) line indexes
    hidden: set[int] = field(default_factory=set)  # lines in fences or generated blocks
    headings: list[tuple[int, int, str]] = field(default_factory=list)  # (index, level, normalised text)


def norm_heading(text: str) -> str:
    return " ".join(text.lower().split())


def scan(lines: Sequence[str]) -> Layout:
    layout = Layout()
    fences = Fences()
    index = 0
    while index < len(lines):
        text = strip_cr(lines[index])
        if fences.open is not None:
            fences.inside(text)
            layout.hidden.add(index)
            index += 1
            continue
        begin = markers.parse_block_begin(text)
        if begin:
            end = _block_end(lines, index, begin)
            if end is not None:
                layout.blocks.setdefault(begin, (index, end))
                layout.hidden.update(range(index, end + 1))
                index = end + 1
                continue
        if fences.inside(text):  # opens a fence
            layout.hidden.add(index)
            index += 1
            continue
        heading = ATX.match(text)
        if heading:
            layout.headings.append((index, len(heading["hashes"]), norm_heading(heading["text"] or "")))
        index += 1
    return layout


def _block_end(lines: Sequence[str], begin: int, name: str) -> int | None:
    """The matching end line; a second begin of the same name first means this begin is just text."""
    for index in range(begin + 1, len(lines)):
        text = strip_cr(lines[index])
        if markers.parse_block_end(text) == name:
            return index
        if markers.parse_block_begin(text) == name:
            return None
    return None


def section_end(layout: Layout, heading_index: int, level: int, total: int) -> int:
    for index, other_level, _ in layout.headings:
        if index > heading_index and other_level <= level:
            return index
    return total


def _is_row(line: str) -> bool:
    text = strip_cr(line)
    return bool(text.strip()) and bool(CELL_SPLIT.search(text)) and not ATX.match(text)


def table_in(lines: Sequence[str], layout: Layout, start: int, stop: int) -> tuple[int, int] | None:
    """(header index, end index exclusive) of the first table in lines[start:stop]."""
    for index in range(start, min(stop, len(lines)) - 1):
        if index in layout.hidden or index + 1 in layout.hidden:
            continue
        if _is_row(lines[index]) and _SEPARATOR.match(strip_cr(lines[index + 1])):
            end = index + 2
            while end < len(lines) and end not in layout.hidden and _is_row(lines[end]):
                end += 1
            return index, end
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
    text = strip_cr(line).strip()
    if text.startswith("|"):
        text = text[1:]
    return CELL_SPLIT.split(text, 1)[0].strip()


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
