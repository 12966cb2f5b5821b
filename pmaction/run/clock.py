"""The one place the engine asks what time it is.

Tests and ``pmaction demo`` move time forward (two months must pass in a test), so nothing
else calls ``datetime.now``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from dateutil import parser as dateparser


def parse_now(text: str) -> datetime:
    """Parse a PMACTION_NOW-style value; naive times are UTC."""
    try:
        value = dateparser.isoparse(text.strip())
    except ValueError as exc:
        raise ValueError(f"now: {text!r} is not an ISO 8601 time; write e.g. 2026-03-01T12:00:00Z") from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


@dataclass(frozen=True)
class Clock:
    """A source of 'now'. ``fixed`` pins it; otherwise the wall clock is used."""

    fixed: datetime | None = None
    source: Callable[[], datetime] | None = None

    def now(self) -> datetime:
        if self.fixed is not None:
            return self.fixed
        if self.source is not None:
            return self.source()
        return datetime.now(UTC)
