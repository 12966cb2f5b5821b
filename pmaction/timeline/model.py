"""The timeline's data: entries (rows), the key moments and the durations between them; what a source of
entries is."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Protocol

from pmaction.incident.model import Incident
from pmaction.text.stamps import DateOrder


@dataclass(frozen=True)
class Entry:
    """One timeline row.

    ``key`` is stable across runs and identifies where the entry came from
    ("comment-<id>", "event-<id>", "body-<sha1 of the raw line>[:12]", "announced", "declared-over").
    ``when`` is timezone-aware UTC, or None when the time could not be read ("time unknown").
    """

    key: str
    when: datetime | None
    text: str
    source: str  # "body" | "comment" | "event" | "issue"
    author: str | None = None
    url: str | None = None
    tags: frozenset[str] = frozenset()
    raw: str = ""
    order: int = 0  # position in its source, keeps "time unknown" entries in source order
    date_only: bool = False  # the write-up gives the day, not the time: ``when`` is its local midnight
    # An entry without a time sorts right after this moment (the entry above it in its source), so a step
    # written between two timed ones stays there instead of sinking to the bottom of the table.
    after: datetime | None = None

    @property
    def at(self) -> datetime | None:
        """Where the entry sorts: its time, or right after the entry above it."""
        return self.when if self.when is not None else self.after


@dataclass(frozen=True)
class Moments:
    announced: datetime | None = None
    declared_over: datetime | None = None
    started: datetime | None = None
    detected: datetime | None = None
    mitigated: datetime | None = None
    resolved: datetime | None = None


@dataclass(frozen=True)
class Durations:
    time_to_detect: timedelta | None = None
    time_to_mitigate: timedelta | None = None
    total: timedelta | None = None


@dataclass(frozen=True)
class Timeline:
    entries: tuple[Entry, ...]
    moments: Moments
    durations: Durations
    warnings: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class SourceContext:
    """What every timeline source is told besides the incident itself."""

    tz: tzinfo
    default_date: date | None  # the day a bare "HH:MM" belongs to
    label: str  # the incident label
    fields: Mapping[str, datetime]  # moments the issue body sets explicitly (name -> time)
    trusted_only: bool
    bot_logins: frozenset[str]
    include_events: bool
    date_order: DateOrder = "auto"  # how "01-03-2026" reads


# What a source found: its entries, in its own order, and a warning for each thing it could not read.
Found = tuple[list[Entry], list[str]]


class Source(Protocol):
    """One place timeline entries come from (the issue body, comments, events ...)."""

    def __call__(self, incident: Incident, context: SourceContext) -> Found: ...
