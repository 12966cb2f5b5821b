"""The index page (one row per incident, newest first) and the sidebar link to it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from pmaction.text import markers
from pmaction.text.escape import cell, inline, link
from pmaction.text.markdown import strip_cr
from pmaction.wiki.layout import (
    Layout,
    append,
    first_cell,
    scan,
    table_in,
    with_cr,
)

INDEX_TITLE = "Post-mortems"


_Day = date  # IndexRow has a field named "date"


@dataclass(frozen=True)
class IndexRow:
    repo: str  # owner/name
    number: int
    title: str
    url: str  # wiki page url (or the issue url)
    date: _Day
    status: str
    duration: str
    review_due: _Day | None


_INDEX_HEAD = ["| Date | Incident | Status | Duration | Review due |", "|---|---|---|---|---|"]


def render_index_row(row: IndexRow) -> str:
    incident = cell(link(f"#{row.number} {inline(row.title)}", row.url))
    due = row.review_due.isoformat() if row.review_due else "—"
    cells = [row.date.isoformat(), incident, cell(row.status), cell(row.duration), due]
    return "| " + " | ".join(cells) + f" {markers.index_marker(row.repo, row.number)} |"


def _row_date(line: str) -> date | None:
    try:
        return date.fromisoformat(first_cell(line)[:10])
    except ValueError:
        return None


def update_index(existing: str | None, row: IndexRow, title: str = INDEX_TITLE) -> str:
    """The index page with this incident's row updated, or inserted newest first; other rows and text stay."""
    rendered = render_index_row(row)
    if existing is None:
        return "\n".join([f"# {title}", "", *_INDEX_HEAD, rendered, ""])
    lines = existing.split("\n")
    cr = "\r" if existing.count("\r\n") * 2 > existing.count("\n") else ""
    layout = scan(lines)
    wanted = (row.repo, row.number)
    for index, line in enumerate(lines):
        marker = markers.parse_index_marker(strip_cr(line))
        if marker and marker.names(*wanted) and index not in layout.hidden:
            lines[index] = rendered + cr
            return "\n".join(lines)
    table = _index_table(lines, layout)
    if table is None:
        return "\n".join(append(lines, [cr, *with_cr([*_INDEX_HEAD, rendered], cr)], cr))
    start, end = table
    at = end
    for index in range(start + 2, end):
        other = _row_date(lines[index])
        if other is not None and other < row.date:
            at = index
            break
    lines[at:at] = [rendered + cr]
    return "\n".join(lines)


def _index_table(lines: Sequence[str], layout: Layout) -> tuple[int, int] | None:
    """The table holding our index rows, else the first table on the page."""
    first: tuple[int, int] | None = None
    start = 0
    while (table := table_in(lines, layout, start, len(lines))) is not None:
        first = first or table
        if any(markers.parse_index_marker(strip_cr(lines[i])) for i in range(table[0] + 2, table[1])):
            return table
        start = table[1]
    return first


def ensure_sidebar(existing: str | None, page: str = INDEX_TITLE) -> str:
    """The sidebar with a link to the index page, appended in a generated block only if none exists."""
    target = page.replace(" ", "-")
    link = f"[{page}]({target})"
    block = [markers.block_begin("sidebar"), f"- {link}", markers.block_end("sidebar")]
    if existing is None:
        return "\n".join([*block, ""])
    if f"]({target})" in existing:
        return existing
    lines = existing.split("\n")
    cr = "\r" if existing.count("\r\n") * 2 > existing.count("\n") else ""
    span = scan(lines).blocks.get("sidebar")
    if span is not None:
        lines[span[0] : span[1] + 1] = with_cr(block, cr, lines[span[0] : span[1] + 1])
        return "\n".join(lines)
    return "\n".join(append(lines, with_cr(block, cr), cr))
