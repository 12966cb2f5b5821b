"""A sync on a degraded GitHub: it retries what is safe, waits only as long as allowed, says exactly what
failed, and a re-run after the fault converges to the state one clean run leaves: nothing lost, nothing
twice.

Waits between retries go through ``pmaction.github.retry._sleep``; most tests record them instead of
sitting them out, one test sits a real Retry-After out.
"""

from __future__ import annotations

import dataclasses
import re
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import test_nag as nag_scenario
from helpers import Person, SyncRun, run_sync, scenario, status_comments, wiki_commits

from pmaction import engine
from pmaction.commands import sync_page as sync_mod
from pmaction.engine import run
from pmaction.errors import GitHubAPIError, PmactionError
from pmaction.github import client as gh
from pmaction.github import retry
from pmaction.reporter import CollectingReporter
from pmaction.run.clock import Clock
from pmaction.run.context import Event, RunContext
from pmaction.sandbox import Sandbox

ISSUES = "/repos/{owner}/{repo}/issues"
ISSUE = "/repos/{owner}/{repo}/issues/{issue_number}"
COMMENTS = "/repos/{owner}/{repo}/issues/{issue_number}/comments"
MILESTONES = "/repos/{owner}/{repo}/milestones"
MILESTONE = "/repos/{owner}/{repo}/milestones/{milestone_number}"

# An incident with one agreed action item, so a run writes a milestone, a backlog issue, the issue body,
# the wiki and the status comment: every kind of write a fault can hit.
BODY = (
    "Primary database went away at 08:55 UTC.\n\n"
    "### Action items\n\n"
    "- [ ] Write a failover runbook @alice #prevent P1\n"
)


def incident() -> dict[str, Any]:
    return scenario(issue={"body": BODY})


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tiny exponential backoff, so five retries cost milliseconds."""
    real = engine.api_settings

    def settings(ctx: RunContext, config: Any) -> gh.ApiSettings:
        return dataclasses.replace(real(ctx, config), backoff_factor=0.001)

    monkeypatch.setattr(engine, "api_settings", settings)


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record every wait pmaction asks for between retries instead of sleeping it."""
    asked: list[float] = []
    monkeypatch.setattr(retry, "_sleep", asked.append)
    return asked


def normalized(sb: Sandbox) -> dict[str, Any]:
    """What a person sees after the runs: issues, their comments and events, milestones, wiki pages.
    Ids, URLs (the port differs between sandboxes) and the wiki commit shas are left out."""
    state = sb.repo_state()

    def text(value: Any) -> str:
        # Row hashes cover the row's link, and so the port.
        # A calendar file folds its lines at 75 octets, and calendar links carry the URL encoded.
        value = str(value or "").replace("\r\n ", "")
        value = re.sub(r"http://127\.0\.0\.1:\d+|http%3A%2F%2F127\.0\.0\.1%3A\d+", "SERVER", value)
        # The status comment's hidden record holds the wiki commit and a digest of the settings: not shown.
        value = re.sub(r"<!-- pmaction:record .*? -->\n", "", value)
        return re.sub(r" h=[0-9a-f]{10} ", " h=HASH ", value)

    issues = [
        {
            "number": i["number"],
            "title": i["title"],
            "body": text(i.get("body")),
            "state": i["state"],
            "labels": sorted(label["name"] for label in i.get("labels") or []),
            "assignees": sorted(a["login"] for a in i.get("assignees") or []),
            "milestone": (i.get("milestone") or {}).get("title"),
            "comments": [(c["user"]["login"], text(c["body"])) for c in i["comments"]],
            "events": [
                (e["event"], (e.get("label") or {}).get("name"), (e.get("milestone") or {}).get("title"))
                for e in i["events"]
            ],
        }
        for i in sorted(state["issues"], key=lambda i: i["number"])
    ]
    milestones = [
        (m["number"], m["title"], text(m.get("description")), m.get("due_on"), m["state"], m["open_issues"])
        for m in state["milestones"]
    ]
    wiki = {name: text(body) for name, body in state["wiki"]["files"].items()}
    bot_commits = [c["message"] for c in state["wiki"]["commits"] if "github-actions" in c["author"]]
    # A failed run still writes the page it can, so a rerun may add a second commit with the same message:
    # compare which commits exist (and the files above), not how many attempts it took.
    return {"issues": issues, "milestones": milestones, "wiki": wiki, "bot_commits": sorted(set(bot_commits))}


@pytest.fixture(scope="module")
def clean_state() -> dict[str, Any]:
    """The state one fault-free run leaves: every faulted run plus its re-run must end here."""
    with Sandbox.start(incident()) as sb:
        outcome = run_sync(sb, 12)
        assert outcome.result.exit_code == 0, outcome.result.failed
        return normalized(sb)


def faulted(sb: Sandbox, route: str, method: str = "*") -> list[dict[str, Any]]:
    return [r for r in sb.requests() if r["route"] == route and r["method"] in (method, "*") and r["fault"]]


def fails(sb: Sandbox, **inputs: str) -> PmactionError:
    with pytest.raises(PmactionError) as caught:
        run_sync(sb, 12, **inputs)
    message = str(caught.value)
    assert "\n" not in message
    assert sb.token not in message
    return caught.value


# --- 5xx ------------------------------------------------------------------------------------------


def test_a_burst_of_502s_on_reads_is_retried_and_the_run_ends_as_a_clean_one(
    sandbox: Callable[..., Sandbox], clean_state: dict[str, Any], waits: list[float]
) -> None:
    sb = sandbox(incident())
    sb.add_faults([{"method": "GET", "route": ISSUE, "kind": "status", "status": 502, "times": 3}])

    outcome = run_sync(sb, 12)

    assert outcome.result.exit_code == 0, outcome.result.failed
    assert len(faulted(sb, ISSUE, "GET")) == 3
    assert normalized(sb) == clean_state
    assert max(waits) < 0.1  # backoff_factor governs the waits between 5xx retries


def test_persistent_5xx_fails_naming_the_step_and_a_rerun_after_it_clears_converges(
    sandbox: Callable[..., Sandbox], clean_state: dict[str, Any], waits: list[float]
) -> None:
    sb = sandbox(incident())
    sb.add_faults([{"method": "GET", "route": COMMENTS, "kind": "status", "status": 503, "times": 50}])

    error = fails(sb)

    assert isinstance(error, GitHubAPIError)
    assert "kept answering 503" in str(error)
    assert "read the comments of issue #12" in str(error)
    assert len(faulted(sb, COMMENTS, "GET")) == 6  # the first try and 5 retries, then it gave up

    sb.clear_faults()
    assert run_sync(sb, 12).result.exit_code == 0
    assert normalized(sb) == clean_state


def test_a_502_on_a_create_is_not_retried_and_the_rerun_creates_it_once(
    sandbox: Callable[..., Sandbox], clean_state: dict[str, Any], waits: list[float]
) -> None:
    sb = sandbox(incident())
    sb.add_faults([{"method": "POST", "route": ISSUES, "kind": "status", "status": 502}])

    error = fails(sb)

    assert "502" in str(error) and "create the backlog issue 'Write a failover runbook'" in str(error)
    assert len(faulted(sb, ISSUES, "POST")) == 1  # a POST is never sent twice automatically
    assert run_sync(sb, 12).result.exit_code == 0
    assert normalized(sb) == clean_state


# --- dropped connections and lost answers ---------------------------------------------------------


def test_dropped_connections_on_reads_are_retried(
    sandbox: Callable[..., Sandbox], clean_state: dict[str, Any], waits: list[float]
) -> None:
    sb = sandbox(incident())
    sb.add_faults(
        [
            {"method": "GET", "route": ISSUE, "kind": "drop", "times": 2},
            {"method": "GET", "route": MILESTONES, "kind": "drop", "times": 1},
        ]
    )

    assert run_sync(sb, 12).result.exit_code == 0
    assert normalized(sb) == clean_state


@pytest.mark.parametrize(
    ("route", "step"),
    [
        (MILESTONES, "create the review milestone"),
        (ISSUES, "create the backlog issue"),
        (COMMENTS, "status comment"),
    ],
)
def test_a_create_whose_answer_is_lost_is_not_repeated_and_the_rerun_adopts_it(
    sandbox: Callable[..., Sandbox],
    clean_state: dict[str, Any],
    waits: list[float],
    route: str,
    step: str,
) -> None:
    sb = sandbox(incident())
    sb.add_faults([{"method": "POST", "route": route, "kind": "drop_after_apply"}])

    error = fails(sb)

    assert "closed the connection without answering" in str(error)
    assert "creates nothing twice" in str(error)
    assert step in str(error)
    assert len([r for r in sb.requests() if r["route"] == route and r["method"] == "POST"]) == 1
    assert run_sync(sb, 12).result.exit_code == 0
    assert normalized(sb) == clean_state


# --- every GitHub call fails the same way: one line that names the fix ----------------------------
# Each of these reads used to let requests' ConnectionError through, which the entry point can only call
# "pmaction crashed ... please report it".


def test_a_dropped_connection_while_reading_a_linked_backlog_issue_is_one_line_naming_the_fix(
    sandbox: Callable[..., Sandbox], waits: list[float]
) -> None:
    # The item links #7, which is not in the review milestone: its state is read on its own.
    body = BODY.replace("P1\n", "P1 (#7)\n")
    data = scenario(issue={"body": body})
    data["issues"].append({"number": 7, "title": "Write a failover runbook", "user": "alice"})
    sb = sandbox(data)
    # The incident is read; every try of the next issue read (#7) is dropped.
    sb.add_faults([{"method": "GET", "route": ISSUE, "kind": "drop", "after": 1, "times": 6}])

    error = fails(sb)

    assert isinstance(error, GitHubAPIError)
    assert "closed the connection without answering while trying to read backlog issue #7" in str(error)
    assert "re-run" in str(error)
    assert len(faulted(sb, ISSUE, "GET")) == 6
    sb.clear_faults()
    assert run_sync(sb, 12).result.exit_code == 0


def test_a_dropped_connection_while_re_reading_the_incident_before_linking_its_items_is_one_line(
    sandbox: Callable[..., Sandbox], clean_state: dict[str, Any], waits: list[float]
) -> None:
    sb = sandbox(incident())
    sb.add_faults([{"method": "GET", "route": ISSUE, "kind": "drop", "after": 1, "times": 6}])

    error = fails(sb)

    assert "closed the connection without answering while trying to re-read issue #12" in str(error)
    assert len(status_comments(sb)) == 1  # the steps after it still ran
    sb.clear_faults()
    assert run_sync(sb, 12).result.exit_code == 0
    assert normalized(sb) == clean_state


def test_a_dropped_connection_while_renaming_the_review_milestone_is_one_line_naming_the_fix(
    sandbox: Callable[..., Sandbox], waits: list[float]
) -> None:
    sb = sandbox(incident())
    assert run_sync(sb, 12).result.exit_code == 0
    Person(sb, "alice_pat").edit_issue(12, title="Primary DB failover took 40 minutes (disk full)")
    sb.add_faults([{"method": "PATCH", "route": MILESTONE, "kind": "drop", "times": 6}])

    error = fails(sb)

    assert "closed the connection without answering while trying to update milestone" in str(error)
    assert "re-run" in str(error)
    sb.clear_faults()
    assert run_sync(sb, 12).result.exit_code == 0
    [milestone] = sb.repo_state()["milestones"]
    assert milestone["title"].endswith("(disk full)")


def test_a_dropped_connection_while_the_nag_lists_a_reviews_open_items_is_one_line_naming_the_fix(
    sandbox: Callable[..., Sandbox], waits: list[float]
) -> None:
    sb = sandbox(nag_scenario.overdue_db_outage())
    sb.add_faults([{"method": "GET", "route": ISSUES, "kind": "drop", "times": 6}])

    result, _ = nag_scenario.nag(sb)

    [failure] = result.failed
    assert failure.startswith("GitHub closed the connection without answering while trying to list the items")
    assert "milestone 1" in failure and "re-run" in failure
    assert "\n" not in failure and sb.token not in failure
    assert nag_scenario.comments_on(sb, 12) == []
    sb.clear_faults()
    result, _ = nag_scenario.nag(sb)
    assert result.exit_code == 0 and len(nag_scenario.comments_on(sb, 12)) == 1


def test_a_fault_with_after_lets_that_many_matching_requests_through_first(
    sandbox: Callable[..., Sandbox],
) -> None:
    sb = sandbox(incident())
    sb.add_faults([{"method": "GET", "route": ISSUE, "kind": "status", "status": 502, "after": 2}])
    person = Person(sb, "alice_pat")

    person.issue(12)
    person.issue(12)
    with pytest.raises(requests.HTTPError, match="502"):
        person.issue(12)

    assert [r["fault"] for r in sb.requests()] == [None, None, "status"]


# --- rate limits ----------------------------------------------------------------------------------


def test_a_secondary_rate_limit_is_waited_out_for_as_long_as_retry_after_says(
    sandbox: Callable[..., Sandbox], clean_state: dict[str, Any]
) -> None:
    sb = sandbox(incident())
    sb.add_faults([{"method": "POST", "route": COMMENTS, "kind": "secondary_limit", "retry_after": 1}])

    started = time.monotonic()
    outcome = run_sync(sb, 12)

    assert outcome.result.exit_code == 0, outcome.result.failed
    assert time.monotonic() - started >= 1.0  # really waited: the retry came after Retry-After
    posts = [r for r in sb.requests() if r["route"] == COMMENTS and r["method"] == "POST"]
    assert [r["status"] for r in posts] == [403, 201]  # a rate-limited POST was not applied: safe to resend
    assert len(status_comments(sb)) == 1
    assert normalized(sb) == clean_state


@pytest.mark.parametrize("kind", ["secondary_limit", "too_many"])
def test_retry_after_within_max_wait_is_honoured_exactly(
    sandbox: Callable[..., Sandbox], clean_state: dict[str, Any], waits: list[float], kind: str
) -> None:
    sb = sandbox(incident())
    sb.add_faults([{"method": "POST", "route": MILESTONES, "kind": kind, "retry_after": 30}])

    assert run_sync(sb, 12, max_wait_seconds="45").result.exit_code == 0
    assert 30 in waits
    assert normalized(sb) == clean_state


@pytest.mark.parametrize("kind", ["secondary_limit", "too_many"])
def test_retry_after_beyond_max_wait_fails_at_once_saying_how_long(
    sandbox: Callable[..., Sandbox], clean_state: dict[str, Any], waits: list[float], kind: str
) -> None:
    sb = sandbox(incident())
    sb.add_faults([{"method": "GET", "route": ISSUE, "kind": kind, "retry_after": 120}])

    error = fails(sb, max_wait_seconds="5")

    assert "wait 120 s (Retry-After" in str(error) and "max_wait_seconds" in str(error)
    assert "read issue #12" in str(error)
    assert waits == []  # it did not sit anything out
    sb.clear_faults()
    assert run_sync(sb, 12).result.exit_code == 0
    assert normalized(sb) == clean_state


def test_an_exhausted_primary_limit_that_resets_soon_is_waited_for(
    sandbox: Callable[..., Sandbox], clean_state: dict[str, Any], waits: list[float]
) -> None:
    sb = sandbox(incident())
    sb.add_faults([{"method": "GET", "route": ISSUE, "kind": "primary_limit", "reset_in": 20}])

    assert run_sync(sb, 12, max_wait_seconds="60").result.exit_code == 0
    assert len(waits) == 1 and 19 <= waits[0] <= 22  # until the reset (PyGithub adds a second)
    assert normalized(sb) == clean_state


def test_an_exhausted_primary_limit_that_resets_later_fails_at_once_with_the_reset_time(
    sandbox: Callable[..., Sandbox], waits: list[float]
) -> None:
    sb = sandbox(incident())
    sb.add_faults([{"method": "GET", "route": ISSUE, "kind": "primary_limit", "reset_in": 3600}])
    reset = time.gmtime(time.time() + 3600)

    error = fails(sb, max_wait_seconds="60")

    assert "rate limit for this token is used up" in str(error)
    assert time.strftime("%H:%M", reset) in str(error)
    assert "max_wait_seconds" in str(error)
    assert waits == []


# --- slow answers ---------------------------------------------------------------------------------


def test_a_read_slower_than_request_timeout_is_retried_a_write_fails_naming_request_timeout(
    sandbox: Callable[..., Sandbox], clean_state: dict[str, Any], waits: list[float]
) -> None:
    sb = sandbox(incident())
    sb.add_faults(
        [
            {"method": "GET", "route": ISSUE, "kind": "slow", "delay_ms": 1150},
            {"method": "POST", "route": COMMENTS, "kind": "slow", "delay_ms": 1150},
        ]
    )

    error = fails(sb, request_timeout="1")

    assert "did not answer within request_timeout=1 s" in str(error)
    assert "status comment" in str(error)
    assert len([r for r in sb.requests() if r["route"] == ISSUE and r["method"] == "GET"]) >= 2
    # The slow POST lands after we gave up on it (a re-run comes minutes later: wait for it to land);
    # the re-run must adopt that comment, not add another.
    deadline = time.monotonic() + 3
    while not status_comments(sb) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert run_sync(sb, 12).result.exit_code == 0
    assert normalized(sb) == clean_state


# --- the wiki -------------------------------------------------------------------------------------


def test_a_person_pushing_between_our_clone_and_our_push_keeps_their_edit_and_ours_lands_on_top(
    sandbox: Callable[..., Sandbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    sb = sandbox(incident())
    real_update = sync_mod.update_wiki
    calls: list[int] = []

    def racing_update(remote: str, token: str, edit: Any, **kw: Any) -> Any:
        def edit_while_a_person_pushes(files: dict[str, str]) -> dict[str, str]:
            calls.append(1)
            if len(calls) == 1:  # after our clone, before our push
                sb.push_wiki_page("Home.md", "Home, edited by a person\n", author="Carol <carol@example.com>")
            return dict(edit(files))

        return real_update(remote, token, edit_while_a_person_pushes, **kw)

    monkeypatch.setattr(sync_mod, "update_wiki", racing_update)

    outcome = run_sync(sb, 12)

    assert outcome.result.exit_code == 0, outcome.result.failed
    assert len(calls) == 2  # rejected once, re-applied on a fresh clone
    assert sb.wiki_files()["Home.md"] == "Home, edited by a person\n"
    commits = wiki_commits(sb)
    assert "github-actions" in commits[0]["author"] and "Carol" in commits[1]["author"]
    assert any(name.startswith("Postmortem-") for name in sb.wiki_files())


def test_a_wiki_server_that_drops_every_connection_fails_the_wiki_step_only(
    sandbox: Callable[..., Sandbox],
) -> None:
    sb = sandbox(incident())
    sb.add_faults([{"method": "*", "route": "git:info-refs", "kind": "drop", "times": 50}])

    outcome = run_sync(sb, 12)

    assert outcome.result.exit_code == 1
    [message] = outcome.result.failed
    assert "wiki of octo-org/octo-repo" in message and "re-run" in message and "\n" not in message
    done = " ".join(outcome.result.done)
    assert "created review milestone" in done and "created backlog issue" in done
    assert "status comment" in done
    assert len(status_comments(sb)) == 1


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_wiki_server_fails_the_wiki_step_with_one_line_and_the_rest_is_done(
    sandbox: Callable[..., Sandbox],
) -> None:
    sb = sandbox(incident())
    ctx = RunContext(
        repo=sb.repo,
        api_url=sb.api_url,
        server_url=f"http://127.0.0.1:{_closed_port()}",
        token=sb.token,
        event=Event("workflow_dispatch"),
    )
    reporter = CollectingReporter()
    inputs = {"seconds_between_writes": "0", "command": "sync", "issue_number": "12"}

    outcome = SyncRun(run(ctx, inputs, reporter, Clock(fixed=sb.now())), reporter)

    [message] = outcome.result.failed
    assert message.startswith("Could not reach the wiki of octo-org/octo-repo")
    assert "\n" not in message and sb.token not in message
    assert len(status_comments(sb)) == 1


def test_a_slow_wiki_clone_still_works(sandbox: Callable[..., Sandbox]) -> None:
    sb = sandbox(incident())
    sb.add_faults([{"method": "*", "route": "git:upload-pack", "kind": "slow", "delay_ms": 250}])

    outcome = run_sync(sb, 12)

    assert outcome.result.exit_code == 0, outcome.result.failed
    assert any(r["fault"] == "slow" for r in sb.requests())
    assert len(wiki_commits(sb)) == 2


# --- translate, unit level ------------------------------------------------------------------------


@pytest.fixture
def unreachable() -> Iterator[gh.GitHub]:
    settings = gh.ApiSettings(
        api_url=f"http://127.0.0.1:{_closed_port()}/api/v3", token="ghs_x", retries=1, backoff_factor=0
    )
    yield gh.GitHub(settings, "octo-org/octo-repo")


def test_a_closed_api_port_says_to_check_the_api_url(unreachable: gh.GitHub) -> None:
    with pytest.raises(
        GitHubAPIError, match=r"Could not connect to the GitHub API while trying to read issue"
    ):
        unreachable.issue(1)
