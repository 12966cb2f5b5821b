"""The entries of a body's timeline while they are read, and the moments they name in order.

A ``Draft`` is an entry's first line, the stamp it starts with and the lines that continue it; the walk in
timeline/sources/body.py makes them. Here they get their moments: the date each line inherits (a date
written on a line, the next day a list rolled over to), an untimed line's place, and the lines whose own
date is far from their neighbours'.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from pmaction.text.markdown import Line
from pmaction.text.stamps import DateOrder, Stamp
from pmaction.text.times import Placed, Reading, moment, place
from pmaction.timeline.context import roll

_FAR = timedelta(days=30)


@dataclass
class Draft:
    """An entry being read: its first line, the stamp it starts with and the lines that continue it."""

    first: Line
    kind: str  # "item", "para", "heading", "row", "fence"
    column: int  # where a list item's text starts; deeper lines are its details
    stamp: Stamp | None
    text: str
    reading: Reading
    closer: str = ""  # an emphasis opened before the stamp and closed at the entry's end ("**02:06: x**")
    parts: list[str] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)

    # Where the entry's further paragraphs begin (in parts, in raw): only its first paragraph tells its own
    # moment, so a status update dated below them ("Posted Jan 15, 2021 - 18:29 UTC") takes them all.
    block: tuple[int, int] | None = None

    def add(self, line: Line, text: str, *, wrapped: bool, new_block: bool = False) -> None:
        if new_block and self.block is None:
            self.block = (len(self.parts), len(self.raw))
        self.raw.append(line.text)
        if not self.parts:
            self.parts.append(text)
        elif wrapped:
            self.parts[-1] = f"{self.parts[-1]} {text.strip()}"
        else:
            self.parts.append(text.strip())

    def full_text(self) -> str:
        parts = [part for part in self.parts if part.strip()]
        text = "\n".join(parts)
        if self.closer and text.rstrip().endswith(self.closer):
            text = text.rstrip()[: -len(self.closer)].rstrip()
        return text


def split_further(draft: Draft, line: Line, stamp: Stamp, reading: Reading) -> Draft | None:
    """The draft's further paragraphs as an entry of their own, dated by ``line`` under them; None if it
    has none."""
    if draft.block is None:
        return None
    at_part, at_raw = draft.block
    split = Draft(line, "para", 0, stamp, "", reading, parts=draft.parts[at_part:])
    split.raw = [line.text, *draft.raw[at_raw:]]
    del draft.parts[at_part:], draft.raw[at_raw:]
    draft.block = None
    return split


def order_learnt(drafts: Sequence[Draft], stated: DateOrder) -> DateOrder:
    """A day-or-month-first date is read the way the write-up's unambiguous ones are ("24-10-2024")."""
    if stated != "auto":
        return stated
    proven = {d.stamp.date.proves for d in drafts if d.stamp is not None and d.stamp.date is not None}
    proven.discard(None)
    return proven.pop() if len(proven) == 1 else "auto"  # type: ignore[return-value]


def placed_drafts(drafts: Sequence[Draft], default_day: date | None) -> list[Placed]:
    """Each draft's moment. A date written on a line holds for the bare times below it, as does the next
    day a list has rolled over to, until the next date line or heading states another."""
    placed: list[Placed] = []
    previous: datetime | None = None
    running: tuple[date | None, date] | None = None  # (the stated day it follows, the day now)
    typos = year_typos(drafts, default_day)
    for index, draft in enumerate(drafts):
        if draft.stamp is None:
            placed.append(_undated(draft, previous, running))
            continue
        reading = draft.reading
        if running is not None and running[0] == reading.day:
            reading = replace(reading, day=running[1])
        found = roll(place(draft.stamp, reading, default_day), draft.stamp, reading, previous)
        placed.append(found)
        if found.when is not None and not found.date_only:
            previous = found.when
        # The next day a list rolled over to holds below, as does a date written on a line where none is
        # stated above or that is after the stated one ("Incident Date: October 19", then "On October 20 at
        # 1:29 AM"); an earlier one is a note ("Unless otherwise noted all events happened on 2019-10-21").
        rolled = draft.stamp.date is None and found.day != reading.day
        later = found.day is not None and draft.reading.day is not None and found.day > draft.reading.day
        if found.day is not None and (rolled or later or draft.reading.day is None) and index not in typos:
            running = (draft.reading.day, found.day)
    return placed


def year_typos(drafts: Sequence[Draft], default_day: date | None) -> set[int]:
    """The drafts whose full date is another one's day in the year before or after, the only date of its
    year ("On January 12, 2020, ..." among "Posted Jan 12, 2021" updates): a typo in the year, kept on its
    line (and said, by far_off), but not carried to the bare times below it."""
    days = {
        i: place(d.stamp, d.reading, default_day).day for i, d in enumerate(drafts) if _dated(d) and d.stamp
    }
    found: set[int] = set()
    for index, day in days.items():
        if day is None or sum(1 for d in days.values() if d is not None and d.year == day.year) > 1:
            continue
        if any(d is not None and abs(d.year - day.year) == 1 and _same_day(d, day) for d in days.values()):
            found.add(index)
    return found


def _same_day(one: date, other: date) -> bool:
    """The same day of the year, give or take one ("January 12" and "Jan 12" or "Jan 13")."""
    return one.month == other.month and abs(one.day - other.day) <= 1


def _undated(draft: Draft, previous: datetime | None, running: tuple[date | None, date] | None) -> Placed:
    """An entry without a stamp: on the day stated above it when it is that day's first (the bullets under
    a ``2019-02-18:`` line), else a step after the entry above it (no time)."""
    day = draft.reading.day
    if running is not None and running[0] == day:
        day = running[1]
    if day is None:
        return Placed(None)
    if previous is not None and previous.astimezone(draft.reading.zone).date() >= day:
        return Placed(None)
    return Placed(moment(day, time(0, 0), draft.reading.zone), date_only=True, day=day)


def far_off(placed: Sequence[Placed], drafts: Sequence[Draft]) -> dict[int, str]:
    """Lines whose own date is far from the lines around it ("2016-03-18 13:00" among 2015-03-18 lines): kept
    as written, and said, since a typo in a year moves a row to the bottom of the table."""
    timed = [(i, p.when) for i, p in enumerate(placed) if p.when is not None]
    dated = [w for i, w in timed if _dated(drafts[i])]
    found: dict[int, str] = {}
    for position, (index, when) in enumerate(timed):
        if not _dated(drafts[index]):
            continue
        around = [w for _, w in timed[max(0, position - 1) : position] + timed[position + 1 : position + 2]]
        # Or far from every other date the write-up writes in full ("On January 12, 2020, ..." above
        # updates "Posted Jan 12, 2021 - 23:06 UTC"): its bare times below follow it, so say it.
        others = [w for w in dated if w != when]
        far = (around and all(abs(when - o) > _FAR for o in around)) or (
            others and all(abs(when - o) > _FAR for o in others)
        )
        if far:
            found[index] = (
                f"is dated {when:%Y-%m-%d}, more than {_FAR.days} days from the lines around it: is the date "
                "a typo? (it is kept as written)"
            )
    return found


def _dated(draft: Draft) -> bool:
    stamp = draft.stamp
    return stamp is not None and stamp.date is not None and stamp.date.year is not None


def first_day(drafts: Sequence[Draft], default_day: date | None) -> date | None:
    """The day bare times at the top belong to: the incident's, unless the write-up's first full date is
    more than a day from it (a post-mortem pasted long after the incident) and comes before them (a status
    page's "Posted Jan 15, 2021" under a post-mortem's "At 22:55 UTC" says when it was posted)."""
    typos = year_typos(drafts, default_day)
    for index, draft in enumerate(drafts):
        stamp = draft.stamp
        if stamp is not None and stamp.date is None and stamp.clock is not None:
            return default_day
        if index in typos:
            continue
        if stamp is not None and stamp.date is not None and stamp.date.year is not None:
            day = place(stamp, draft.reading, default_day).day
            if day is not None and (default_day is None or abs((day - default_day).days) > 1):
                return day
            return default_day
    return default_day
