"""The one rule for durations: which moments a span runs between, and when it counts.

A span counts only when both ends are known and the end is not before the start. Times in the wrong
order are a mistake to fix in the write-up, not a negative duration: the page, the status comment, the
job summary and the report all show such a span as unknown, and the sync warns naming both times.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from pmaction.text.times import format_time
from pmaction.timeline.model import Durations, Moments


def span(start: datetime | None, end: datetime | None) -> timedelta | None:
    if start is None or end is None or end < start:
        return None
    return end - start


def incident_start(m: Moments) -> datetime | None:
    """Where the incident's total duration starts: when it started, else when it was announced."""
    return m.started or m.announced


def incident_end(m: Moments) -> datetime | None:
    """Where it ends: when it was resolved, else when it was declared over."""
    return m.resolved or m.declared_over


def total_span(m: Moments) -> tuple[str, str]:
    """The names of the two moments the total duration runs between, as incident_start and incident_end
    choose them (the page says which: "declared over" can be a day after "resolved")."""
    start = "started" if m.started or not m.announced else "announced"
    end = "resolved" if m.resolved or not m.declared_over else "declared over"
    return start, end


def compute_durations(m: Moments) -> Durations:
    return Durations(
        time_to_detect=span(m.started, m.detected),
        time_to_mitigate=span(m.started, m.mitigated),
        total=span(incident_start(m), incident_end(m)),
    )


def order_warnings(m: Moments, tz: tzinfo) -> list[str]:
    """One warning per span whose end is before its start, naming both times."""
    checks = (
        ("Detected", m.detected, "Started", m.started),
        ("Mitigated", m.mitigated, "Started", m.started),
        ("The end", incident_end(m), "the start", incident_start(m)),
    )
    return [
        f"{late_name} ({format_time(late, tz)}) is before {early_name} ({format_time(early, tz)}): "
        "check the times in the issue body and the tagged entries."
        for late_name, late, early_name, early in checks
        if late is not None and early is not None and late < early
    ]
