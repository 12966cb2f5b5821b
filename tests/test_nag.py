"""The scheduled nag against the sandbox: two months pass, the review slips, the owners hear about it.

Time is one thing here: the sandbox clock stamps comments, and the same instant is handed to the
engine as its ``Clock``, so "advance a week, run again" means the same for both sides.

Request counts: a nag run makes, in this order,
    ceil(M / 100)          the open milestones (M of them), 100 a page, with GitHub's item counts
  + 1                      the repository's comments of the last days (our earlier reminders)
  + 2 per reminder         the review's open items (only when it has some) and the comment itself
  + 1 per reminder         only for a milestone whose description records no owners (made by hand or by an
                           older pmaction): the incident issue, for its assignees; sync records them
The config-file lookup before the command runs is not the nag's and is left out.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from conftest import SandboxFactory

from pmaction.engine import run
from pmaction.reporter import CollectingReporter
from pmaction.review.dates import milestone_description
from pmaction.run.clock import Clock
from pmaction.run.context import Event, RunContext
from pmaction.run.result import Result
from pmaction.sandbox import Sandbox
from pmaction.text.markers import review_marker as milestone_marker

REPO = "octo-org/octo-repo"
NOW = "2026-05-10T09:00:00Z"
BOT = "github-actions[bot]"
FAST = {"seconds_between_writes": "0", "seconds_between_requests": "0"}


# --- building scenarios -------------------------------------------------------------------------


def review(
    number: int,
    incident: int,
    due: str | None,
    *,
    state: str = "open",
    description: str = "",
    owners: Sequence[str] = ("alice",),
) -> dict[str, Any]:
    """A review milestone as sync leaves it: the incident's owners and the marker in the description."""
    return {
        "number": number,
        "title": f"Post-mortem review: #{incident} incident {incident}",
        "description": description
        or milestone_description(
            full_name=REPO,
            incident=incident,
            incident_url=f"http://x/{incident}",
            page_url=None,
            owners=owners,
        ),
        "due_on": f"{due}T12:00:00Z" if due else None,
        "state": state,
        "creator": BOT,
        "created_at": "2026-03-01T10:00:00Z",
        **({"closed_at": "2026-05-02T10:00:00Z"} if state == "closed" else {}),
    }


def incident(number: int, *, assignees: Sequence[str] = ("alice",), state: str = "closed") -> dict[str, Any]:
    return {
        "number": number,
        "title": f"incident {number}",
        "user": "alice",
        "labels": ["incident"],
        "assignees": list(assignees),
        "state": state,
        "created_at": "2026-03-01T09:00:00Z",
        **({"closed_at": "2026-03-02T10:00:00Z"} if state == "closed" else {}),
    }


def item(
    number: int, milestone: int, title: str, *, owners: Sequence[str] = (), closed: bool = False
) -> dict[str, Any]:
    return {
        "number": number,
        "title": title,
        "user": BOT,
        "labels": ["postmortem-action"],
        "milestone": milestone,
        "assignees": list(owners),
        "created_at": "2026-03-01T10:00:00Z",
        **({"state": "closed", "closed_at": "2026-04-01T10:00:00Z"} if closed else {}),
    }


def scenario(
    milestones: list[dict[str, Any]], issues: list[dict[str, Any]], now: str = NOW
) -> dict[str, Any]:
    return {
        "now": now,
        "repo": REPO,
        "collaborators": ["alice", "bob", "carol"],
        "labels": ["incident", "postmortem-action"],
        "milestones": milestones,
        "issues": issues,
    }


# --- running the action ----------------------------------------------------------------------------


def nag(sb: Sandbox, **inputs: str) -> tuple[Result, CollectingReporter]:
    """One scheduled run at the sandbox's 'now'; the request log starts empty."""
    sb.clear_requests()
    reporter = CollectingReporter()
    ctx = RunContext(
        repo=sb.repo,
        api_url=sb.api_url,
        server_url=sb.server_url,
        token=sb.token,
        event=Event("schedule", {"schedule": "0 9 * * *"}),
    )
    result = run(ctx, {**FAST, **inputs}, reporter, Clock(fixed=sb.now()))
    return result, reporter


def comments_on(sb: Sandbox, number: int) -> list[str]:
    issue = next(i for i in sb.repo_state()["issues"] if i["number"] == number)
    return [c["body"] for c in issue["comments"]]


def nag_requests(sb: Sandbox) -> list[tuple[str, str]]:
    """(method, route) of the run's API requests, without the config-file lookup."""
    return [
        (r["method"], r["route"])
        for r in sb.requests()
        if r["kind"] == "api" and r["route"] != "/repos/{owner}/{repo}/contents/{path}"
    ]


def posts(sb: Sandbox) -> list[str]:
    return [r["path"] for r in sb.requests() if r["method"] != "GET"]


MILESTONES = ("GET", "/repos/{owner}/{repo}/milestones")
RECENT = ("GET", "/repos/{owner}/{repo}/issues/comments")
ISSUES = ("GET", "/repos/{owner}/{repo}/issues")
COMMENT = ("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments")


def overdue_db_outage(incident_state: str = "closed") -> dict[str, Any]:
    """#12's review was due 2026-05-01; on 2026-05-10 one of its two items is still open."""
    return scenario(
        [review(1, 12, "2026-05-01")],
        [
            incident(12, assignees=["alice"], state=incident_state),
            item(14, 1, "Add replica lag alarm", owners=["bob"]),
            item(15, 1, "Document the failover", owners=["carol"], closed=True),
        ],
    )


# --- the reminder before the review ---------------------------------------------------------------


def test_a_review_coming_up_gets_one_reminder_and_a_second_run_stays_quiet(sandbox: SandboxFactory) -> None:
    sb = sandbox(
        scenario([review(1, 12, "2026-05-15")], [incident(12), item(14, 1, "Alarm", owners=["bob"])])
    )
    result, _ = nag(sb)
    [body] = comments_on(sb, 12)
    assert body.startswith("### Post-mortem review coming up")
    assert "is due **2026-05-15** (in 5 days)" in body
    assert "@alice @bob" in body
    assert result.done == ["posted a review-coming-up reminder on #12"]

    sb.advance(timedelta(days=2))
    result, _ = nag(sb)
    assert len(comments_on(sb, 12)) == 1
    assert result.done == []
    # Nothing due: the milestones and the recent comments only (1 + 1), no incident listing, no writes.
    assert nag_requests(sb) == [MILESTONES, RECENT]


def test_the_coming_up_reminder_is_remembered_until_the_review_day_then_the_nag_starts(
    sandbox: SandboxFactory,
) -> None:
    sb = sandbox(scenario([review(1, 12, "2026-05-17")], [incident(12)]))
    nag(sb)  # exactly remind_before_days (7) ahead
    sb.advance(timedelta(days=7))  # the review day itself: still "coming up", already reminded
    result, _ = nag(sb)
    assert result.done == []
    sb.advance(timedelta(days=1))
    result, _ = nag(sb)
    soon, overdue = comments_on(sb, 12)
    assert "(in 7 days)" in soon
    assert "was due **2026-05-17**, 1 day ago." in overdue


def test_a_review_further_out_than_remind_before_days_is_left_alone(sandbox: SandboxFactory) -> None:
    sb = sandbox(scenario([review(1, 12, "2026-05-18")], [incident(12)]))
    result, _ = nag(sb)  # due in 8 days, reminders start 7 days before
    assert comments_on(sb, 12) == []
    # No review is soon or overdue: the recent comments are not even read.
    assert nag_requests(sb) == [MILESTONES]
    assert "| on time |" in result.summary[0]


# --- the nag after the review date ----------------------------------------------------------------


@pytest.mark.parametrize("incident_state", ["open", "closed"])
def test_an_overdue_review_nags_the_owners_with_progress_and_the_open_items(
    sandbox: SandboxFactory, incident_state: str
) -> None:
    # The incident issue is usually closed long before the review: it is nagged all the same.
    sb = sandbox(overdue_db_outage(incident_state))
    result, _ = nag(sb)
    [body] = comments_on(sb, 12)
    assert body.startswith("### Post-mortem review overdue")
    assert "was due **2026-05-01**, 9 days ago." in body
    assert "Progress: 1 of 2 items closed." in body
    # The agenda: every item's progress, the open ones with owner and age.
    assert "- [ ] #14 Add replica lag alarm: open, @bob, " in body
    assert "- [x] #15 Document the failover: closed on " in body
    assert "**Incidents since then with the same labels**" in body
    assert "**Questions for the review**" in body
    # The incident's assignee and the owners of open items; not the owner of a closed item.
    assert "@alice @bob: please hold the review" in body
    assert "@carol" not in body
    assert body.rstrip().endswith("<!-- pmaction:reminder review=1 kind=overdue at=2026-05-10T09:00:00Z -->")
    assert result.exit_code == 0
    # M=1, k=1: 1 milestone page + 1 recent comments + (the items + the incidents + comment) = 5.
    assert nag_requests(sb) == [MILESTONES, RECENT, ISSUES, ISSUES, COMMENT]


def test_an_overdue_nag_is_not_repeated_inside_nag_interval_days_but_is_after(
    sandbox: SandboxFactory,
) -> None:
    sb = sandbox(overdue_db_outage())
    nag(sb)
    for _ in range(6):  # daily schedule, six more days
        sb.advance(timedelta(days=1))
        result, _ = nag(sb)
        assert result.done == []
        assert nag_requests(sb) == [MILESTONES, RECENT]
    assert len(comments_on(sb, 12)) == 1

    sb.advance(timedelta(days=1))  # seven days after the first nag
    result, _ = nag(sb)
    first, second = comments_on(sb, 12)
    assert "9 days ago" in first and "16 days ago" in second
    assert result.done == ["posted an overdue-review reminder on #12"]


def test_nag_interval_days_is_an_input(sandbox: SandboxFactory) -> None:
    sb = sandbox(overdue_db_outage())
    nag(sb, nag_interval_days="2")
    sb.advance(timedelta(days=1))
    nag(sb, nag_interval_days="2")
    assert len(comments_on(sb, 12)) == 1
    sb.advance(timedelta(days=1))
    nag(sb, nag_interval_days="2")
    assert len(comments_on(sb, 12)) == 2


def test_a_review_without_items_needs_no_item_listing(sandbox: SandboxFactory) -> None:
    sb = sandbox(scenario([review(1, 12, "2026-05-01")], [incident(12)]))
    nag(sb)
    [body] = comments_on(sb, 12)
    assert "No action items in the review milestone yet" in body
    assert "Open items" not in body
    # GitHub's counts say there is nothing to list: k=1 costs the incidents' listing and the comment.
    assert nag_requests(sb) == [MILESTONES, RECENT, ISSUES, COMMENT]


def test_nobody_assigned_says_so(sandbox: SandboxFactory) -> None:
    sb = sandbox(
        scenario([review(1, 12, "2026-05-01", owners=())], [incident(12, assignees=[]), item(14, 1, "Alarm")])
    )
    nag(sb)
    [body] = comments_on(sb, 12)
    assert "Nobody is assigned" in body
    assert "- [ ] #14 Alarm: open, no owner, " in body
    assert "@" not in body.split("**Progress per item**")[1].split("<!--")[0]


# --- what the nag leaves alone --------------------------------------------------------------------


def test_a_closed_review_milestone_is_silent(sandbox: SandboxFactory) -> None:
    sb = sandbox(
        scenario([review(1, 12, "2026-05-01", state="closed")], [incident(12), item(14, 1, "Alarm")])
    )
    result, _ = nag(sb)
    assert comments_on(sb, 12) == []
    assert result.outputs["overdue_reviews"] == "[]"
    assert "No open post-mortem reviews." in result.summary[0]
    assert nag_requests(sb) == [MILESTONES]


def test_milestones_pmaction_did_not_create_are_ignored(sandbox: SandboxFactory) -> None:
    marker = milestone_marker(REPO, 13)
    sb = sandbox(
        scenario(
            [
                review(1, 12, "2026-05-01", description="Q2 release train"),
                # Someone quoting our marker in a sentence: not a marker on a line of its own.
                review(2, 13, "2026-05-01", description=f"Copied from the review: {marker} see there"),
                # A marker for another repository (a milestone copied across repos).
                review(3, 16, "2026-05-01", description=milestone_marker("other-org/other", 16)),
            ],
            [incident(12), incident(13), incident(16)],
        )
    )
    result, _ = nag(sb)
    assert [comments_on(sb, n) for n in (12, 13, 16)] == [[], [], []]
    assert result.outputs["overdue_reviews"] == "[]"
    assert posts(sb) == []


def test_a_reminder_looking_comment_by_an_outsider_does_not_silence_the_nag(sandbox: SandboxFactory) -> None:
    data = overdue_db_outage()
    fake = "Stop nagging\n\n<!-- pmaction:reminder review=1 kind=overdue at=2026-05-10T08:00:00Z -->\n"
    data["issues"][0]["comments"] = [
        {"user": "mallory", "author_association": "NONE", "created_at": "2026-05-10T08:00:00Z", "body": fake}
    ]
    sb = sandbox(data)
    result, _ = nag(sb)
    assert result.done == ["posted an overdue-review reminder on #12"]
    assert len(comments_on(sb, 12)) == 2


def test_a_reminder_quoted_mid_line_by_a_collaborator_does_not_count(sandbox: SandboxFactory) -> None:
    data = overdue_db_outage()
    quoted = "> it said <!-- pmaction:reminder review=1 kind=overdue at=2026-05-10T08:00:00Z -->"
    data["issues"][0]["comments"] = [{"user": "bob", "created_at": "2026-05-10T08:00:00Z", "body": quoted}]
    sb = sandbox(data)
    nag(sb)
    assert len(comments_on(sb, 12)) == 2


def test_dry_run_posts_nothing_and_shows_what_it_would_say(sandbox: SandboxFactory) -> None:
    sb = sandbox(overdue_db_outage())
    result, reporter = nag(sb, dry_run="true")
    assert comments_on(sb, 12) == []
    assert posts(sb) == []
    assert result.done == ["would post an overdue-review reminder on #12"]
    [shown] = [m for m in reporter.of("info") if m.startswith("dry run: would comment on #12")]
    assert "- [ ] #14 Add replica lag alarm: open, @bob, " in shown
    assert json.loads(result.outputs["overdue_reviews"])[0]["incident"] == 12


# --- outputs and summary --------------------------------------------------------------------------


def test_the_summary_table_and_overdue_reviews_output(sandbox: SandboxFactory) -> None:
    sb = sandbox(
        scenario(
            [
                review(3, 22, "2026-07-01"),
                review(1, 12, "2026-05-01"),
                review(2, 17, "2026-05-12"),
            ],
            [
                incident(12),
                incident(17),
                incident(22),
                item(14, 1, "Alarm", owners=["bob"]),
                item(15, 1, "Docs", closed=True),
                item(18, 2, "Runbook", closed=True),
            ],
        )
    )
    result, _ = nag(sb)
    url = f"{sb.server_url}/{REPO}/milestone"

    def row(n: int, milestone: int) -> str:
        return f"| #{n} | [Post-mortem review: #{n} incident {n}]({url}/{milestone}) |"

    # Oldest due first, whatever order the milestones were made in.
    assert result.summary[0].splitlines() == [
        "## Post-mortem reviews",
        "",
        "As of 2026-05-10.",
        "",
        "| Incident | Review | Due | State | Progress |",
        "|---|---|---|---|---|",
        row(12, 1) + " 2026-05-01 | ⚠️ overdue by 9 d | 1 of 2 closed |",
        row(17, 2) + " 2026-05-12 | ⏰ due in 2 d | 1 of 1 closed |",
        row(22, 3) + " 2026-07-01 | on time | 0 of 0 closed |",
    ]
    assert json.loads(result.outputs["overdue_reviews"]) == [
        {
            "incident": 12,
            "milestone": 1,
            "due_on": "2026-05-01",
            "days_overdue": 9,
            "closed_items": 1,
            "total_items": 2,
            "url": f"{url}/1",
        }
    ]
    assert "\n" not in result.outputs["overdue_reviews"]  # one line: no heredoc needed in $GITHUB_OUTPUT


# --- the budget -----------------------------------------------------------------------------------


def test_operations_per_run_stops_the_run_and_the_next_run_continues_oldest_first(
    sandbox: SandboxFactory,
) -> None:
    # Five overdue reviews, due one day apart, each with one open item owned by bob.
    incidents = [20, 21, 22, 23, 24]
    milestones = [review(i + 1, n, f"2026-04-0{i + 1}") for i, n in enumerate(incidents)]
    issues = [incident(n) for n in incidents] + [
        item(100 + i, i + 1, f"Item {i}", owners=["bob"]) for i in range(len(incidents))
    ]
    sb = sandbox(scenario(milestones, issues))

    # 14 operations: 2 reads (milestones, recent comments) leave room for 4 reminders of 3.
    result, reporter = nag(sb, operations_per_run="14")
    assert [n for n in incidents if comments_on(sb, n)] == [20, 21, 22, 23]
    assert len(nag_requests(sb)) == 2 + 2 * 4 + 1  # the incidents are listed once
    [warning] = reporter.of("warning")
    assert "operations_per_run=14" in warning
    assert "#24" in warning
    assert "raise operations_per_run" in warning
    assert result.exit_code == 0  # a budget is not a failure: the next run continues

    sb.advance(timedelta(hours=1))
    result, reporter = nag(sb, operations_per_run="14")
    assert [len(comments_on(sb, n)) for n in incidents] == [1, 1, 1, 1, 1]
    assert result.done == ["posted an overdue-review reminder on #24"]
    assert reporter.of("warning") == []


def test_a_thousand_milestones_are_read_a_hundred_at_a_time(sandbox: SandboxFactory) -> None:
    # 1,000 reviews: 997 far in the future, and the three oldest overdue. Built in Python: fast.
    count = 1000
    milestones = [review(n, 10_000 + n, "2026-09-01") for n in range(4, count + 1)]
    milestones += [review(n, 10_000 + n, f"2026-04-0{n}") for n in (1, 2, 3)]
    issues = [incident(10_000 + n) for n in (1, 2, 3)] + [item(50, 2, "Alarm", owners=["bob"])]
    sb = sandbox(scenario(milestones, issues))
    result, _ = nag(sb)
    done = result.done
    assert done == [f"posted an overdue-review reminder on #{10_000 + n}" for n in (1, 2, 3)]
    requests = nag_requests(sb)
    assert requests.count(MILESTONES) == math.ceil(count / 100) == 10
    # ceil(M/100) + 1 + k comments + 1 item listing (only #2 has items) + 1 listing of the incidents.
    assert len(requests) == 10 + 1 + 3 + 1 + 1
    table = result.summary[0]
    assert len(re.findall(r"^\| #\d+ ", table, re.MULTILINE)) == count


# --- the realistic path: sync at the incident, nag two months later ---------------------------


def test_a_synced_incident_is_nagged_after_its_review_date(sandbox: SandboxFactory) -> None:
    data: dict[str, Any] = {
        "now": "2026-03-01T10:00:00Z",
        "repo": REPO,
        "collaborators": ["alice", "bob"],
        "labels": ["incident"],
        "issues": [
            {
                "number": 12,
                "title": "DB outage",
                "user": "alice",
                "labels": ["incident"],
                "assignees": ["alice"],
                "created_at": "2026-03-01T09:00:00Z",
                "body": (
                    "Primary database went away.\n\n## Action items\n\n"
                    "- [ ] Alert on replication lag @bob #detect P1\n"
                    "- [ ] Rehearse failover @alice #test P2\n"
                ),
            }
        ],
    }
    sb = sandbox(data)
    ctx = RunContext(
        repo=sb.repo,
        api_url=sb.api_url,
        server_url=sb.server_url,
        token=sb.token,
        event=Event("cli", {}),
    )
    synced = run(
        ctx, {**FAST, "command": "sync", "issue_number": "12"}, CollectingReporter(), Clock(fixed=sb.now())
    )
    assert synced.exit_code == 0, synced.failed
    state = sb.repo_state()
    [milestone] = state["milestones"]
    assert milestone["due_on"].startswith("2026-05-01")
    backlog = sorted(i["number"] for i in state["issues"] if (i.get("milestone") or {}).get("number"))
    assert len(backlog) == 2
    before = len(comments_on(sb, 12))  # the status comment

    # Alice does her item; the incident is closed; the review date passes unheld.
    sb.advance(timedelta(days=20))
    close_issue(sb, backlog[1])
    sb.advance(timedelta(days=42))  # 2026-05-02
    result, _ = nag(sb)
    comments = comments_on(sb, 12)
    assert len(comments) == before + 1
    body = comments[-1]
    assert "was due **2026-05-01**, 1 day ago." in body
    assert "Progress: 1 of 2 items closed." in body
    assert f"- [ ] #{backlog[0]} Alert on replication lag: open, @bob, " in body
    assert "@alice @bob" in body
    assert json.loads(result.outputs["overdue_reviews"])[0]["days_overdue"] == 1


def close_issue(sb: Sandbox, number: int) -> None:
    import requests

    response = requests.patch(
        f"{sb.api_url}/repos/{REPO}/issues/{number}",
        json={"state": "closed"},
        headers={"Authorization": f"token {sb.token}"},
        timeout=5,
    )
    response.raise_for_status()


def test_a_failed_reminder_fails_the_run_but_not_the_other_reviews(sandbox: SandboxFactory) -> None:
    sb = sandbox(
        scenario(
            [review(1, 12, "2026-05-01"), review(2, 17, "2026-05-02")],
            [incident(12), incident(17)],
        )
    )
    # #12 was transferred away between the listing and the comment.
    sb.add_faults(
        [
            {
                "method": "POST",
                "route": "/repos/{owner}/{repo}/issues/{issue_number}/comments",
                "kind": "status",
                "status": 404,
            }
        ]
    )
    result, _ = nag(sb)
    assert comments_on(sb, 12) == []
    assert len(comments_on(sb, 17)) == 1
    assert result.exit_code == 1
    [failure] = result.failed
    assert "comment on incident #12 (404)" in failure


def test_a_failed_item_listing_fails_the_run_but_not_the_other_reviews(sandbox: SandboxFactory) -> None:
    sb = sandbox(
        scenario(
            [review(1, 12, "2026-05-01"), review(2, 17, "2026-05-02")],
            [incident(12), incident(17), item(14, 1, "Alarm"), item(18, 2, "Runbook", owners=["bob"])],
        )
    )
    route = "/repos/{owner}/{repo}/issues"
    sb.add_faults(
        [{"method": "GET", "route": route, "kind": "status", "status": 404}]
    )  # #12's open items fail
    result, _ = nag(sb)
    assert comments_on(sb, 12) == []
    assert "- [ ] #18 Runbook: open, @bob, " in comments_on(sb, 17)[0]
    assert result.exit_code == 1
    [failure] = result.failed
    assert "list the items of milestone 1" in failure


def test_a_milestone_without_recorded_owners_reads_the_incident_for_them(sandbox: SandboxFactory) -> None:
    # Made by hand or by an older pmaction: no owners line, so the nag asks the incident issue (1 GET).
    plain = f"Review of #12\n{milestone_marker(REPO, 12)}"
    sb = sandbox(
        scenario([review(1, 12, "2026-05-01", description=plain)], [incident(12, assignees=["carol"])])
    )
    nag(sb)
    [body] = comments_on(sb, 12)
    assert "@carol: please hold the review" in body
    assert nag_requests(sb) == [
        MILESTONES,
        RECENT,
        ("GET", "/repos/{owner}/{repo}/issues/{issue_number}"),
        ISSUES,
        COMMENT,
    ]


def test_the_bundled_review_due_scenario_is_nagged(sandbox: SandboxFactory) -> None:
    sb = sandbox("review-due")
    result, _ = nag(sb)
    assert result.done == ["posted an overdue-review reminder on #12"]
