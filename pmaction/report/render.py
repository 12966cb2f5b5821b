"""The cross-incident report page: how fast we detect and mitigate, and whether follow-ups happen."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from pmaction.report.facts import IncidentFacts, chronological
from pmaction.text.escape import cell, inline
from pmaction.text.times import format_duration

REPORT_PAGE = "Post-mortem-report.md"


@dataclass(frozen=True)
class ReviewState:
    incident: int
    state: str  # open | closed
    due_on: date | None
    open_issues: int
    closed_issues: int
    url: str


def _stats(values: Iterable[timedelta | None]) -> tuple[str, str, int]:
    known = [v.total_seconds() for v in values if v is not None]
    if not known:
        return "n/a", "n/a", 0
    median = timedelta(seconds=statistics.median(known))
    mean = timedelta(seconds=statistics.fmean(known))
    return format_duration(median), format_duration(mean), len(known)


def review_status(review: ReviewState | None, today: date) -> str:
    if review is None:
        return "not scheduled"
    if review.state == "closed":
        return "held"
    if review.due_on is not None and review.due_on < today:
        # A date, not "by N days": the page must not change (and commit) every day it stays overdue.
        return f"overdue since {review.due_on.isoformat()}"
    return f"due {review.due_on.isoformat()}" if review.due_on else "open"


def render_report(
    facts: Sequence[IncidentFacts],
    reviews: Mapping[int, ReviewState],
    today: date,
) -> str:
    """The report page and job-summary table (pure)."""
    # No "generated on" date: an unchanged report must not make a wiki commit every day.
    lines = ["# Post-mortem report", ""]
    if not facts:
        return "\n".join([*lines, "No post-mortems yet.", ""])
    months = Counter(f.start.strftime("%Y-%m") for f in facts if f.start)
    lines += ["## Incidents per month", "", "| Month | Incidents |", "|---|---|"]
    lines += [f"| {month} | {count} |" for month, count in sorted(months.items())]
    lines += [
        "",
        "## How fast we respond",
        "",
        "| Measure | Median | Mean | Incidents measured |",
        "|---|---|---|---|",
    ]
    for label, values in (
        ("Time to detect", [f.time_to_detect() for f in facts]),
        ("Time to mitigate", [f.time_to_mitigate() for f in facts]),
        ("Total duration", [f.total() for f in facts]),
    ):
        median, mean, count = _stats(values)
        lines.append(f"| {label} | {median} | {mean} | {count} |")
    open_items = sum(r.open_issues for r in reviews.values())
    closed_items = sum(r.closed_issues for r in reviews.values())
    overdue_items = sum(
        r.open_issues
        for r in reviews.values()
        if r.state == "open" and r.due_on is not None and r.due_on < today
    )
    lines += [
        "",
        "## Action items",
        "",
        "| Open | Closed | Open past their review date |",
        "|---|---|---|",
        f"| {open_items} | {closed_items} | {overdue_items} |",
        "",
        "## Incidents",
        "",
        "| Incident | Started | Total duration | Items closed | Review |",
        "|---|---|---|---|---|",
    ]
    for f in _newest_first(facts):
        review = reviews.get(f.number)
        items = f"{review.closed_issues} of {review.open_issues + review.closed_issues}" if review else "n/a"
        started = f.start.date().isoformat() if f.start else "n/a"
        title = cell(inline(f.title))  # people's words as text, on one line, safe in a table cell
        lines.append(
            f"| [#{f.number} {title}]({f.url}) | {started} | {format_duration(f.total())} | {items} | "
            f"{review_status(review, today)} |"
        )
    return "\n".join(lines) + "\n"


def _newest_first(facts: Sequence[IncidentFacts]) -> list[IncidentFacts]:
    return sorted(facts, key=chronological, reverse=True)
