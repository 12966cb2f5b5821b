"""Each incident page's key facts, kept as one hidden JSON line right after the page marker.

Sync writes the line; the report reads every page's line back, so the report is computed from one wiki
clone and one milestone listing, not a request per incident.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta

from pmaction.text import markers
from pmaction.timeline.durations import compute_durations, incident_start
from pmaction.timeline.model import Moments


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
    def moments(self) -> Moments:
        return Moments(**{name: self.moment(name) for name in _MOMENTS})

    @property
    def start(self) -> datetime | None:
        return incident_start(self.moments)

    # The same duration rule as the page's (timeline/durations.py), so the report and the pages agree.
    def time_to_detect(self) -> timedelta | None:
        return compute_durations(self.moments).time_to_detect

    def time_to_mitigate(self) -> timedelta | None:
        return compute_durations(self.moments).time_to_mitigate

    def total(self) -> timedelta | None:
        return compute_durations(self.moments).total


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
    return sorted(out, key=chronological)


def chronological(facts: IncidentFacts) -> tuple[datetime, int]:
    # By the instant, not its text: "10:00+02:00" is before "09:00+00:00".
    return facts.start or datetime.min.replace(tzinfo=UTC), facts.number
