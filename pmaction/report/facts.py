"""The cross-incident report: how fast we detect and mitigate, and whether follow-ups happen.

Each incident page carries its key facts as one hidden JSON line right after the page marker,
so the report is computed from one wiki clone and one milestone listing, not a request per
incident.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta

from pmaction.text import markers
from pmaction.text.times import format_duration
from pmaction.timeline.durations import span

REPORT_PAGE = "Post-mortem-report.md"


@dataclass(frozen=True)
class IncidentFacts:
    number: int
    title: str
    url: str
    announced: str | None = None  # ISO 8601 UTC
    started: str | None = None
    detected: str | None = None
    mitigated: str | None = None
    resolved: str | None = None
    declared_over: str | None = None
    review_due: str | None = None  # ISO date

    def moment(self, name: str) -> datetime | None:
        return _parse_moment(getattr(self, name))

    @property
    def start(self) -> datetime | None:
        return self.moment("started") or self.moment("announced")

    def time_to_detect(self) -> timedelta | None:
        return span(self.moment("started"), self.moment("detected"))

    def time_to_mitigate(self) -> timedelta | None:
        return span(self.moment("started"), self.moment("mitigated"))

    def total(self) -> timedelta | None:
        return span(self.start, self.moment("resolved") or self.moment("declared_over"))


_MOMENTS = ("announced", "started", "detected", "mitigated", "resolved", "declared_over")


def _parse_moment(value: object) -> datetime | None:
    """An ISO time from the facts line; anything else (a person edited the line) counts as unknown."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    # Naive and aware times cannot be compared: the facts line is written in UTC.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def facts_line(facts: IncidentFacts) -> str:
    return markers.facts_marker(asdict(facts))


def set_facts_line(page: str, facts: IncidentFacts) -> str:
    """Put the facts line right after the page marker (line 2), replacing the one there."""
    newline = "\r\n" if "\r\n" in page.split("\n", 1)[0] + "\n" else "\n"
    lines = page.split("\n")
    if not lines or not markers.parse_page_marker(lines[0]):
        return page
    line = facts_line(facts) + ("\r" if newline == "\r\n" else "")
    if len(lines) > 1 and markers.is_facts_marker(lines[1]):
        lines[1] = line
    else:
        lines.insert(1, line)
    return "\n".join(lines)


def parse_facts(page: str) -> IncidentFacts | None:
    lines = page.split("\n", 2)
    if len(lines) < 2 or not markers.parse_page_marker(lines[0]):
        return None
    data = markers.parse_facts_marker(lines[1])
    if data is None or type(data.get("number")) is not int:
        return None
    # The line lives on a page people edit: keep what is well-formed, drop the rest, never crash the report.
    texts = {key: data.get(key) if isinstance(data.get(key), str) else None for key in ("title", "url")}
    moments = {key: data[key] if _parse_moment(data.get(key)) else None for key in _MOMENTS}
    due = data.get("review_due")
    try:
        review_due = date.fromisoformat(due).isoformat() if isinstance(due, str) else None
    except ValueError:
        review_due = None
    return IncidentFacts(
        number=data["number"],
        title=texts["title"] or "",
        url=texts["url"] or "",
        review_due=review_due,
        **moments,
    )


def collect_facts(files: Mapping[str, str], full_name: str) -> list[IncidentFacts]:
    out = []
    for text in files.values():
        first = text.split("\n", 1)[0]
        ref = markers.parse_page_marker(first)
        if ref is None or ref.repo.lower() != full_name.lower():
            continue
        facts = parse_facts(text)
        if facts is not None:
            out.append(facts)
    return sorted(out, key=_chronological)


def _chronological(facts: IncidentFacts) -> tuple[datetime, int]:
    # By the instant, not its text: "10:00+02:00" is before "09:00+00:00".
    return facts.start or datetime.min.replace(tzinfo=UTC), facts.number


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
    wiki_base: str | None = None,
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
        title = " ".join(f.title.split()).replace("|", "\\|").replace("<!--", "&lt;!--")
        lines.append(
            f"| [#{f.number} {title}]({f.url}) | {started} | {format_duration(f.total())} | {items} | "
            f"{review_status(review, today)} |"
        )
    return "\n".join(lines) + "\n"


def _newest_first(facts: Sequence[IncidentFacts]) -> list[IncidentFacts]:
    return sorted(facts, key=_chronological, reverse=True)
