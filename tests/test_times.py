"""Times as people type them into an incident timeline, read into aware UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pmaction.text.times import format_duration, format_time, parse_time, split_time_prefix

BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2026, 3, 1)  # the announced date of the incident in the configured zone


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ISO 8601, with and without offset (naive = configured zone, Berlin is UTC+1 in March)
        ("2026-03-01T09:12:00Z", utc(2026, 3, 1, 9, 12)),
        ("2026-03-01T09:12+01:00", utc(2026, 3, 1, 8, 12)),
        ("2026-03-01T09:12:30.5-0500", datetime(2026, 3, 1, 14, 12, 30, 500000, tzinfo=UTC)),
        ("2026-03-01T09:12", utc(2026, 3, 1, 8, 12)),
        # date and time with a zone name, an abbreviation, an offset, or none
        ("2026-03-01 09:12 UTC", utc(2026, 3, 1, 9, 12)),
        ("2026-03-01 09:12:45 GMT", utc(2026, 3, 1, 9, 12, 45)),
        ("2026-03-01 09:12Z", utc(2026, 3, 1, 9, 12)),
        ("2026-03-01 09:12", utc(2026, 3, 1, 8, 12)),
        ("2026-03-01 09:12 Asia/Tokyo", utc(2026, 3, 1, 0, 12)),
        ("2026-03-01 09:12 UTC+2", utc(2026, 3, 1, 7, 12)),
        ("2026-03-01 09:12 +05:30", utc(2026, 3, 1, 3, 42)),
        ("2026-03-01 09:12 (UTC)", utc(2026, 3, 1, 9, 12)),
        ("2026-03-01 09:12 utc", utc(2026, 3, 1, 9, 12)),
        # the abbreviations the team uses: a region's name follows its clock on that date ("EDT" on 1 March
        # is Eastern time, so EST: teams write one name all year), the others are fixed (IST is India)
        ("2026-03-01 09:12 EST", utc(2026, 3, 1, 14, 12)),
        ("2026-03-01 09:12 EDT", utc(2026, 3, 1, 14, 12)),
        ("2026-03-01 09:12 CST", utc(2026, 3, 1, 15, 12)),
        ("2026-03-01 09:12 CDT", utc(2026, 3, 1, 15, 12)),
        ("2026-03-01 09:12 MST", utc(2026, 3, 1, 16, 12)),
        ("2026-03-01 09:12 MDT", utc(2026, 3, 1, 16, 12)),
        ("2026-03-01 09:12 PST", utc(2026, 3, 1, 17, 12)),
        ("2026-03-01 09:12 PDT", utc(2026, 3, 1, 17, 12)),
        ("2026-03-01 09:12 CET", utc(2026, 3, 1, 8, 12)),
        ("2026-03-01 09:12 CEST", utc(2026, 3, 1, 8, 12)),
        ("2026-03-01 09:12 BST", utc(2026, 3, 1, 9, 12)),
        ("2026-03-01 09:12 IST", utc(2026, 3, 1, 3, 42)),
        ("2026-03-01 09:12 JST", utc(2026, 3, 1, 0, 12)),
        ("2026-07-15 09:12 PST", utc(2026, 7, 15, 16, 12)),
        ("2026-07-15 09:12 CET", utc(2026, 7, 15, 7, 12)),
        ("2026-03-01 09:12 AEST", utc(2026, 2, 28, 22, 12)),
        ("2026-03-01 09:12 AEDT", utc(2026, 2, 28, 22, 12)),
        # generic zones follow daylight saving time of the date: New York is UTC-5 in winter, UTC-4 in summer
        ("2026-01-15 10:00 ET", utc(2026, 1, 15, 15, 0)),
        ("2026-07-15 10:00 ET", utc(2026, 7, 15, 14, 0)),
        ("2026-01-15 10:00 PT", utc(2026, 1, 15, 18, 0)),
        ("2026-07-15 10:00 PT", utc(2026, 7, 15, 17, 0)),
        ("2026-07-15 10:00 CT", utc(2026, 7, 15, 15, 0)),
        ("2026-07-15 10:00 MT", utc(2026, 7, 15, 16, 0)),
        # HH:MM takes the window's date; the zone is still honoured
        ("10:15", utc(2026, 3, 1, 9, 15)),
        ("10:15 UTC", utc(2026, 3, 1, 10, 15)),
        ("9:05:30 ET", utc(2026, 3, 1, 14, 5, 30)),
        ("9:12pm PT", utc(2026, 3, 2, 5, 12)),
        ("12:30 am UTC", utc(2026, 3, 1, 0, 30)),
        # wrapped in Markdown, and longer written-out forms
        ("**10:15 UTC**", utc(2026, 3, 1, 10, 15)),
        ("March 1, 2026 10:15 UTC", utc(2026, 3, 1, 10, 15)),
    ],
)
def test_time_formats_are_read_into_utc(text: str, expected: datetime) -> None:
    assert parse_time(text, tz=BERLIN, default_date=DAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "soon",
        "yesterday afternoon",
        "25:00",
        "10:61 UTC",
        "10:15 XYZ",
        "10:15 Mars/Olympus",
        "2026-03-01",
        "13:00 am",
        "10:15 and then some",
        "10",
        "2026-02-30 10:00",
    ],
)
def test_garbage_is_not_a_time(text: str) -> None:
    assert parse_time(text, tz=BERLIN, default_date=DAY) is None


def test_a_bare_clock_time_needs_a_window_date() -> None:
    assert parse_time("10:15 UTC", tz=UTC, default_date=None) is None
    assert parse_time("2026-03-01 10:15 UTC", tz=UTC, default_date=None) == utc(2026, 3, 1, 10, 15)


def test_a_naive_time_in_a_dst_zone_uses_summer_time_in_summer() -> None:
    assert parse_time("2026-07-01 10:00", tz=BERLIN, default_date=None) == utc(2026, 7, 1, 8, 0)


@pytest.mark.parametrize(
    ("line", "when", "rest"),
    [
        ("10:15 - db restarted", utc(2026, 3, 1, 9, 15), "db restarted"),
        ("10:15 – failover done #mitigated", utc(2026, 3, 1, 9, 15), "failover done #mitigated"),
        ("10:15: alert fired", utc(2026, 3, 1, 9, 15), "alert fired"),
        ("10:15 UTC | pager went off", utc(2026, 3, 1, 10, 15), "pager went off"),
        ("2026-03-01 10:15 ET — rollback", utc(2026, 3, 1, 15, 15), "rollback"),
        ("2026-03-01T10:15:00Z deploy 42 started", utc(2026, 3, 1, 10, 15), "deploy 42 started"),
        ("10:15 db restarted", utc(2026, 3, 1, 9, 15), "db restarted"),
        ("10:15 API: errors up", utc(2026, 3, 1, 9, 15), "API: errors up"),
        ("**10:15 UTC** - bold time", utc(2026, 3, 1, 10, 15), "bold time"),
        ("[10:15] chat-log style", utc(2026, 3, 1, 9, 15), "chat-log style"),
        ("`10:15Z` code-span time", utc(2026, 3, 1, 10, 15), "code-span time"),
    ],
)
def test_a_leading_time_is_split_from_the_text(line: str, when: datetime, rest: str) -> None:
    assert split_time_prefix(line, tz=BERLIN, default_date=DAY) == (when, rest)


@pytest.mark.parametrize(
    "line", ["around ten we saw errors", "10:15abc", "10:15 Mars/Olympus - x", "25:00 - x"]
)
def test_a_line_without_a_readable_leading_time_is_returned_whole(line: str) -> None:
    assert split_time_prefix(f"  {line} ", tz=BERLIN, default_date=DAY) == (None, line)


def test_times_are_shown_in_the_configured_zone_with_its_abbreviation() -> None:
    moment = utc(2026, 3, 1, 10, 15)
    assert format_time(moment, UTC) == "2026-03-01 10:15 UTC"
    assert format_time(moment, BERLIN) == "2026-03-01 11:15 CET"
    assert format_time(utc(2026, 7, 1, 10, 15), BERLIN) == "2026-07-01 12:15 CEST"
    assert format_time(moment, ZoneInfo("America/Sao_Paulo")) == "2026-03-01 07:15 UTC-3"
    assert format_time(None, BERLIN) == "time unknown"


@pytest.mark.parametrize(
    ("td", "text"),
    [
        (timedelta(hours=1, minutes=25, seconds=59), "1 h 25 min"),
        (timedelta(days=3, hours=2, minutes=10), "3 d 2 h"),
        (timedelta(seconds=45), "45 s"),
        (timedelta(minutes=2, seconds=5), "2 min 5 s"),
        (timedelta(hours=2), "2 h"),
        (timedelta(days=1, minutes=30), "1 d"),
        (timedelta(0), "0 s"),
        (timedelta(minutes=-5), "-5 min"),
        (None, "n/a"),
    ],
)
def test_durations_read_like_a_person_would_say_them(td: timedelta | None, text: str) -> None:
    assert format_duration(td) == text


# --- times pmaction cannot compute with: unreadable, never a crash ------------------------------------

FAR_OFF = [
    "9999-12-31 23:30 EST",  # past datetime's last moment once in UTC
    "0001-01-01 00:10 CET",  # before its first
    "9999-12-31 23:59 UTC",  # representable, but not in a zone east of UTC, nor with a review after it
    "0001-01-01 00:10 UTC",
    "March 1, 9999 23:30 EST",  # the longer forms too
    "1 January 0001 00:10 CET",
    "1969-12-31 23:59 UTC",  # before 1970 or from 3000 on: a typo, not an incident
    "3000-01-01 00:00 UTC",
]


@pytest.mark.parametrize("text", FAR_OFF)
def test_a_time_out_of_range_is_unreadable_not_a_crash(text: str) -> None:
    assert parse_time(text, tz=BERLIN, default_date=DAY) is None
    assert split_time_prefix(f"{text} failover done", tz=BERLIN, default_date=DAY) == (
        None,
        f"{text} failover done",
    )


def test_the_range_is_1970_to_2999() -> None:
    assert parse_time("1970-01-01 00:00 UTC", tz=UTC, default_date=None) == utc(1970, 1, 1)
    assert parse_time("2999-12-31 23:59 UTC", tz=UTC, default_date=None) == utc(2999, 12, 31, 23, 59)


def test_a_time_at_the_edge_of_what_python_holds_is_still_shown() -> None:
    last = datetime.max.replace(tzinfo=UTC)
    assert format_time(last, ZoneInfo("Pacific/Kiritimati")).startswith("9999-12-31")
