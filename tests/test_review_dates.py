"""The review is held a period after the incident, on a date GitHub shows back unchanged."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from pmaction.review import dates as review_dates
from pmaction.review.dates import (
    Period,
    add_period,
    due_date_from_api,
    due_on_param,
    milestone_description,
    milestone_title,
    parse_review_after,
)
from pmaction.text.markers import Ref, parse_review_marker, review_marker


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("2 months", Period(2, "months")),
        ("1 month", Period(1, "months")),
        ("2mo", Period(2, "months")),
        ("6 weeks", Period(6, "weeks")),
        ("1 week", Period(1, "weeks")),
        ("3w", Period(3, "weeks")),
        ("45 days", Period(45, "days")),
        ("10d", Period(10, "days")),
        ("  2 MONTHS ", Period(2, "months")),
    ],
)
def test_review_after_accepts_days_weeks_and_months(text: str, period: Period) -> None:
    assert parse_review_after(text) == period


@pytest.mark.parametrize(
    "text", ["3 fortnights", "two months", "", "months", "2", "P60D", "-2 months", "2.5 weeks"]
)
def test_a_bad_review_after_names_the_input_and_the_accepted_forms(text: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_review_after(text)
    message = str(error.value)
    assert message.startswith(f"review_after: {text!r} ")
    assert "N days, N weeks or N months (for example '2 months')" in message


def test_the_documented_error_message_reads_exactly() -> None:
    with pytest.raises(
        ValueError, match=r"^review_after: '3 fortnights' is not a period; write N days, N weeks or"
    ):
        parse_review_after("3 fortnights")


@pytest.mark.parametrize("text", ["0 days", "0 months", "200 months", "9999 days"])
def test_a_zero_or_absurd_period_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="review_after: "):
        parse_review_after(text)


@pytest.mark.parametrize(
    ("start", "period", "due"),
    [
        (date(2023, 12, 31), "2 months", date(2024, 2, 29)),  # leap year: Feb 29
        (date(2022, 12, 31), "2 months", date(2023, 2, 28)),  # clamps to the month's end
        (date(2024, 1, 31), "1 month", date(2024, 2, 29)),
        (date(2023, 1, 31), "1 month", date(2023, 2, 28)),
        (date(2024, 8, 31), "1 month", date(2024, 9, 30)),
        (date(2024, 3, 15), "2 months", date(2024, 5, 15)),
        (date(2024, 11, 20), "2 months", date(2025, 1, 20)),  # year rollover
        (date(2024, 12, 20), "2 weeks", date(2025, 1, 3)),
        (date(2024, 2, 20), "10 days", date(2024, 3, 1)),  # through Feb 29
        (date(2023, 2, 20), "10 days", date(2023, 3, 2)),
        (date(2024, 12, 31), "1 day", date(2025, 1, 1)),
    ],
)
def test_the_review_date_table(start: date, period: str, due: date) -> None:
    assert add_period(start, parse_review_after(period)) == due


def test_due_on_is_sent_at_noon_utc_so_the_pacific_floor_keeps_the_day() -> None:
    assert due_on_param(date(2024, 2, 29)) == "2024-02-29T12:00:00Z"


@pytest.mark.parametrize(
    ("returned", "shown"),
    [
        (datetime(2024, 7, 1, 7, 0, tzinfo=UTC), date(2024, 7, 1)),  # Pacific midnight, summer time
        (datetime(2024, 1, 15, 8, 0, tzinfo=UTC), date(2024, 1, 15)),  # Pacific midnight, winter time
        (datetime(2024, 1, 15, 12, 0, tzinfo=UTC), date(2024, 1, 15)),  # what we send
        (datetime(2024, 1, 15, 8, 0), date(2024, 1, 15)),  # naive: taken as UTC
        (datetime(2024, 1, 15, 0, 0, tzinfo=timezone(timedelta(hours=-8))), date(2024, 1, 15)),
    ],
)
def test_github_due_on_is_read_as_a_pacific_date(returned: datetime, shown: date) -> None:
    assert due_date_from_api(returned) == shown


def test_no_due_on_means_no_date() -> None:
    assert due_date_from_api(None) is None


def test_without_a_tz_database_the_pacific_date_is_still_right(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(review_dates, "_pacific", lambda: None)
    assert due_date_from_api(datetime(2024, 7, 1, 7, 0, tzinfo=UTC)) == date(2024, 7, 1)
    assert due_date_from_api(datetime(2024, 1, 15, 8, 0, tzinfo=UTC)) == date(2024, 1, 15)
    assert due_date_from_api(datetime(2024, 1, 15, 12, 0, tzinfo=UTC)) == date(2024, 1, 15)


def test_a_sent_date_comes_back_as_the_same_date_all_year() -> None:
    day = date(2024, 1, 1)
    while day.year == 2024:
        sent = datetime.fromisoformat(due_on_param(day))
        assert due_date_from_api(sent) == day
        day += timedelta(days=1)


def test_the_milestone_title_names_the_incident() -> None:
    assert milestone_title(12, "  Checkout   down\n") == "Post-mortem review: #12 Checkout down"


def test_a_long_milestone_title_is_cut_on_a_word() -> None:
    title = milestone_title(7, "word " * 100)
    assert len(title) <= 255
    assert title.startswith("Post-mortem review: #7 word word")
    assert title.endswith("word…")


def test_the_review_marker_round_trips_from_the_description() -> None:
    description = milestone_description(
        full_name="acme/shop",
        incident=12,
        incident_url="https://github.com/acme/shop/issues/12",
        page_url=None,
    )
    assert "https://github.com/acme/shop/issues/12" in description
    assert (
        description.splitlines()[-1]
        == review_marker("acme/shop", 12)
        == "<!-- pmaction:review acme/shop#12 -->"
    )
    assert parse_review_marker(description) == Ref("acme/shop", 12)


def test_the_description_links_the_page_when_there_is_one() -> None:
    description = milestone_description(
        full_name="acme/shop", incident=3, incident_url="u", page_url="https://github.com/acme/shop/wiki/PM-3"
    )
    assert "https://github.com/acme/shop/wiki/PM-3" in description


@pytest.mark.parametrize(
    "description",
    [None, "", "a milestone someone made by hand", "see <!-- pmaction:review acme/shop#12 --> inline"],
)
def test_milestones_without_a_marker_line_are_not_ours(description: str | None) -> None:
    assert parse_review_marker(description) is None
