"""Real post-mortems, synced on the sandbox: tests/fixtures/postmortems/ (see its README for the cases).

Every case's body becomes an incident issue opened with the label at noon UTC on the incident's date, one
sync runs, and the wiki page's timeline is compared with the hand-checked reading in ``expected.yml``:

- lines that carry a time: at least 95% shown at the minute a careful reader gives them (an ambiguous line
  may show its literal reading), at most 2 wrong over the corpus;
- continuation lines: in the same row as the line they continue;
- no text lost: the words of every timed and continuation line are on the page, in their order.

The figures are also what docs/timelines.md publishes (``python scripts/measure_timelines.py``).
"""

from __future__ import annotations

import calendar
import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pmaction.text.markers import parse_row_marker
from pmaction.text.zones import ABBREVIATIONS, REGIONS
from pmaction.timeline.sources.body import line_key
from tests.corpus import SyncedCorpus
from tests.helpers import incident_page, timeline_rows

_WORD = re.compile(r"[A-Za-z0-9]+")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
# Words of a line's stamp, shown in the row's time cell instead of its text ("9:10 p.m." is "p", "m").
_STAMPISH = frozenset(
    {"AM", "PM", "A", "P", "M", "T", "Z", "POSTED", "UPDATED", "ON", "AT", *ABBREVIATIONS, *REGIONS}
    | {m.upper() for m in calendar.month_abbr[1:] + calendar.month_name[1:]}
)


def _words(text: str) -> list[str]:
    # Tags are markup, not words: a "<div>" line has none to lose.
    return _WORD.findall(_TAG.sub(" ", html.unescape(text)))


def _tail(line: str) -> str:
    """A line's last words: its stamp's words are in the row's time cell, not in its text."""
    words = _words(line)
    while words and (words[0].isdigit() or words[0].upper() in _STAMPISH):
        words.pop(0)
    if all(w.isdigit() or w.upper() in _STAMPISH for w in words):
        return ""  # "Apr 19, 19:11 BST": a line that is only a moment has no words to lose
    return " ".join(words[-min(6, max(2, len(words) // 2)) :])


def _shown(cell: str) -> datetime | None:
    try:
        return datetime.strptime(cell.strip(), "%Y-%m-%d %H:%M UTC").replace(tzinfo=UTC)
    except ValueError:
        return None


@dataclass
class _Page:
    keys: dict[str, int]  # an entry's key -> its row
    words: list[str]  # each row's words
    times: list[datetime | None]  # each row's time as shown

    @classmethod
    def of(cls, page: str) -> _Page:
        rows = timeline_rows(page)
        keys = {}
        for index, row in enumerate(rows):
            marker = parse_row_marker(row)
            if marker is not None:
                keys[marker.key] = index
        return cls(keys, [" ".join(_words(row)) for row in rows], [_shown(row.split("|")[1]) for row in rows])

    def row(self, line: str) -> int | None:
        return self.keys.get(line_key(line))

    def holding(self, line: str) -> int | None:
        tail = _tail(line)
        return next((i for i, words in enumerate(self.words) if tail and tail in words), None)


def _wanted(record: dict[str, Any]) -> set[datetime]:
    keys = ("time", "literal_time") if "ambiguous" in record else ("time",)
    # The page shows minutes: "16:24:12Z" is right when the row says 16:24.
    return {
        datetime.fromisoformat(str(record[k])).astimezone(UTC).replace(second=0, microsecond=0)
        for k in keys
        if k in record
    }


@dataclass
class _Tally:
    timed: int = 0
    right: int = 0
    wrong: list[str] = field(default_factory=list)  # shown at another time
    missing: list[str] = field(default_factory=list)  # no row, or "time unknown"
    lost: list[str] = field(default_factory=list)  # words not on the page
    apart: list[str] = field(default_factory=list)  # a continuation line outside its entry's row

    def check(self, slug: str, lines: list[str], record: dict[str, Any], page: _Page) -> None:
        number = int(record["line"])
        line = lines[number - 1]
        where = f"{slug} line {number}"
        if "time" in record:
            self.timed += 1
            row = page.row(line)
            shown = page.times[row] if row is not None else None
            if shown in _wanted(record):
                self.right += 1
            elif shown is None:
                self.missing.append(where)
            else:
                self.wrong.append(f"{where}: shown {shown:%Y-%m-%d %H:%M}, expected {record['time']}")
        kept = any(k in record for k in ("time", "continues", "no_time", "date_only"))
        if kept and _tail(line) and page.holding(line) is None:  # a fence line has no words to lose
            self.lost.append(where)
        if "continues" in record:
            parent = lines[int(record["continues"]) - 1]
            row = page.row(parent)
            row = row if row is not None else page.holding(parent)
            if row is not None and _tail(line) not in page.words[row]:
                self.apart.append(where)


def test_real_post_mortems_synced_on_the_sandbox_keep_their_times_and_their_words(
    synced_corpus: SyncedCorpus,
) -> None:
    sb = synced_corpus.sandbox
    tally = _Tally()
    for slug, case in synced_corpus.cases.items():
        assert case.run.result.exit_code == 0, (slug, case.run.result.failed)
        page = _Page.of(incident_page(sb, case.number)[1])
        lines = case.body.split("\n")
        for record in case.expected.get("timeline") or []:
            tally.check(slug, lines, record, page)
    assert tally.timed >= 200
    assert tally.right / tally.timed >= 0.95 and len(tally.wrong) <= 2, (tally.wrong, tally.missing)
    assert (tally.lost, tally.apart) == ([], [])
