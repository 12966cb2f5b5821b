"""The cross-incident report: facts hidden on each incident page, rolled up into one wiki page."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from conftest import SandboxFactory

from pmaction.engine import run
from pmaction.report.facts import IncidentFacts, collect_facts, facts_line, parse_facts, set_facts_line
from pmaction.report.render import REPORT_PAGE, ReviewState, render_report, review_status
from pmaction.reporter import CollectingReporter
from pmaction.run.clock import Clock
from pmaction.run.context import Event, RunContext
from pmaction.run.result import Result
from pmaction.sandbox import Sandbox
from pmaction.text.markers import page_marker

REPO = "octo-org/octo-repo"
TODAY = date(2026, 5, 10)


def facts(number: int = 12, started: str | None = "2026-03-01T08:55:00+00:00", **kw: Any) -> IncidentFacts:
    base: dict[str, Any] = {"title": f"incident {number}", "url": f"http://w/{number}"}
    return IncidentFacts(number=number, started=started, **{**base, **kw})


def page(number: int = 12, body: str = "# Post-mortem\n\nText.\n", repo: str = REPO) -> str:
    return page_marker(repo, number) + "\n" + body


def table_row(text: str, starts: str) -> str:
    [row] = [line for line in text.splitlines() if line.startswith(starts)]
    return row


# --- the facts line ----------------------------------------------------------------------------


def test_the_facts_line_goes_under_the_page_marker_and_reads_back() -> None:
    wanted = facts(detected="2026-03-01T09:05:00+00:00", review_due="2026-05-01")
    written = set_facts_line(page(), wanted)
    lines = written.split("\n")
    assert lines[0] == page_marker(REPO, 12)
    assert lines[1] == facts_line(wanted)
    assert "\n".join(lines[2:]) == "# Post-mortem\n\nText.\n"
    assert parse_facts(written) == wanted


def test_a_second_write_replaces_the_facts_line_instead_of_adding_one() -> None:
    first = set_facts_line(page(), facts())
    later = facts(mitigated="2026-03-01T09:40:00+00:00")
    again = set_facts_line(first, later)
    assert again.count("<!-- pmaction:facts ") == 1
    assert parse_facts(again) == later


def test_a_crlf_page_keeps_its_line_endings() -> None:
    crlf = page().replace("\n", "\r\n")
    written = set_facts_line(crlf, facts())
    assert written.count("\r\n") == crlf.count("\r\n") + 1
    assert "\n" not in written.replace("\r\n", "")
    assert parse_facts(written) == facts()


def test_a_title_with_comment_closers_cannot_end_the_hidden_line_early() -> None:
    tricky = facts(title="CDN --> down <!-- x --> | --!> & \u00e9")
    line = facts_line(tricky)
    assert line.endswith(" -->")
    assert "-->" not in line[: -len(" -->")]
    assert ">" not in line[: -len(" -->")]  # "--!>" ends an HTML comment too
    assert parse_facts(set_facts_line(page(), tricky)) == tricky


def test_a_page_that_is_not_ours_gets_no_facts_line() -> None:
    text = "# Notes\n\nfree text\n"
    assert set_facts_line(text, facts()) == text
    assert parse_facts(text) is None


def test_a_hand_edited_facts_line_never_crashes_the_report() -> None:
    good = set_facts_line(page(), facts(detected="2026-03-01T09:05:00+00:00"))
    broken_time = good.replace("2026-03-01T09:05:00+00:00", "ten past nine")
    parsed = parse_facts(broken_time)
    assert parsed is not None and parsed.detected is None and parsed.started == facts().started
    assert parse_facts(good.replace('"number":12', '"number":"12"')) is None
    assert parse_facts(good.replace('{"announced"', '{{"announced"')) is None
    # A naive time (someone dropped the offset) is read as UTC, not compared with aware ones.
    naive = good.replace("2026-03-01T09:05:00+00:00", "2026-03-01T09:05:00")
    measured = parse_facts(naive)
    assert measured is not None and measured.time_to_detect() == timedelta(minutes=10)
    report = render_report(collect_facts({"a.md": broken_time, "b.md": naive}, REPO), {}, TODAY)
    assert "Time to detect | 10 min | 10 min | 1 |" in report


def test_only_this_repositorys_pages_count() -> None:
    files = {
        "ours.md": set_facts_line(page(12), facts(12)),
        "transferred.md": set_facts_line(page(13, repo="old-org/old-repo"), facts(13)),
        "Home.md": "Welcome",
        "no-facts.md": page(14),
    }
    assert [f.number for f in collect_facts(files, REPO)] == [12]
    assert [f.number for f in collect_facts(files, REPO.upper())] == [12]  # owners are case-insensitive


# --- the numbers -----------------------------------------------------------------------------------


def test_median_and_mean_of_detect_mitigate_and_total() -> None:
    start = "2026-03-0{}T10:00:00+00:00"
    incidents = [
        facts(
            1,
            start.format(1),
            detected="2026-03-01T10:10:00+00:00",
            mitigated="2026-03-01T11:00:00+00:00",
            resolved="2026-03-01T12:00:00+00:00",
        ),
        facts(
            2, start.format(2), detected="2026-03-02T10:20:00+00:00", mitigated="2026-03-02T13:00:00+00:00"
        ),
        facts(3, start.format(3), detected="2026-03-03T11:00:00+00:00"),
        facts(4, None, announced="2026-03-04T10:00:00+00:00"),  # nothing measurable but the month
    ]
    text = render_report(incidents, {}, TODAY)
    # detect: 10, 20, 60 min -> median 20 min, mean 30 min; mitigate: 1 h, 3 h -> 2 h both.
    assert "| Time to detect | 20 min | 30 min | 3 |" in text
    assert "| Time to mitigate | 2 h | 2 h | 2 |" in text
    assert "| Total duration | 2 h | 2 h | 1 |" in text


def test_a_moment_before_the_start_is_not_measured() -> None:
    odd = facts(1, "2026-03-01T10:00:00+00:00", detected="2026-03-01T09:00:00+00:00")
    assert odd.time_to_detect() is None
    assert "| Time to detect | n/a | n/a | 0 |" in render_report([odd], {}, TODAY)


def test_incidents_are_counted_per_month_of_their_start() -> None:
    incidents = [
        facts(1, "2026-01-31T23:00:00+00:00"),
        facts(2, "2026-02-01T01:00:00+00:00"),
        facts(3, "2026-02-15T01:00:00+00:00"),
        facts(4, None, announced="2026-04-01T00:00:00+00:00"),  # announced stands in for started
    ]
    text = render_report(incidents, {}, TODAY)
    assert "| Month | Incidents |\n|---|---|\n| 2026-01 | 1 |\n| 2026-02 | 2 |\n| 2026-04 | 1 |\n" in text
    assert "2026-03" not in text


def test_incidents_are_listed_newest_first_by_instant_not_by_text() -> None:
    # 10:00 in Berlin is 08:00 UTC: before the 09:00 UTC incident, though its text sorts after.
    berlin = facts(1, "2026-03-01T10:00:00+02:00")
    london = facts(2, "2026-03-01T09:00:00+00:00")
    assert [
        f.number
        for f in collect_facts(
            {"a": set_facts_line(page(1), berlin), "b": set_facts_line(page(2), london)}, REPO
        )
    ] == [1, 2]
    text = render_report([berlin, london], {}, TODAY)
    assert text.index("[#2 incident 2]") < text.index("[#1 incident 1]")


def test_review_status_reads_like_the_milestone() -> None:
    def state(s: str, due: date | None) -> ReviewState:
        return ReviewState(12, s, due, 1, 2, "http://m/1")

    assert review_status(None, TODAY) == "not scheduled"
    assert review_status(state("closed", date(2026, 5, 1)), TODAY) == "held"
    assert review_status(state("open", date(2026, 5, 1)), TODAY) == "overdue since 2026-05-01"
    assert review_status(state("open", TODAY), TODAY) == "due 2026-05-10"
    assert review_status(state("open", None), TODAY) == "open"


def test_an_overdue_review_does_not_change_the_page_every_day() -> None:
    incident = facts(12)
    reviews = {12: ReviewState(12, "open", date(2026, 5, 1), 1, 2, "http://m/1")}
    assert render_report([incident], reviews, TODAY) == render_report(
        [incident], reviews, TODAY + timedelta(days=1)
    )


def test_action_items_and_review_columns() -> None:
    reviews = {
        12: ReviewState(12, "open", date(2026, 5, 1), 2, 1, "http://m/1"),  # overdue, 2 open
        13: ReviewState(13, "closed", date(2026, 4, 1), 0, 3, "http://m/2"),
        14: ReviewState(14, "open", date(2026, 7, 1), 4, 0, "http://m/3"),
    }
    text = render_report([facts(12), facts(13), facts(14), facts(15)], reviews, TODAY)
    assert "| Open | Closed | Open past their review date |\n|---|---|---|\n| 6 | 4 | 2 |" in text
    assert table_row(text, "| [#12 ").endswith("| 1 of 3 | overdue since 2026-05-01 |")
    assert table_row(text, "| [#13 ").endswith("| 3 of 3 | held |")
    assert table_row(text, "| [#14 ").endswith("| 0 of 4 | due 2026-07-01 |")
    assert table_row(text, "| [#15 ").endswith("| n/a | not scheduled |")


def test_titles_cannot_break_the_table_or_open_a_comment() -> None:
    text = render_report([replace(facts(12), title="a | b <!-- c\nd")], {}, TODAY)
    row = table_row(text, "| [#12 ")
    assert "[#12 a \\| b &lt;!-- c d](http://w/12)" in row


def test_no_incidents_yet() -> None:
    assert render_report([], {}, TODAY) == "# Post-mortem report\n\nNo post-mortems yet.\n"


# --- on the sandbox: sync writes it, `report` rewrites it -----------------------------------------


def incident_issue(number: int, title: str, created: str, body: str = "") -> dict[str, Any]:
    return {
        "number": number,
        "title": title,
        "user": "alice",
        "labels": ["incident"],
        "assignees": ["alice"],
        "created_at": created,
        "body": body,
    }


def run_command(sb: Sandbox, **inputs: str) -> Result:
    ctx = RunContext(
        repo=sb.repo, api_url=sb.api_url, server_url=sb.server_url, token=sb.token, event=Event("cli", {})
    )
    return run(ctx, {"seconds_between_writes": "0", **inputs}, CollectingReporter(), Clock(fixed=sb.now()))


def pushes(sb: Sandbox) -> int:
    return sum(1 for r in sb.requests() if r["route"] == "git:receive-pack" and r["method"] == "POST")


def test_two_synced_incidents_are_in_the_report_and_report_rewrites_it(sandbox: SandboxFactory) -> None:
    sb = sandbox(
        {
            "now": "2026-03-01T10:00:00Z",
            "repo": REPO,
            "collaborators": ["alice", "bob"],
            "labels": ["incident"],
            "issues": [
                incident_issue(
                    12,
                    "DB outage",
                    "2026-03-01T09:00:00Z",
                    "Primary went away.\n\n## Action items\n\n- [ ] Alert on lag @bob #detect P1\n",
                ),
                incident_issue(20, "CDN --> down | partly", "2026-03-02T09:30:00Z"),
            ],
        }
    )
    for number in (12, 20):
        synced = run_command(sb, command="sync", issue_number=str(number))
        assert synced.exit_code == 0, synced.failed
    written = sb.wiki_files()[REPORT_PAGE]
    # The one escaping rule writes "-->" as "--&gt;", which GitHub shows as "-->".
    assert table_row(written, "| [#20 CDN --&gt; down \\| partly](").endswith("| 0 of 0 | due 2026-05-02 |")
    assert table_row(written, "| [#12 DB outage](").endswith("| 0 of 1 | due 2026-05-01 |")
    assert written.index("[#20 ") < written.index("[#12 ")  # newest first
    assert "| 2026-03 | 2 |" in written

    # Nothing changed since the last sync: `report` renders the same page and pushes nothing.
    sb.clear_requests()
    result = run_command(sb, command="report")
    assert result.exit_code == 0, result.failed
    assert pushes(sb) == 0
    assert result.done == []
    assert result.summary == [written]

    # Bob closes his item and the review date of #12 passes: `report` rewrites the page, once.
    backlog = next(i for i in sb.repo_state()["issues"] if (i.get("milestone") or {}).get("number"))
    close_issue(sb, backlog["number"])
    sb.advance(timedelta(days=70))
    sb.clear_requests()
    result = run_command(sb, command="report")
    assert pushes(sb) == 1
    assert result.done == ["updated the wiki page Post-mortem-report"]
    rewritten = sb.wiki_files()[REPORT_PAGE]
    assert table_row(rewritten, "| [#12 DB outage](").endswith("| 1 of 1 | overdue since 2026-05-01 |")
    assert "| 0 | 1 | 0 |" in rewritten  # no open items, one closed

    sb.advance(timedelta(days=1))  # a day later, still overdue: same page, no commit
    sb.clear_requests()
    run_command(sb, command="report")
    assert pushes(sb) == 0


def test_report_in_dry_run_pushes_nothing(sandbox: SandboxFactory) -> None:
    sb = sandbox(
        {
            "now": "2026-03-01T10:00:00Z",
            "repo": REPO,
            "collaborators": ["alice"],
            "wiki_pages": {"Home.md": "hi", "Postmortem-x.md": set_facts_line(page(12), facts(12))},
        }
    )
    result = run_command(sb, command="report", dry_run="true")
    assert result.exit_code == 0, result.failed
    assert pushes(sb) == 0
    assert REPORT_PAGE not in sb.wiki_files()
    assert "[#12 incident 12](http://w/12)" in result.summary[0]


def test_report_without_a_wiki_says_how_to_create_one(sandbox: SandboxFactory) -> None:
    sb = sandbox({"now": "2026-03-01T10:00:00Z", "repo": REPO, "wiki": "missing"})
    result = run_command(sb, command="report")
    assert result.exit_code == 1
    assert "open the repository's Wiki tab once and save any page" in result.failed[0]


def close_issue(sb: Sandbox, number: int) -> None:
    import requests

    response = requests.patch(
        f"{sb.api_url}/repos/{REPO}/issues/{number}",
        json={"state": "closed"},
        headers={"Authorization": f"token {sb.token}"},
        timeout=5,
    )
    response.raise_for_status()
