"""The meetings' pure parts: the config's meeting times, the facilitator's sources, the .ics file's identity
across runs (UID, SEQUENCE, DTSTAMP), the Google Calendar link and the review's agenda."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import yaml
from icalendar import Calendar

from pmaction.errors import ConfigError
from pmaction.github.data import Comment, Issue, Repo
from pmaction.incident.model import Incident
from pmaction.meetings.agenda import QUESTIONS, comparable_labels, recurrences, render_agenda
from pmaction.meetings.calendar import (
    Meeting,
    Person,
    describe,
    google_link,
    postmortem_start,
    render_calendar,
    uid_of,
)
from pmaction.meetings.facilitator import find_facilitator
from pmaction.meetings.spec import (
    POSTMORTEM_DEFAULT,
    parse_facilitator,
    parse_postmortem_meeting,
    parse_review_meeting,
)
from pmaction.run.config import build_config, parse_config_file

BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BOTS = frozenset({"github-actions[bot]"})


# --- the config -------------------------------------------------------------------------------------


def test_the_default_post_mortem_is_two_working_days_after_at_two_for_an_hour() -> None:
    spec = parse_postmortem_meeting("postmortem_meeting", POSTMORTEM_DEFAULT)
    assert spec is not None and (spec.at, spec.minutes, spec.after_days, spec.working_days) == (
        time(14, 0),
        60,
        2,
        True,
    )
    # Declared over on a Thursday evening in Berlin: Monday, not Saturday.
    thursday = datetime(2026, 3, 5, 19, 0, tzinfo=UTC)
    assert postmortem_start(spec, thursday, BERLIN) == datetime(2026, 3, 9, 14, 0, tzinfo=BERLIN)
    # 22:30 UTC on a Friday is 23:30 in Berlin, still Friday: two working days later is Tuesday.
    friday = datetime(2026, 3, 6, 22, 30, tzinfo=UTC)
    assert postmortem_start(spec, friday, BERLIN).date() == date(2026, 3, 10)


def test_unquoted_yaml_times_and_other_spellings_are_read() -> None:
    config = build_config(
        {},
        parse_config_file(
            "postmortem_meeting: {after: 3 days, at: 9:30, duration: 1h30}\n"
            "review_meeting: {at: '16.15', duration: 45 min}\nfacilitator: '@carol'\n",
            ".github/postmortem.yml",
        ),
    )
    assert config.postmortem_meeting is not None and config.review_meeting is not None
    assert (config.postmortem_meeting.at, config.postmortem_meeting.minutes) == (time(9, 30), 90)
    assert config.postmortem_meeting.day_after(date(2026, 3, 6)) == date(2026, 3, 9)  # plain days
    assert (config.review_meeting.at, config.review_meeting.minutes) == (time(16, 15), 45)
    assert config.facilitator == "carol"
    assert yaml.safe_load("at: 14:00")["at"] == 840  # why the parser takes minutes too


@pytest.mark.parametrize(
    ("key", "value", "fix"),
    [
        ("postmortem_meeting", {"after": "soon"}, "postmortem_meeting.after: 'soon' is not a number of days"),
        ("postmortem_meeting", {"at": "25:00"}, 'write it as HH:MM, e.g. "14:00"'),
        ("postmortem_meeting", {"duration": "forever"}, "write e.g. 60 minutes or 1 hour"),
        ("postmortem_meeting", {"duration": "12 hours"}, "use 5 minutes to 8 hours"),
        ("postmortem_meeting", {"when": "14:00"}, "unknown key 'when'; use after, at, duration"),
        ("review_meeting", "15:00", "write {at, duration} or false to turn it off"),
        ("review_meeting", {"after": "2 days"}, "unknown key 'after'; use at, duration"),
        ("facilitator", "Alice Smith", "is not a GitHub login; write e.g. @alice"),
    ],
)
def test_a_bad_meeting_setting_is_one_line_naming_the_fix(key: str, value: object, fix: str) -> None:
    parse = {
        "postmortem_meeting": parse_postmortem_meeting,
        "review_meeting": parse_review_meeting,
        "facilitator": parse_facilitator,
    }[key]
    with pytest.raises(ConfigError) as caught:
        parse(key, value)
    assert fix in str(caught.value) and "\n" not in str(caught.value)


def test_false_turns_a_meeting_off() -> None:
    assert parse_postmortem_meeting("postmortem_meeting", False) is None
    assert parse_review_meeting("review_meeting", "off") is None


# --- the facilitator ------------------------------------------------------------------------------------


def _incident(body: str = "", comments: tuple[Comment, ...] = ()) -> Incident:
    repo = Repo("o/r", "http://x/o/r", False, True)
    issue = Issue(12, "DB outage", body, "open", "http://x/o/r/issues/12", T0, None, "alice")
    return Incident(repo=repo, issue=issue, comments=list(comments), events=[])


def _comment(n: int, body: str, association: str = "COLLABORATOR", author: str = "bob") -> Comment:
    at = T0 + timedelta(minutes=n)
    return Comment(n, author, association, at, at, body, f"http://x/c/{n}")


def test_the_newest_collaborator_command_wins_over_the_form_and_the_config() -> None:
    form = "### Facilitator\n\n@alice\n"
    assert find_facilitator(_incident(form), "dave", BOTS)[0].login == "alice"  # type: ignore[union-attr]
    assert find_facilitator(_incident(), "dave", BOTS)[0].login == "dave"  # type: ignore[union-attr]
    assert find_facilitator(_incident(), "", BOTS)[0] is None
    comments = (
        _comment(1, "/facilitator @carol"),
        _comment(2, "Thanks!\n/facilitator @erin\n"),
        _comment(3, "/facilitator @mallory", association="NONE", author="mallory"),  # no push access
        _comment(4, "```\n/facilitator @frank\n```"),  # explaining the syntax
    )
    found, warnings = find_facilitator(_incident(form, comments), "dave", BOTS)
    assert found is not None and (found.login, found.source, found.url) == ("erin", "comment", "http://x/c/2")
    assert warnings == []


def test_a_facilitator_that_is_no_login_is_a_warning_and_the_next_source_answers() -> None:
    found, warnings = find_facilitator(
        _incident("Facilitator: Alice from SRE", (_comment(1, "/facilitator"),)), "dave", BOTS
    )
    assert found is not None and found.login == "dave"
    assert len(warnings) == 2
    assert "write e.g. /facilitator @alice" in warnings[0] and "http://x/c/1" in warnings[0]
    assert "Facilitator field" in warnings[1]


# --- the invitation -----------------------------------------------------------------------------------

PEOPLE = (Person("alice", "alice@example.com", chair=True), Person("bob"))


def _meeting(start: datetime, summary: str = "Post-mortem: #12 DB outage") -> Meeting:
    lines = ["Post-mortem of #12 DB outage"]
    uid = uid_of("Octo/Repo", 12, "postmortem")
    return Meeting(
        "postmortem", uid, summary, start, timedelta(minutes=60), describe(lines, PEOPLE), "http://p"
    )


def _event(text: str) -> dict[str, object]:
    [event] = Calendar.from_ical(text).walk("VEVENT")
    return {
        "uid": str(event["uid"]),
        "sequence": int(event["sequence"]),
        "start": event.decoded("dtstart"),
        "stamp": event.decoded("dtstamp"),
    }


def test_the_file_keeps_its_uid_raises_sequence_when_the_time_moves_and_is_stable_otherwise() -> None:
    start = datetime(2026, 3, 4, 14, 0, tzinfo=BERLIN)
    first = render_calendar([_meeting(start)], PEOPLE, BERLIN, previous=None, now=T0)
    assert (
        first.startswith("BEGIN:VCALENDAR\r\n") and "\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n" in first
    )
    assert "DTSTART;TZID=Europe/Berlin:20260304T140000" in first
    assert "ATTENDEE;CN=alice;ROLE=CHAIR:mailto:alice@example.com" in first
    assert "@bob" in first  # no public e-mail: named in the description
    # A later run with nothing changed writes the same bytes: DTSTAMP is the first run's.
    later = T0 + timedelta(days=1)
    assert render_calendar([_meeting(start)], PEOPLE, BERLIN, previous=first, now=later) == first
    # The text changes: a new DTSTAMP, the same SEQUENCE. The time moves: SEQUENCE + 1.
    renamed = render_calendar([_meeting(start, "Renamed")], PEOPLE, BERLIN, previous=first, now=later)
    assert _event(renamed)["sequence"] == 0 and _event(renamed)["stamp"] == later
    moved = render_calendar(
        [_meeting(start + timedelta(days=1), "Renamed")], PEOPLE, BERLIN, previous=renamed, now=later
    )
    assert _event(moved)["uid"] == _event(first)["uid"] == "postmortem-12.repo.octo@pmaction"
    assert _event(moved)["sequence"] == 1
    assert _event(moved)["start"] == start + timedelta(days=1)
    # A file a person broke counts as none: a fresh event, never a crash.
    assert (
        _event(render_calendar([_meeting(start)], PEOPLE, BERLIN, previous="garbage", now=T0))["sequence"]
        == 0
    )


def test_the_google_calendar_link_carries_the_same_time_and_the_invitees() -> None:
    url = google_link(_meeting(datetime(2026, 3, 4, 14, 0, tzinfo=BERLIN)), PEOPLE, BERLIN)
    query = parse_qs(urlsplit(url).query)
    assert url.startswith("https://calendar.google.com/calendar/render?")
    assert query["dates"] == ["20260304T130000Z/20260304T140000Z"]  # 14:00 CET is 13:00 UTC
    assert query["ctz"] == ["Europe/Berlin"] and query["add"] == ["alice@example.com"]
    assert query["text"] == ["Post-mortem: #12 DB outage"]


# --- the agenda -------------------------------------------------------------------------------------


def _issue(n: int, title: str, **kw: object) -> Issue:
    fields: dict[str, object] = {"state": "open", "created_at": T0, "closed_at": None, "author": "alice"}
    fields.update(kw)
    return Issue(n, title, "", html_url=f"http://x/{n}", **fields)  # type: ignore[arg-type]


def test_the_agenda_shows_each_items_progress_the_recurrences_and_the_questions() -> None:
    items = [
        _issue(14, "Alert on lag", assignees=("bob",), created_at=T0),
        _issue(15, "Runbook", state="closed", state_reason="completed", closed_at=T0 + timedelta(days=3)),
        _issue(16, "Rewrite it all", state="closed", state_reason="not_planned"),
        _issue(17, "Nobody's", created_at=T0 + timedelta(days=59)),
    ]
    incident = _issue(12, "DB outage", labels=("incident", "SEV2", "database"))
    others = [
        incident,
        _issue(20, "DB slow again", labels=("incident", "database"), created_at=T0 + timedelta(days=20)),
        _issue(
            21, "CDN down", labels=("incident", "sev2"), created_at=T0 + timedelta(days=30)
        ),  # severity only
        _issue(9, "Older DB trouble", labels=("incident", "database"), created_at=T0 - timedelta(days=9)),
    ]
    compared = comparable_labels(incident.labels, ["incident"])
    assert compared == ("database",)
    found = recurrences(incident, others, ["incident"])
    assert [r.number for r in found] == [20]
    text = "\n".join(render_agenda(items, found, compared, date(2026, 5, 2)))
    assert "- [ ] #14 Alert on lag: open, @bob, 61 days old" in text
    assert "- [ ] #17 Nobody's: open, no owner, 2 days old" in text
    assert "- [x] #15 Runbook: closed on 2026-03-05" in text
    assert "- [ ] ~~#16 Rewrite it all~~: closed as not planned" in text
    assert text.index("#14") < text.index("#15") < text.index("#16")  # open first, not planned last
    assert "- #20 DB slow again (2026-03-22; `database`)" in text
    assert all(question in text for question in QUESTIONS)


def test_an_agenda_without_labels_to_compare_or_items_says_so() -> None:
    text = "\n".join(render_agenda([], [], (), date(2026, 5, 2)))
    assert "_No action items in the review milestone._" in text
    assert "no labels besides the incident and severity labels" in text
    unknown = "\n".join(render_agenda([], None, ("database",), date(2026, 5, 2)))
    assert "could not be listed" in unknown


def test_a_comment_that_only_names_the_facilitator_is_no_timeline_row() -> None:
    from pmaction.timeline.sources.comments import comment_entries

    comments = [_comment(1, "/facilitator @carol\n"), _comment(2, "Rolled back.\n/facilitator @carol")]
    entries, _ = comment_entries(comments, tz=UTC, default_date=None)
    assert [entry.key for entry in entries] == ["comment-2"]
