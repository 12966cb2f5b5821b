"""The report's charts and each incident's key-moments strip, as SVG files committed next to the pages.

Plain SVG, written here rather than with a chart library: three bar or line charts and one strip need
about as much code as configuring one, and the output must be byte-for-byte stable (an unchanged re-run
writes nothing; pygal, for one, puts a random id into every chart). Each picture draws its own opaque
panel and switches its palette with ``prefers-color-scheme``, so it reads on GitHub's light and dark
themes alike; every number it shows is in a table on the page too. No people's text goes into a picture:
only dates, incident numbers, durations and the names of the key moments.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from xml.sax.saxutils import escape

from pmaction.report.facts import IncidentFacts
from pmaction.text.times import format_duration

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 48, 56
MAX_BARS = 36  # months or incidents: the newest ones, older ones stay in the table

STYLE = """<style>
.bg{fill:#ffffff;stroke:#d0d7de}
.fg{fill:#1f2328;font:13px -apple-system,'Segoe UI',Helvetica,Arial,sans-serif}
.small{font-size:11px}.title{font-size:15px;font-weight:600}.grid{stroke:#d0d7de;stroke-width:1}
.axis{stroke:#57606a;stroke-width:1}.s1{fill:#0969da;stroke:#0969da}.s2{fill:#bf3989;stroke:#bf3989}
.line{fill:none;stroke-width:2.5}
@media (prefers-color-scheme: dark){.bg{fill:#0d1117;stroke:#30363d}.fg{fill:#e6edf3}.grid{stroke:#30363d}
.axis{stroke:#8b949e}.s1{fill:#4493f8;stroke:#4493f8}.s2{fill:#f778ba;stroke:#f778ba}}
</style>"""


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]
    css: str  # s1 | s2


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _text(x: float, y: float, label: str, *, anchor: str = "middle", css: str = "fg") -> str:
    return f'<text class="{css}" x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}">{escape(label)}</text>'


def _svg(title: str, body: Sequence[str], height: int = HEIGHT) -> str:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title, {chr(34): "&quot;"})}">'
    )
    panel = f'<rect class="bg" x="0.5" y="0.5" width="{WIDTH - 1}" height="{height - 1}" rx="8"/>'
    lines = [
        head,
        f"<title>{escape(title)}</title>",
        STYLE,
        panel,
        _text(16, 28, title, anchor="start", css="fg title"),
    ]
    return "\n".join([*lines, *body, "</svg>"]) + "\n"


def nice_step(top: float, ticks: int = 4) -> float:
    """A round step (1, 2 or 5 times a power of ten) that covers ``top`` in at most ``ticks`` steps."""
    if top <= 0:
        return 1.0
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _y_axis(top: float, unit: str, whole: bool) -> tuple[float, list[str]]:
    """(the axis maximum, its grid lines and labels)."""
    step = max(nice_step(top), 1.0) if whole else nice_step(top)
    peak = step * max(1, math.ceil(top / step))
    plot = HEIGHT - TOP - BOTTOM
    out = []
    for index in range(round(peak / step) + 1):
        value = index * step
        y = HEIGHT - BOTTOM - plot * value / peak
        out.append(f'<line class="grid" x1="{LEFT}" y1="{_num(y)}" x2="{WIDTH - RIGHT}" y2="{_num(y)}"/>')
        out.append(_text(LEFT - 8, y + 4, f"{_num(value)}{unit}", anchor="end", css="fg small"))
    base = HEIGHT - BOTTOM
    out.append(f'<line class="axis" x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}"/>')
    return peak, out


def _legend(series: Sequence[Series]) -> list[str]:
    out: list[str] = []
    x = float(WIDTH - RIGHT - 10)
    for item in reversed(series):
        width = 7.5 * len(item.name) + 22
        x -= width
        out.append(f'<rect class="{item.css}" x="{_num(x)}" y="19" width="12" height="12" rx="2"/>')
        out.append(_text(x + 17, 29, item.name, anchor="start", css="fg small"))
    return out


def _x_labels(labels: Sequence[str], slot: float) -> list[str]:
    """One label per slot, thinned to every n-th when they would overlap (the table has them all)."""
    every = max(1, math.ceil(len(labels) * 60 / (WIDTH - LEFT - RIGHT)))
    return [
        _text(LEFT + slot * (i + 0.5), HEIGHT - BOTTOM + 18, label, css="fg small")
        for i, label in enumerate(labels)
        if i % every == 0 or i == len(labels) - 1
    ]


def bar_chart(
    title: str, labels: Sequence[str], series: Sequence[Series], unit: str = "", whole: bool = True
) -> str:
    """Grouped bars, one group per label, the value written above each bar."""
    known = [v for s in series for v in s.values if v is not None]
    peak, body = _y_axis(max(known, default=0.0), unit, whole)
    plot, slot = HEIGHT - TOP - BOTTOM, (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    bar = min(40.0, slot * 0.8 / max(1, len(series)))
    for index in range(len(labels)):
        start = LEFT + slot * (index + 0.5) - bar * len(series) / 2
        for k, item in enumerate(series):
            value = item.values[index]
            if value is None:
                continue
            height = plot * value / peak
            x, y = start + k * bar, HEIGHT - BOTTOM - height
            body.append(
                f'<rect class="{item.css}" x="{_num(x + 1)}" y="{_num(y)}" width="{_num(bar - 2)}" '
                f'height="{_num(height)}"/>'
            )
            if slot >= 24:  # room for the number above the bar
                body.append(_text(x + bar / 2, y - 4, _num(value), css="fg small"))
    body += _x_labels(labels, slot)
    if len(series) > 1:
        body += _legend(series)
    return _svg(title, body)


def line_chart(title: str, labels: Sequence[str], series: Sequence[Series]) -> str:
    """One line per series over evenly spaced points, each point marked and its value written."""
    known = [v for s in series for v in s.values if v is not None]
    peak, body = _y_axis(max(known, default=0.0), "", True)
    plot, slot = HEIGHT - TOP - BOTTOM, (WIDTH - LEFT - RIGHT) / max(1, len(labels))
    for k, item in enumerate(series):
        points = [
            (LEFT + slot * (i + 0.5), HEIGHT - BOTTOM - plot * v / peak)
            for i, v in enumerate(item.values)
            if v is not None
        ]
        path = " ".join(f"{_num(x)},{_num(y)}" for x, y in points)
        body.append(f'<polyline class="{item.css} line" points="{path}"/>')
        for (x, y), value in zip(points, [v for v in item.values if v is not None], strict=True):
            body.append(f'<circle class="{item.css}" cx="{_num(x)}" cy="{_num(y)}" r="4"/>')
            if slot >= 24:
                body.append(_point_label(x, y, _num(value), second=k > 0))
    body += _x_labels(labels, slot)
    body += _legend(series)
    return _svg(title, body)


def _point_label(x: float, y: float, label: str, *, second: bool) -> str:
    """Above the point; the second series' below it, or beside it where the x axis' labels are."""
    if not second:
        return _text(x, y - 9, label, css="fg small")
    if y + 17 <= HEIGHT - BOTTOM - 6:
        return _text(x, y + 17, label, css="fg small")
    return _text(x + 9, y - 6, label, anchor="start", css="fg small")


# --- the report's three charts -----------------------------------------------------------------------


def months_between(first: str, last: str) -> list[str]:
    """Every ``YYYY-MM`` from ``first`` to ``last``, months without incidents included."""
    year, month = int(first[:4]), int(first[5:7])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def incidents_chart(counts: dict[str, int]) -> str | None:
    if not counts:
        return None
    months = months_between(min(counts), max(counts))[-MAX_BARS:]
    values = tuple(float(counts.get(month, 0)) for month in months)
    return bar_chart("Incidents per month", months, [Series("Incidents", values, "s1")])


def _unit(longest: float) -> tuple[float, str]:
    """Seconds per unit and its name, so the longest value reads as a small number."""
    if longest < 2 * 3600:
        return 60.0, " min"
    if longest < 3 * 86400:
        return 3600.0, " h"
    return 86400.0, " d"


def response_chart(facts: Sequence[IncidentFacts]) -> str | None:
    """Time to detect and to mitigate, per incident in the order they started."""
    measured = [f for f in facts if f.time_to_detect() is not None or f.time_to_mitigate() is not None]
    measured = measured[-MAX_BARS:]
    if not measured:
        return None
    spans = [(f.time_to_detect(), f.time_to_mitigate()) for f in measured]
    longest = max(s.total_seconds() for pair in spans for s in pair if s is not None)
    size, unit = _unit(longest)

    def scaled(index: int) -> tuple[float | None, ...]:
        values = (pair[index] for pair in spans)
        return tuple(None if value is None else round(value.total_seconds() / size, 1) for value in values)

    labels = [f"#{f.number}" for f in measured]
    series = [Series("Time to detect", scaled(0), "s1"), Series("Time to mitigate", scaled(1), "s2")]
    return bar_chart(f"Time to detect and to mitigate ({unit.strip()})", labels, series, unit, whole=False)


Point = tuple[date, int, int]  # (day, open, closed)


def items_chart(history: Sequence[Point]) -> str | None:
    if not history:
        return None
    shown = list(history)[-MAX_BARS:]
    labels = [day.isoformat()[5:] if len(shown) > 8 else day.isoformat() for day, _, _ in shown]
    series = [
        Series("Open", tuple(float(o) for _, o, _ in shown), "s1"),
        Series("Closed", tuple(float(c) for _, _, c in shown), "s2"),
    ]
    return line_chart("Action items open and closed", labels, series)


def with_point(history: Sequence[Point], today: date, open_items: int, closed_items: int) -> list[Point]:
    """The history with today's counts: a new point only when they changed (so a re-run writes nothing),
    today's own point replaced rather than repeated."""
    points = [point for point in history if point[0] <= today]
    if points and points[-1][1:] == (open_items, closed_items):
        return points
    if points and points[-1][0] == today:
        points = points[:-1]
    return [*points, (today, open_items, closed_items)]


# --- each incident's key moments ------------------------------------------------------------------------

MOMENT_NAMES = (
    ("started", "Started"),
    ("detected", "Detected"),
    ("announced", "Announced"),
    ("mitigated", "Mitigated"),
    ("resolved", "Resolved"),
    ("declared_over", "Declared over"),
)
STRIP_HEIGHT = 170
STRIP_AXIS = 96


def moments_strip(title: str, moments: Sequence[tuple[str, datetime]], tz: tzinfo) -> str | None:
    """The key moments in time order, evenly spaced so that moments minutes apart stay readable beside one
    a day later: each named above the line with its local time below, and the time between two moments
    under the gap."""
    if not moments:
        return None
    ordered = sorted(moments, key=lambda item: item[1])
    multi_day = ordered[0][1].astimezone(tz).date() != ordered[-1][1].astimezone(tz).date()
    left, right = LEFT, WIDTH - RIGHT - 40
    step = (right - left) / max(1, len(ordered) - 1)
    xs = [left + step * index if len(ordered) > 1 else (left + right) / 2 for index in range(len(ordered))]
    body = [
        f'<line class="axis" x1="{_num(xs[0])}" y1="{STRIP_AXIS}" x2="{_num(xs[-1])}" y2="{STRIP_AXIS}"/>'
    ]
    for index, ((name, when), x) in enumerate(zip(ordered, xs, strict=True)):
        stamp = when.astimezone(tz).strftime("%m-%d %H:%M" if multi_day else "%H:%M")
        body.append(f'<circle class="s1" cx="{_num(x)}" cy="{STRIP_AXIS}" r="6"/>')
        body.append(_text(x, STRIP_AXIS - 16, name, css="fg"))
        body.append(_text(x, STRIP_AXIS + 24, stamp, css="fg small"))
        if index:
            gap = format_duration(when - ordered[index - 1][1])
            body.append(_text(x - step / 2, STRIP_AXIS + 44, f"+{gap}", css="fg small"))
    zone = ordered[0][1].astimezone(tz).tzname() or ""
    body.append(_text(WIDTH - RIGHT - 8, STRIP_HEIGHT - 10, f"times in {zone}", anchor="end", css="fg small"))
    return _svg(title, body, STRIP_HEIGHT)


def key_moments(facts: IncidentFacts) -> list[tuple[str, datetime]]:
    found = []
    for field, label in MOMENT_NAMES:
        when = facts.moment(field)
        if when is not None:
            found.append((label, when))
    return found
