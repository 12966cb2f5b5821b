"""The timeline's data: entries (rows), the key moments and the durations between them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta


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
