"""A timeline written as a table: which columns hold the date and the time, and what the header states.

``| Date and Time in CET | Event |``, ``| Day | Date (2022) | Time (PST) | What happened |``,
``| Time (Pacific) | Who | What |``: the header names the columns a moment is read from, and may state the
zone or the year for every row. The other cells are the entry's words, in their order. A table whose
header names no time or date column is read as before: the moment is in its first cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import tzinfo

from pmaction.text.markdown import cells
from pmaction.timeline.context import year_statement, zone_statement

_TIME = re.compile(r"\b(?:time|timestamp|when|hour)s?\b", re.IGNORECASE)
_DATE = re.compile(r"\b(?:date|day)s?\b", re.IGNORECASE)
_WEEKDAY = re.compile(r"^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?$|^day[ \t]*\d+$", re.IGNORECASE)


@dataclass(frozen=True)
class TableShape:
    moment: tuple[int, ...]  # the columns a row's moment is read from, in order (date before time)
    zone: tzinfo | None
    year: int | None


def table_shape(header: str) -> TableShape:
    names = cells(header)
    times = [i for i, name in enumerate(names) if _TIME.search(name)]
    dates = [i for i, name in enumerate(names) if _DATE.search(name) and i not in times]
    moment = tuple(sorted(set(dates + times))) if times or dates else (0,)
    zone = next((z for name in names if (z := zone_statement(name, heading=True)) is not None), None)
    year = next((y for name in names if (y := year_statement(name)) is not None), None)
    return TableShape(moment=moment, zone=zone, year=year)


def row_stamp_text(row: str, shape: TableShape | None) -> tuple[str, str]:
    """(the text a row's moment is read from, the row's other cells as the entry's words)."""
    values = cells(row)
    columns = shape.moment if shape is not None else (0,)
    taken = [i for i in columns if i < len(values)]
    # A weekday column ("Monday", "Day 2") says nothing a date cell does not: it stays in the words.
    stamp = " ".join(values[i] for i in taken if not _WEEKDAY.match(values[i]))
    words = [v for i, v in enumerate(values) if (i not in taken or _WEEKDAY.match(v)) and v]
    return stamp, " | ".join(words)
