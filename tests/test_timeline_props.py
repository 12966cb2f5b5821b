"""Property test of the timeline reader: any mix of the forms people write never crashes it, never invents
text and never names a line the body does not have."""

from __future__ import annotations

import re
from datetime import UTC, date

from hypothesis import given, settings
from hypothesis import strategies as st

from pmaction.text.stamps import EARLIEST, LATEST
from pmaction.timeline.sources.body import body_entries

# Pieces of real write-ups and the typos found in them (year 9999, UTC-99, Feb 30, 24:60 ...).
PIECES = (
    "## Timeline\n", "### 2020-02-21\n", "- ", "* ", "1. ", "| Time (PST) | What |\n|--|--|\n",
    "| 10:00 | a |\n",
    "10:00 ", "23:59pm ", "**", "__", "~", "±", "2019-13-45 ", "31-02-2020 ", "03-04-2024 ", "Feb 30 ",
    "9999-12-31 23:30 EST ", "0001-01-01 00:10 CET ", "At ", "by ", "Posted ", "<li>", "</li>", "```\n",
    "All times PST\n", "\n", "  ", "word ", "🔴 ", "[", "]", "(UTC+14)", "(UTC-99)", "12h99 ", "2460Z ",
    "May 99, 10:00 ", "00:00-ish ", "Timestamps are GMT+00\n", "(most recent first)\n", "### Action items\n",
    "\r", "\t", "Date: 2019-02-30\n", "Europe/Nowhere ", "10:15 Europe/Berlin ", "24:60 ",
    "12:07 AM December 4, 2024 ",
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(st.sampled_from(PIECES), min_size=1, max_size=40),
    order=st.sampled_from(["auto", "day-first", "month-first"]),
)
def test_any_mix_of_forms_reads_without_a_crash_or_an_invented_line(parts: list[str], order: str) -> None:
    body = "".join(parts)
    entries, warnings = body_entries(body, tz=UTC, default_date=date(2026, 3, 1), date_order=order)  # type: ignore[arg-type]
    split = re.split(r"\r\n|\r|\n", body)  # a lone CR ends a line too, as GitHub shows it
    lines, count = set(split), len(split)
    for entry in entries:
        assert all(line in lines for line in entry.raw.split("\n"))
        assert entry.when is None or EARLIEST <= entry.when < LATEST
    for warning in warnings:
        number = re.match(r"Line (\d+) of the issue body", warning)
        assert number is not None and 1 <= int(number.group(1)) <= count
