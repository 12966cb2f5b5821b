"""The timeline's reading rules, one fixture per case: tests/fixtures/timelines/<case>/.

Each case is an issue body (``body.md``) and the rows a careful reader gives it (``expected.yml``: the
incident's date, an optional ``date_order``, every row's time in UTC and text, the body lines that get a
warning). The cases are small on purpose: one rule each (a day sub-heading, a zone in a table's header
cell, a list in reverse order ...); real write-ups showing the rules together are in fixtures/postmortems/.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from pmaction.timeline.sources.body import body_entries

CASES = Path(__file__).parent / "fixtures" / "timelines"


def _load(name: str) -> tuple[str, dict[str, Any]]:
    folder = CASES / name
    return (folder / "body.md").read_text(encoding="utf-8"), yaml.safe_load(
        (folder / "expected.yml").read_text(encoding="utf-8")
    )


@pytest.mark.parametrize("name", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_a_timeline_reads_the_way_a_careful_reader_reads_it(name: str) -> None:
    body, expected = _load(name)
    entries, warnings = body_entries(
        body,
        tz=UTC,
        default_date=date.fromisoformat(str(expected["incident_date"])),
        date_order=expected.get("date_order", "auto"),
    )
    got = [
        {
            "time": entry.when.isoformat() if entry.when else None,
            "text": entry.text,
            **({"date_only": True} if entry.date_only else {}),
        }
        for entry in entries
    ]
    assert got == expected["rows"]
    assert [int(re.match(r"Line (\d+) ", w).group(1)) for w in warnings] == expected["warning_lines"]  # type: ignore[union-attr]


def test_every_case_holds_at_least_one_row_and_names_real_times() -> None:
    """A fixture that expects nothing could not fail: each has rows, and each time is a real ISO moment."""
    for folder in CASES.iterdir():
        _, expected = _load(folder.name)
        assert expected["rows"], folder.name
        for row in expected["rows"]:
            if row["time"] is not None:
                assert datetime.fromisoformat(row["time"]).tzinfo is not None


def test_a_warning_quotes_the_line_and_names_its_number_in_the_body() -> None:
    body, _ = _load("context-lines-no-warning")
    _, warnings = body_entries(body, tz=UTC, default_date=date(2026, 3, 1))
    assert warnings == [
        'Line 8 of the issue body has no time pmaction can read: "- somewhere around then the cache warmed '
        'up" — write it as "YYYY-MM-DD HH:MM TZ" or "HH:MM TZ".'
    ]


def test_a_date_still_ambiguous_says_how_to_settle_it() -> None:
    body, _ = _load("ambiguous-date")
    _, warnings = body_entries(body, tz=UTC, default_date=date(2026, 12, 1))
    assert warnings == [
        'Line 3 of the issue body: "- 03-04-2024 10:00 disk alert" reads as 03 April 2024 but could be '
        "04 March 2024: set date_order: day-first or month-first in .github/postmortem.yml"
    ]
    entries, warnings = body_entries(body, tz=UTC, default_date=date(2026, 12, 1), date_order="month-first")
    assert entries[0].when == datetime(2024, 3, 4, 10, tzinfo=UTC) and warnings == []
