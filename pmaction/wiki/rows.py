"""The timeline table's rows: people's rows kept as written, generated rows refreshed, all in time order."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from datetime import tzinfo

from pmaction.text import markers
from pmaction.text.markdown import strip_cr
from pmaction.text.times import parse_time
from pmaction.timeline.model import Entry
from pmaction.wiki.layout import (
    first_cell,
)
from pmaction.wiki.render import (
    PageContext,
    render_row,
    row_hash,
)

_NEVER = float("inf")


# A page render and merge each rebuild the rows several times (template, blocks, table); rows are a pure
# function of their entry, so each is rendered once per render or merge (``remembered_rows``). Nothing is kept
# past it: a bounded cache shared across calls thrashed once a page outgrew it (a cliff at 20,000 rows).
_memo: dict[tuple[Entry, tzinfo, str], str] | None = None


@contextlib.contextmanager
def remembered_rows() -> Iterator[None]:
    """Within this block every row is rendered once; the memory follows the page and is freed after it."""
    global _memo
    outer = _memo
    if outer is None:
        _memo = {}
    try:
        yield
    finally:
        _memo = outer


def _row(entry: Entry, tz: tzinfo, url: str) -> str:
    if _memo is None:
        return render_row(entry, tz, url)
    key = (entry, tz, url)
    found = _memo.get(key)
    if found is None:
        found = _memo[key] = render_row(entry, tz, url)
    return found


def merge_rows(existing: Sequence[str], ctx: PageContext, cr: str = "") -> list[str]:
    """The timeline's rows: existing rows merged with the entries, all in time order.

    Each unit is a row with a readable time plus the rows without one that followed it (they stay after
    the row that preceded them). Generated entries without a time go last, as in the timeline.
    """
    tz = ctx.tz
    entries = {entry.key: entry for entry in ctx.timeline.entries}
    announced = ctx.timeline.moments.announced
    last_date = announced.astimezone(tz).date() if announced else None
    units: list[tuple[float, int, list[str]]] = [(-_NEVER, -1, [])]
    claimed: set[str] = set()
    for seq, line in enumerate(existing):
        when = parse_time(first_cell(line), tz=tz, default_date=last_date)
        if when is not None:
            last_date = when.astimezone(tz).date()
        marker = markers.parse_row_marker(strip_cr(line))
        if marker and marker.key not in claimed:
            key = marker.key
            claimed.add(key)
            if row_hash(marker.body) == marker.hash:
                entry = entries.get(key)
                if entry is not None:  # ours and untouched: show the entry as it is now
                    at = entry.at.timestamp() if entry.at else _NEVER
                    units.append((at, seq, [_row(entry, tz, ctx.issue.html_url) + cr]))
                continue  # untouched and its entry is gone (comment deleted): drop it
        if when is not None:
            units.append((when.timestamp(), seq, [line]))
        else:
            units[-1][2].append(line)
    base = len(existing)
    for offset, entry in enumerate(ctx.timeline.entries):
        if entry.key not in claimed:
            at = entry.at.timestamp() if entry.at else _NEVER
            units.append((at, base + offset, [_row(entry, tz, ctx.issue.html_url) + cr]))
    units.sort(key=lambda unit: (unit[0], unit[1]))
    return [line for _, _, rows in units for line in rows]
