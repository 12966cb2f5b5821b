"""The report's charts and the key-moments strip as files: stable bytes, the numbers they show, and the
action items' counts kept over time on the report page itself."""

from __future__ import annotations

from datetime import date
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from pmaction.report.charts import (
    incidents_chart,
    key_moments,
    moments_strip,
    months_between,
    nice_step,
    with_point,
)
from pmaction.report.facts import IncidentFacts
from pmaction.report.render import CHARTS, REPORT_PAGE, ReviewState, parse_history, report_files

SVG = "{http://www.w3.org/2000/svg}"
FACTS = [
    IncidentFacts(
        12,
        "DB <outage> & more",
        "http://x/12",
        announced="2026-01-10T09:30:00+00:00",
        started="2026-01-10T09:12:00+00:00",
        detected="2026-01-10T09:20:00+00:00",
        mitigated="2026-01-10T10:05:00+00:00",
        declared_over="2026-01-10T12:00:00+00:00",
    ),
    IncidentFacts(14, "Cache", "http://x/14", announced="2026-03-03T08:00:00+00:00"),
]
REVIEWS = {12: ReviewState(12, "open", date(2026, 3, 10), 2, 1, "http://x/m/1")}


def labels(svg: str) -> list[str]:
    return [node.text or "" for node in ElementTree.fromstring(svg).iter(f"{SVG}text")]


def test_the_report_embeds_three_charts_whose_numbers_are_in_its_tables() -> None:
    files = report_files(FACTS, REVIEWS, date(2026, 3, 5), None)
    assert set(files) == {REPORT_PAGE, *CHARTS.values()}
    page = files[REPORT_PAGE]
    for name in CHARTS.values():
        assert f"]({name})" in page
        ElementTree.fromstring(files[name])  # well-formed XML
    # February had no incident: the chart shows a zero bar, the table lists the months with incidents.
    assert labels(files[CHARTS["incidents"]])[:2] == ["Incidents per month", "0"]
    assert {"2026-01", "2026-02", "2026-03"} <= set(labels(files[CHARTS["incidents"]]))
    assert "| [#12](http://x/12) | 2026-01-10 | 8 min | 53 min |" in page
    assert "| 2026-03-05 | 2 | 1 |" in page
    # No people's text in a picture: the titles stay on the page.
    assert not any("outage" in text for name in CHARTS.values() for text in labels(files[name]))


def test_the_charts_are_the_same_bytes_every_run_and_the_history_grows_only_on_change() -> None:
    first = report_files(FACTS, REVIEWS, date(2026, 3, 5), None)
    again = report_files(FACTS, REVIEWS, date(2026, 3, 9), first[REPORT_PAGE])
    assert again == first  # a later day, the same counts: nothing to commit
    closed = {12: ReviewState(12, "open", date(2026, 3, 10), 1, 2, "http://x/m/1")}
    later = report_files(FACTS, closed, date(2026, 3, 9), first[REPORT_PAGE])
    assert parse_history(later[REPORT_PAGE]) == [(date(2026, 3, 5), 2, 1), (date(2026, 3, 9), 1, 2)]
    # The same day twice: its point is replaced, not repeated.
    assert with_point([(date(2026, 3, 9), 1, 2)], date(2026, 3, 9), 0, 3) == [(date(2026, 3, 9), 0, 3)]
    # A row a person broke is skipped; the rest is kept.
    broken = later[REPORT_PAGE].replace("| 2026-03-05 | 2 | 1 |", "| someday | two | 1 |")
    assert parse_history(broken) == [(date(2026, 3, 9), 1, 2)]


def test_the_key_moments_strip_names_each_moment_at_its_local_time() -> None:
    strip = moments_strip("Key moments of #12", key_moments(FACTS[0]), ZoneInfo("Europe/Berlin"))
    assert strip is not None
    shown = labels(strip)
    for name, at in (
        ("Started", "10:12"),
        ("Detected", "10:20"),
        ("Mitigated", "11:05"),
        ("Declared over", "13:00"),
    ):
        assert shown[shown.index(name) + 1] == at
    assert "times in CET" in shown
    assert moments_strip("Key moments of #14", [], ZoneInfo("UTC")) is None


def test_scales_and_months() -> None:
    assert [nice_step(v) for v in (1, 4, 7, 30, 0.9)] == [0.5, 1, 2, 10, 0.5]
    assert months_between("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert incidents_chart({}) is None
