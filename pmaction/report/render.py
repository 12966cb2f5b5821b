"""The cross-incident report page: how fast we detect and mitigate, and whether follow-ups happen."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from pmaction.report.charts import Point, incidents_chart, items_chart, response_chart, with_point
from pmaction.report.facts import IncidentFacts, chronological
from pmaction.text.escape import cell, inline
from pmaction.text.markdown import cells
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


CHARTS = {
    "incidents": "Post-mortem-report-incidents.svg",
    "response": "Post-mortem-report-response.svg",
    "items": "Post-mortem-report-items.svg",
}
HISTORY_HEADING = "### Open and closed over time"


def _image(images: Collection[str], key: str, alt: str) -> list[str]:
    # Relative to the page: the wiki serves the file committed next to it.
    return [f"![{alt} (the numbers are in the table below)]({CHARTS[key]})", ""] if key in images else []


def _response(facts: Sequence[IncidentFacts], images: Collection[str]) -> list[str]:
    lines = ["", "## How fast we respond", ""]
    lines += _image(images, "response", "Time to detect and to mitigate, per incident")
    lines += ["| Measure | Median | Mean | Incidents measured |", "|---|---|---|---|"]
    for label, values in (
        ("Time to detect", [f.time_to_detect() for f in facts]),
        ("Time to mitigate", [f.time_to_mitigate() for f in facts]),
        ("Total duration", [f.total() for f in facts]),
    ):
        median, mean, count = _stats(values)
        lines.append(f"| {label} | {median} | {mean} | {count} |")
    if "response" in images:  # the chart's numbers, incident by incident
        lines += ["", "| Incident | Started | Time to detect | Time to mitigate |", "|---|---|---|---|"]
        for f in facts:
            if f.time_to_detect() is None and f.time_to_mitigate() is None:
                continue
            started = f.start.date().isoformat() if f.start else "n/a"
            lines.append(
                f"| [#{f.number}]({f.url}) | {started} | {format_duration(f.time_to_detect())} | "
                f"{format_duration(f.time_to_mitigate())} |"
            )
    return lines


def _items(
    reviews: Mapping[int, ReviewState], today: date, history: Sequence[Point], images: Collection[str]
) -> list[str]:
    open_items = sum(r.open_issues for r in reviews.values())
    closed_items = sum(r.closed_issues for r in reviews.values())
    overdue_items = sum(
        r.open_issues
        for r in reviews.values()
        if r.state == "open" and r.due_on is not None and r.due_on < today
    )
    lines = ["", "## Action items", ""]
    lines += _image(images, "items", "Action items open and closed over time")
    lines += [
        "| Open | Closed | Open past their review date |",
        "|---|---|---|",
        f"| {open_items} | {closed_items} | {overdue_items} |",
    ]
    if history:
        lines += ["", HISTORY_HEADING, "", "| Date | Open | Closed |", "|---|---|---|"]
        lines += [f"| {day.isoformat()} | {o} | {c} |" for day, o, c in history]
    return lines


def render_report(
    facts: Sequence[IncidentFacts],
    reviews: Mapping[int, ReviewState],
    today: date,
    history: Sequence[Point] = (),
    images: Collection[str] = (),
) -> str:
    """The report page and job-summary table (pure). ``images``: the charts (keys of CHARTS) written next
    to it; ``history``: the action items' counts over time, one point per change."""
    # No "generated on" date: an unchanged report must not make a wiki commit every day.
    lines = ["# Post-mortem report", ""]
    if not facts:
        return "\n".join([*lines, "No post-mortems yet.", ""])
    months = Counter(f.start.strftime("%Y-%m") for f in facts if f.start)
    lines += ["## Incidents per month", ""]
    lines += _image(images, "incidents", "Incidents per month")
    lines += ["| Month | Incidents |", "|---|---|"]
    lines += [f"| {month} | {count} |" for month, count in sorted(months.items())]
    lines += _response(facts, images)
    lines += _items(reviews, today, history, images)
    lines += [
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


def parse_history(report: str | None) -> list[Point]:
    """The counts over time as the report on the wiki shows them (rows a person broke are skipped)."""
    lines = (report or "").replace("\r\n", "\n").split("\n")
    if HISTORY_HEADING not in lines:
        return []
    points: list[Point] = []
    for line in lines[lines.index(HISTORY_HEADING) + 1 :]:
        if line.startswith("#"):
            break
        row = cells(line) if line.startswith("|") else []
        try:
            points.append((date.fromisoformat(row[0]), int(row[1]), int(row[2])))
        except (IndexError, ValueError):
            continue
    return sorted(set(points))


def report_files(
    facts: Sequence[IncidentFacts], reviews: Mapping[int, ReviewState], today: date, previous: str | None
) -> dict[str, str]:
    """The report page and its charts (file name -> text), from the facts, the milestones' counts and the
    report on the wiki (which holds the items' counts of earlier days)."""
    if not facts:
        return {REPORT_PAGE: render_report(facts, reviews, today)}
    counts = (sum(r.open_issues for r in reviews.values()), sum(r.closed_issues for r in reviews.values()))
    history = with_point(parse_history(previous), today, *counts)
    months = Counter(f.start.strftime("%Y-%m") for f in facts if f.start)
    charts = {
        "incidents": incidents_chart(dict(months)),
        "response": response_chart(facts),
        "items": items_chart(history),
    }
    files = {CHARTS[key]: svg for key, svg in charts.items() if svg is not None}
    images = [key for key, svg in charts.items() if svg is not None]
    return {REPORT_PAGE: render_report(facts, reviews, today, history, images), **files}


def _newest_first(facts: Sequence[IncidentFacts]) -> list[IncidentFacts]:
    return sorted(facts, key=chronological, reverse=True)
