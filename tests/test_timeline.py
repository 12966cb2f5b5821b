"""The incident timeline, told as the process: announce, observe, back-date, declare over."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pmaction.github.data import Comment, Issue, IssueEvent, Repo
from pmaction.incident.model import Incident
from pmaction.incident.severity import is_severity_label, severity
from pmaction.timeline.build import build_timeline, sort_entries
from pmaction.timeline.durations import compute_durations
from pmaction.timeline.model import Entry, Moments
from pmaction.timeline.moments import announced_at, compute_moments, declared_over_at
from pmaction.timeline.sources.body import body_entries
from pmaction.timeline.sources.comments import comment_entries
from pmaction.timeline.sources.events import event_entries

BERLIN = ZoneInfo("Europe/Berlin")
REPO = Repo(full_name="acme/shop", html_url="https://github.com/acme/shop", private=False, has_wiki=True)
OPENED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def at(hour: int, minute: int = 0, day: int = 1) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def issue(
    body: str = "",
    *,
    state: str = "open",
    closed_at: datetime | None = None,
    labels: Sequence[str] = ("incident",),
) -> Issue:
    return Issue(
        number=7,
        title="Checkout 502s",
        body=body,
        state=state,
        html_url="https://github.com/acme/shop/issues/7",
        created_at=OPENED,
        closed_at=closed_at,
        author="ana",
        labels=tuple(labels),
    )


def event(
    id: int, kind: str, when: datetime, *, label: str | None = None, actor: str = "ana", **kw: str
) -> IssueEvent:
    return IssueEvent(id=id, event=kind, actor=actor, created_at=when, label=label, **kw)


def comment(
    id: int, body: str, when: datetime, *, author: str = "bo", association: str = "MEMBER", bot: bool = False
) -> Comment:
    return Comment(
        id=id,
        author=author,
        association=association,
        created_at=when,
        updated_at=when,
        body=body,
        html_url=f"https://github.com/acme/shop/issues/7#issuecomment-{id}",
        author_is_bot=bot,
    )


def incident(
    body: str = "", *, comments: Sequence[Comment] = (), events: Sequence[IssueEvent] = (), **kw: object
) -> Incident:
    return Incident(repo=REPO, issue=issue(body, **kw), comments=list(comments), events=list(events))  # type: ignore[arg-type]


def texts(entries: Sequence[Entry]) -> list[str]:
    return [e.text for e in entries]


# --- announced and declared over ----------------------------------------------------------------------------


def test_announced_when_the_label_is_added_later() -> None:
    events = [event(1, "labeled", at(9, 30), label="bug"), event(2, "labeled", at(9, 45), label="Incident")]
    assert announced_at(issue(), events, "incident") == at(9, 45)


def test_announced_at_creation_when_opened_with_the_label() -> None:
    assert announced_at(issue(), [], "incident") == OPENED
    # GitHub records the labels chosen on the form a moment after creation
    assert (
        announced_at(
            issue(), [event(1, "labeled", OPENED + timedelta(seconds=2), label="incident")], "incident"
        )
        == OPENED
    )


def test_relabelling_does_not_move_the_announcement() -> None:
    events = [
        event(1, "labeled", at(10), label="incident"),
        event(2, "unlabeled", at(11), label="incident"),
        event(3, "labeled", at(12), label="incident"),
    ]
    assert announced_at(issue(), events, "incident") == at(10)


def test_declared_over_is_the_last_close_and_a_reopen_clears_it() -> None:
    closed_twice = [event(1, "closed", at(11)), event(2, "reopened", at(12)), event(3, "closed", at(13))]
    assert declared_over_at(issue(state="closed", closed_at=at(13)), closed_twice) == at(13)
    reopened = closed_twice[:2]
    assert declared_over_at(issue(state="open"), reopened) is None
    assert declared_over_at(issue(state="closed", closed_at=at(14)), []) == at(14)


def test_body_fields_override_both_moments_for_times_before_the_issue_existed() -> None:
    body = "### Announced\n\n2026-03-01 08:30 UTC\n\n### Declared over\n\n2026-03-01 12:00 UTC\n"
    timeline = build_timeline(incident(body))
    assert timeline.moments.announced == at(8, 30)
    assert timeline.moments.declared_over == at(12)
    assert [e.key for e in timeline.entries] == ["announced", "declared-over"]


# --- the Timeline section of the body -----------------------------------------------------------------------

BODY = """\
### Summary

Checkout answered 502.

## Timeline

- 09:12 - deploy 4711 rolled out #started
* 09:40 – 502 alert fired: #detected
1. 2026-03-01 10:05 UTC: rolled back #mitigated
- somewhere around then the cache warmed up
| Time | What |
|------|------|
| 10:30 | errors back to baseline #resolved |

```
log line 1
```

## Follow-up

- 11:00 not part of the timeline
"""


def test_body_timeline_lines_become_entries_in_the_configured_zone() -> None:
    entries, warnings = body_entries(BODY, tz=BERLIN, default_date=date(2026, 3, 1))
    assert [(e.when, e.text) for e in entries] == [
        (at(8, 12), "deploy 4711 rolled out #started"),
        (at(8, 40), "502 alert fired: #detected"),
        (at(10, 5), "rolled back #mitigated"),
        (None, "somewhere around then the cache warmed up"),
        (at(9, 30), "errors back to baseline #resolved\n```\nlog line 1\n```"),
    ]
    assert [sorted(e.tags) for e in entries] == [["started"], ["detected"], ["mitigated"], [], ["resolved"]]
    assert warnings == [
        'Line 10 of the issue body has no time pmaction can read: "- somewhere around then the cache '
        'warmed up" — write it as "YYYY-MM-DD HH:MM TZ" or "HH:MM TZ".'
    ]


def test_a_timeline_section_at_any_level_ends_at_the_next_heading_of_its_level_or_higher() -> None:
    body = "# Incident\n#### Timeline\n10:00 a\n##### Day 2\n10:05 b\n#### Notes\n10:10 c\n"
    entries, _ = body_entries(body, tz=UTC, default_date=date(2026, 3, 1))
    assert texts(entries) == ["a", "b"]


def test_body_keys_are_stable_and_survive_bullet_changes() -> None:
    first, _ = body_entries("## Timeline\n- 10:00  db   restarted\n", tz=UTC, default_date=date(2026, 3, 1))
    again, _ = body_entries("## Timeline\n* 10:00 db restarted\n", tz=UTC, default_date=date(2026, 3, 1))
    digest = hashlib.sha1(b"10:00 db restarted").hexdigest()[:12]
    assert first[0].key == again[0].key == f"body-{digest}"


def test_duplicate_body_lines_get_numbered_keys() -> None:
    entries, _ = body_entries(
        "## Timeline\n- 10:00 ping\n- 10:00 ping\n", tz=UTC, default_date=date(2026, 3, 1)
    )
    assert [e.key[-2:] for e in entries][1] == "-2"
    assert len({e.key for e in entries}) == 2


@pytest.mark.parametrize(
    ("header", "separator", "rows"),
    [
        ("| Time | What |", "|--|--|", ["| 10:00 | deploy rolled out |", "| 10:05 | errors spike |"]),
        ("| Time | What |", "|-|-|", ["| 10:00 | deploy rolled out |", "| 10:05 | errors spike |"]),
        ("| Time | What |", "| :-- | --: |", ["| 10:00 | deploy rolled out |", "| 10:05 | errors spike |"]),
        ("Time | What", "--|--", ["10:00 | deploy rolled out", "10:05 | errors spike"]),
    ],
)
def test_a_timeline_table_with_short_separator_dashes_gives_one_row_per_line_and_no_warning(
    header: str, separator: str, rows: list[str]
) -> None:
    # GFM allows one or more dashes per cell, colons and no outer pipes; GitHub shows each as a table.
    body = "\n".join(["## Timeline", "", header, separator, *rows, ""])
    entries, warnings = body_entries(body, tz=UTC, default_date=date(2026, 3, 1))
    assert [(e.when, e.text) for e in entries] == [(at(10), "deploy rolled out"), (at(10, 5), "errors spike")]
    assert warnings == []


def test_a_break_or_an_underline_in_the_timeline_is_no_entry_and_no_warning() -> None:
    body = "## Timeline\n- 10:00 alert fired\n\n***\n\nDay two\n===\n- 10:05 rolled back\n"
    entries, warnings = body_entries(body, tz=UTC, default_date=date(2026, 3, 1))
    assert texts(entries) == ["alert fired", "Day two", "rolled back"]
    assert len(warnings) == 1 and "Day two" in warnings[0]


def test_template_comments_and_no_response_are_not_entries() -> None:
    body = "### Timeline\n\n<!-- one line per observation:\n10:15 UTC - what happened -->\n_No response_\n"
    assert body_entries(body, tz=UTC, default_date=date(2026, 3, 1)) == ([], [])


# --- comments -----------------------------------------------------------------------------------------------


def test_a_comment_back_dated_with_slash_timeline_lands_in_order() -> None:
    comments = [
        comment(1, "Rollback is running", at(10, 30)),
        comment(2, "/timeline first customer ticket arrived #detected | 2026-03-01 09:20 UTC", at(11)),
    ]
    timeline = build_timeline(incident(comments=comments), include_events=False)
    assert [(e.key, e.when) for e in timeline.entries] == [
        ("announced", OPENED),
        ("comment-2", at(9, 20)),
        ("comment-1", at(10, 30)),
    ]
    back_dated = timeline.entries[1]
    assert back_dated.text == "first customer ticket arrived #detected"
    assert back_dated.author == "bo" and back_dated.url and back_dated.url.endswith("issuecomment-2")
    assert timeline.moments.detected == at(9, 20)


def test_each_slash_timeline_line_of_a_comment_is_an_entry() -> None:
    body = (
        "Catching up:\n/timeline paged on-call | 09:15\n/timeline failover #mitigated | 09:50 ET\n"
        "```\n/timeline x | 1:00\n```"
    )
    entries, warnings = comment_entries([comment(5, body, at(12))], tz=UTC, default_date=date(2026, 3, 1))
    assert [(e.key, e.when, e.text) for e in entries] == [
        ("comment-5", at(9, 15), "paged on-call"),
        ("comment-5-2", at(14, 50), "failover #mitigated"),
    ]
    assert warnings == []


def test_a_slash_timeline_with_an_unreadable_time_is_kept_and_warned_about() -> None:
    entries, warnings = comment_entries(
        [comment(6, "/timeline db failover | after lunch", at(12))], tz=UTC, default_date=date(2026, 3, 1)
    )
    assert [(e.when, e.text) for e in entries] == [(None, "db failover")]
    assert len(warnings) == 1 and '"/timeline db failover | after lunch"' in warnings[0]
    assert "issuecomment-6" in warnings[0]


def test_a_slash_timeline_without_a_time_uses_its_leading_time_or_the_comment_time() -> None:
    comments = [
        comment(7, "/timeline 09:05 UTC dashboards red", at(12)),
        comment(8, "/timeline noted", at(12, 5)),
    ]
    entries, _ = comment_entries(comments, tz=UTC, default_date=date(2026, 3, 1))
    assert [(e.when, e.text) for e in entries] == [(at(9, 5), "dashboards red"), (at(12, 5), "noted")]


def test_untrusted_comments_are_skipped_by_default() -> None:
    comments = [
        comment(1, "me too", at(10), author="rando", association="NONE"),
        comment(2, "on it", at(10, 1)),
    ]
    entries, _ = comment_entries(comments, tz=UTC, default_date=None)
    assert texts(entries) == ["on it"]
    entries, _ = comment_entries(comments, tz=UTC, default_date=None, trusted_only=False)
    assert texts(entries) == ["me too", "on it"]


def test_our_own_status_and_nag_comments_are_skipped() -> None:
    comments = [
        comment(
            1,
            "<!-- pmaction:status acme/shop#7 -->\n### Post-mortem",
            at(10),
            author="github-actions[bot]",
            bot=True,
        ),
        # Run with a person's token: our reminder is authored by them, and ends with our marker line.
        comment(
            2,
            "### Post-mortem review overdue\n\n"
            "<!-- pmaction:reminder review=1 kind=overdue at=2026-05-10T09:00:00Z -->",
            at(10, 1),
            association="OWNER",
        ),
        comment(3, "real observation", at(10, 2)),
        # A person quoting a marker inside an observation is still heard (the page escapes it).
        comment(4, "the bot wrote <!-- pmaction:status acme/shop#7 --> twice", at(10, 3)),
        # Even on the last line: not shaped like ours (no heading of ours first), so a person's (it was lost).
        comment(
            5, "the bot left this:\n<!-- pmaction:status acme/shop#7 -->", at(10, 4), association="MEMBER"
        ),
    ]
    entries, _ = comment_entries(comments, tz=UTC, default_date=None)
    assert texts(entries) == [
        "real observation",
        "the bot wrote <!-- pmaction:status acme/shop#7 --> twice",
        "the bot left this:\n<!-- pmaction:status acme/shop#7 -->",
    ]


# --- events -------------------------------------------------------------------------------------------------


def test_issue_events_are_system_entries() -> None:
    events = [
        event(10, "assigned", at(9, 5), assignee="bo"),
        event(11, "mentioned", at(9, 6)),
        event(12, "milestoned", at(9, 7), milestone="Review #7"),
        event(13, "unlabeled", at(9, 8), label="triage"),
    ]
    entries = event_entries(events)
    assert [(e.key, e.text, e.source) for e in entries] == [
        ("event-10", "Assigned to bo", "event"),
        ("event-12", "Added to milestone Review #7", "event"),
        ("event-13", "Label `triage` removed", "event"),
    ]


def test_events_can_be_switched_off_and_the_announcing_event_is_not_repeated() -> None:
    events = [
        event(1, "labeled", at(9, 30), label="incident", actor="cy"),
        event(2, "assigned", at(9, 31), assignee="bo"),
    ]
    with_events = build_timeline(incident(events=events))
    assert [e.key for e in with_events.entries] == ["announced", "event-2"]
    assert with_events.entries[0].text == "Incident announced: label `incident` added by cy"
    without = build_timeline(incident(events=events), include_events=False)
    assert [e.key for e in without.entries] == ["announced"]


def test_closing_adds_a_declared_over_entry() -> None:
    events = [event(1, "closed", at(11), actor="dee")]
    timeline = build_timeline(incident(events=events, state="closed", closed_at=at(11)))
    assert [(e.key, e.when, e.tags) for e in timeline.entries] == [
        ("announced", OPENED, frozenset({"announced"})),
        ("declared-over", at(11), frozenset({"declared-over"})),
    ]
    assert timeline.durations.total == timedelta(hours=2)


# --- moments and durations ----------------------------------------------------------------------------------


def entry(key: str, when: datetime | None, tags: set[str]) -> Entry:
    return Entry(key=key, when=when, text=key, source="body", tags=frozenset(tags))


def test_earliest_tag_wins_except_resolved_which_takes_the_latest() -> None:
    entries = [
        entry("a", at(9, 30), {"detected"}),
        entry("b", at(9, 10), {"detected", "started"}),
        entry("c", at(10), {"resolved"}),
        entry("d", at(10, 30), {"resolved"}),
        entry("e", None, {"started"}),
    ]
    moments = compute_moments(entries, announced=at(9), declared_over=None)
    assert (moments.started, moments.detected, moments.resolved) == (at(9, 10), at(9, 10), at(10, 30))


def test_explicit_body_fields_win_over_tags() -> None:
    body = "Started: 2026-03-01 08:00 UTC\n\n## Timeline\n- 09:10 UTC deploy #started\n"
    assert build_timeline(incident(body)).moments.started == at(8)


def test_durations_are_n_a_when_an_end_is_missing() -> None:
    only_start = compute_durations(Moments(announced=at(9), started=at(8)))
    assert (only_start.time_to_detect, only_start.time_to_mitigate, only_start.total) == (None, None, None)
    full = compute_durations(
        Moments(announced=at(9), started=at(8), detected=at(8, 20), mitigated=at(9, 45), declared_over=at(12))
    )
    assert (full.time_to_detect, full.time_to_mitigate, full.total) == (
        timedelta(minutes=20),
        timedelta(hours=1, minutes=45),
        timedelta(hours=4),
    )
    resolved_first = compute_durations(Moments(announced=at(9), resolved=at(10), declared_over=at(12)))
    assert resolved_first.total == timedelta(hours=1)


def test_time_unknown_entries_follow_the_timed_ones_in_source_order() -> None:
    entries = [
        entry("x", None, set()),
        entry("late", at(11), set()),
        entry("y", None, set()),
        entry("early", at(9), set()),
        entry("tie", at(9), set()),
    ]
    assert [e.key for e in sort_entries(entries)] == ["early", "tie", "late", "x", "y"]


# --- the whole incident -------------------------------------------------------------------------------------


def test_a_whole_incident_in_berlin_time() -> None:
    body = BODY + "\n### Severity\n\nSEV2\n"
    events = [
        event(1, "labeled", at(9, 3), label="incident"),
        event(2, "closed", at(12)),
        event(3, "assigned", at(9, 4), assignee="bo"),
    ]
    comments = [
        comment(4, "/timeline status page updated | 10:20", at(11)),
        comment(5, "Drive-by", at(10), association="CONTRIBUTOR"),
        comment(6, "<!-- pmaction:status acme/shop#7 -->", at(9, 5), author="github-actions[bot]", bot=True),
    ]
    timeline = build_timeline(
        incident(body, events=events, comments=comments, state="closed", closed_at=at(12)), tz=BERLIN
    )
    assert [e.key.split("-")[0] for e in timeline.entries] == [
        "body",
        "body",
        "announced",
        "event",
        "comment",
        "body",
        "body",
        "body",
        "declared",
    ]
    # The line without a time stays right after the line above it in the body (10:05), not at the bottom.
    assert [e.at for e in timeline.entries] == sorted(e.at for e in timeline.entries if e.at)
    assert timeline.entries[-2].when is None and timeline.entries[-2].after == at(10, 5)
    m, d = timeline.moments, timeline.durations
    assert (m.started, m.detected, m.mitigated, m.resolved) == (at(8, 12), at(8, 40), at(10, 5), at(9, 30))
    assert (d.time_to_detect, d.time_to_mitigate, d.total) == (
        timedelta(minutes=28),
        timedelta(hours=1, minutes=53),
        timedelta(hours=1, minutes=18),
    )
    assert len(timeline.warnings) == 1 and "Line 10 of the issue body" in timeline.warnings[0]
    assert severity(timeline_issue := issue(body)) == "SEV2" and timeline_issue.number == 7


def test_bare_times_take_the_date_of_an_announcement_made_before_the_issue() -> None:
    body = "Announced: 2026-02-28 23:50 UTC\n\n## Timeline\n- 23:55 UTC first alert\n"
    timeline = build_timeline(incident(body))
    assert [e.when for e in timeline.entries] == [
        datetime(2026, 2, 28, 23, 50, tzinfo=UTC),
        datetime(2026, 2, 28, 23, 55, tzinfo=UTC),
    ]


def test_unreadable_body_field_is_warned_about_and_ignored() -> None:
    timeline = build_timeline(incident("Started: early morning\n"))
    assert timeline.moments.started is None
    assert timeline.warnings == (
        'The "Started" field of the issue body has no time pmaction can read: "early morning" — '
        'write it as "YYYY-MM-DD HH:MM TZ" or "HH:MM TZ".',
    )


def test_times_in_the_wrong_order_are_warned_about_and_give_no_duration() -> None:
    timeline = build_timeline(incident("Started: 2026-03-01 10:00 UTC\nDetected: 2026-03-01 09:00 UTC\n"))
    assert timeline.durations.time_to_detect is None
    assert any(w.startswith("Detected (2026-03-01 09:00 UTC) is before Started") for w in timeline.warnings)


@pytest.mark.parametrize(
    ("label", "is_severity"),
    [
        *[(name, True) for name in ("sev1", "SEV-2", "sev 3", "sev_0", "sev:high", "severity:high")],
        *[(name, True) for name in ("severity/critical", "Severity-low")],
        *[(name, False) for name in ("severe-bug", "several", "seven", "sever", "sev", "severity", "bug")],
    ],
)
def test_one_rule_says_what_a_severity_label_is(label: str, is_severity: bool) -> None:
    assert is_severity_label(label) is is_severity


@pytest.mark.parametrize(
    ("body", "labels", "expected"),
    [
        ("### Severity\n\nSEV1 - full outage\n", ("incident", "sev3"), "SEV1 - full outage"),
        ("", ("incident", "SEV-2"), "SEV-2"),
        ("", ("severity:high",), "severity:high"),
        ("", ("incident", "severe-bug", "sev 3"), "sev 3"),
        ("", ("incident", "several"), None),
        ("### Severity\n\n_No response_\n", ("incident", "bug"), None),
    ],
)
def test_severity_comes_from_the_body_or_a_label(
    body: str, labels: tuple[str, ...], expected: str | None
) -> None:
    assert severity(issue(body, labels=labels)) == expected


def test_when_the_body_moves_the_announcement_the_label_event_stays_in_the_history() -> None:
    events = [event(1, "labeled", at(9, 30), label="incident", actor="cy")]
    timeline = build_timeline(incident("Announced: 2026-03-01 08:50 UTC\n", events=events))
    assert [(e.key, e.when) for e in timeline.entries] == [("announced", at(8, 50)), ("event-1", at(9, 30))]
