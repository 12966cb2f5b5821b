"""GitHub's rate limits on the wiki's git routes: waited out when they fit in max_wait_seconds, else one line
saying when to re-run. A rate limit is never taken for a missing permission.

The sandbox answers `git-receive-pack` as GitHub does when a limit is hit: 403 with the secondary-limit
message and ``Retry-After`` (``secondary_limit``), or with ``x-ratelimit-remaining: 0`` and
``x-ratelimit-reset`` (``secondary_limit_reset``, ``primary_limit``), or 429 (``too_many``).
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from conftest import SandboxFactory
from helpers import incident_page, run_sync, scenario, status_comments

from pmaction.sandbox import Sandbox
from pmaction.sandbox.faults import SECONDARY_MESSAGE
from pmaction.wiki import git_limits
from pmaction.wiki.git import WikiOutcome, update_wiki, wiki_remote

PAGE = "Incident-12.md"
RECEIVE = "git:receive-pack"


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every wait the wiki writer asks for, recorded instead of slept."""
    asked: list[float] = []
    monkeypatch.setattr(git_limits, "sleep", asked.append)
    return asked


@pytest.fixture
def sb(sandbox: SandboxFactory) -> Sandbox:
    started: Sandbox = sandbox(scenario())
    return started


def write_page(files: dict[str, str]) -> dict[str, str]:
    return {PAGE: "written\n"}


def push(sb: Sandbox, **kw: Any) -> WikiOutcome:
    return update_wiki(wiki_remote(sb.server_url, sb.repo), sb.token, write_page, message="m", **kw)


def limit_on_push(sb: Sandbox, kind: str, **fields: Any) -> None:
    sb.add_faults([{"method": "POST", "route": RECEIVE, "kind": kind, **fields}])


def receive_pack_statuses(sb: Sandbox) -> list[int | None]:
    return [r["status"] for r in sb.requests() if r["route"] == RECEIVE and r["method"] == "POST"]


def one_line_without_permission_advice(outcome: WikiOutcome) -> str:
    assert outcome.status == "failed", outcome
    assert "\n" not in outcome.message
    assert "permission" not in outcome.message and "contents: write" not in outcome.message
    return outcome.message


# --- the sandbox answers like GitHub ------------------------------------------------------------------


def test_a_secondary_limit_with_a_reset_time_answers_githubs_headers_on_receive_pack(sb: Sandbox) -> None:
    limit_on_push(sb, "secondary_limit_reset", reset_in=90)
    answer = requests.post(f"{sb.server_url}/{sb.repo}.wiki.git/git-receive-pack", data=b"", timeout=5)
    assert answer.status_code == 403
    assert "Retry-After" not in answer.headers
    assert answer.headers["x-ratelimit-remaining"] == "0"
    assert abs(int(answer.headers["x-ratelimit-reset"]) - (time.time() + 90)) < 5
    assert answer.text.strip() == SECONDARY_MESSAGE


# --- waited out -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["secondary_limit", "too_many"])
def test_a_rate_limited_push_waits_retry_after_and_lands(sb: Sandbox, waits: list[float], kind: str) -> None:
    limit_on_push(sb, kind, retry_after=7)
    sb.clear_requests()
    outcome = push(sb, max_wait=60)
    assert outcome.status == "pushed", outcome.message
    assert waits == [7]
    assert receive_pack_statuses(sb) == [403 if kind == "secondary_limit" else 429, 200]
    assert sb.wiki_files()[PAGE] == "written\n"


@pytest.mark.parametrize("kind", ["secondary_limit_reset", "primary_limit"])
def test_a_push_rate_limited_until_a_reset_waits_for_the_reset_and_lands(
    sb: Sandbox, waits: list[float], kind: str
) -> None:
    limit_on_push(sb, kind, reset_in=20)
    outcome = push(sb, max_wait=60)
    assert outcome.status == "pushed", outcome.message
    assert len(waits) == 1 and 19 <= waits[0] <= 22  # until the reset, plus a second of margin


def test_a_403_on_receive_pack_after_the_advertisement_said_200_is_a_limit_without_a_time(
    sb: Sandbox, waits: list[float]
) -> None:
    # The permission is checked on the advertisement (info/refs?service=git-receive-pack), which answered 200.
    limit_on_push(sb, "status", status=403)
    outcome = push(sb, max_wait=60)
    assert outcome.status == "pushed", outcome.message
    assert waits == [60]  # GitHub: without Retry-After or a reset, wait at least a minute


def test_the_real_wait_is_slept(sb: Sandbox) -> None:
    limit_on_push(sb, "secondary_limit", retry_after=1)
    started = time.monotonic()
    assert push(sb, max_wait=60).status == "pushed"
    assert time.monotonic() - started >= 1.0


# --- longer than max_wait_seconds: one line saying when ------------------------------------------------


def test_a_retry_after_beyond_max_wait_fails_at_once_saying_how_long(sb: Sandbox, waits: list[float]) -> None:
    limit_on_push(sb, "secondary_limit", retry_after=120)
    message = one_line_without_permission_advice(push(sb, max_wait=60))
    assert "secondary rate limit" in message and "120 s" in message
    assert "max_wait_seconds" in message and "re-run after" in message
    assert waits == [] and receive_pack_statuses(sb) == [403]


@pytest.mark.parametrize("kind", ["primary_limit", "secondary_limit_reset"])
def test_a_reset_beyond_max_wait_fails_at_once_with_the_reset_time(
    sb: Sandbox, waits: list[float], kind: str
) -> None:
    limit_on_push(sb, kind, reset_in=3600)
    reset = time.gmtime(time.time() + 3600)
    message = one_line_without_permission_advice(push(sb, max_wait=60))
    assert time.strftime("%H:%M", reset) in message and "max_wait_seconds" in message
    assert waits == []


def test_a_limit_without_a_time_and_max_wait_below_a_minute_says_to_re_run_later(
    sb: Sandbox, waits: list[float]
) -> None:
    limit_on_push(sb, "status", status=403)
    message = one_line_without_permission_advice(push(sb, max_wait=5))
    assert "re-run" in message and "max_wait_seconds" in message
    assert waits == []


def test_a_limit_that_keeps_answering_ends_after_the_attempts_with_one_line(
    sb: Sandbox, waits: list[float]
) -> None:
    limit_on_push(sb, "secondary_limit", retry_after=1, times=10)
    message = one_line_without_permission_advice(push(sb, max_wait=60, max_attempts=3))
    assert "rate limit" in message and "re-run" in message
    assert waits == [1, 1]


def test_a_token_without_contents_write_is_still_told_the_permission(sandbox: SandboxFactory) -> None:
    readonly = {"token": "ghs_ro", "permissions": {"issues": "write", "contents": "read", "metadata": "read"}}
    sb = sandbox(scenario(tokens=[readonly]))
    outcome = update_wiki(wiki_remote(sb.server_url, sb.repo), "ghs_ro", lambda f: {PAGE: "x\n"}, message="m")
    assert outcome.status == "forbidden" and "permissions: contents: write" in outcome.message


# --- through a sync ----------------------------------------------------------------------------------


def test_a_sync_whose_push_is_rate_limited_waits_and_updates_the_page(
    sb: Sandbox, waits: list[float]
) -> None:
    limit_on_push(sb, "secondary_limit", retry_after=3)
    run = run_sync(sb, 12)
    assert run.result.exit_code == 0, run.result.failed
    assert waits == [3]
    incident_page(sb)


def test_a_sync_whose_push_is_limited_longer_than_max_wait_says_when_and_does_the_issue_side(
    sb: Sandbox, waits: list[float]
) -> None:
    limit_on_push(sb, "secondary_limit", retry_after=600)
    run = run_sync(sb, 12)
    assert run.result.exit_code == 1
    [failure] = run.result.failed
    assert "rate limit" in failure and "600 s" in failure and "contents: write" not in failure
    assert len(status_comments(sb)) == 1 and sb.repo_state()["milestones"]
    assert waits == []


# --- reading git's trace ------------------------------------------------------------------------------

TRACE = """\
t1 http.c:684 => Send header: GET /o/r.wiki.git/info/refs?service=git-receive-pack HTTP/1.1
t2 http.c:684 => Send header: AUTHORIZATION: basic <redacted>
t3 http.c:684 <= Recv header: HTTP/1.1 200 OK
t4 http.c:684 <= Recv header: Content-Type: application/x-git-receive-pack-advertisement
t5 http.c:684 => Send header: POST /o/r.wiki.git/git-receive-pack HTTP/1.1
t6 http.c:684 <= Recv header: HTTP/1.1 403 Forbidden
t7 http.c:684 <= Recv header: Retry-After: Wed, 01 Jan 2031 00:00:30 GMT
"""


def test_the_trace_gives_each_exchange_its_request_status_and_headers() -> None:
    answers = git_limits.parse_trace(TRACE)
    assert [(a.request, a.status) for a in answers] == [
        ("GET /o/r.wiki.git/info/refs?service=git-receive-pack", 200),
        ("POST /o/r.wiki.git/git-receive-pack", 403),
    ]
    assert answers[1].headers == {"retry-after": "Wed, 01 Jan 2031 00:00:30 GMT"}


def test_a_retry_after_date_is_a_wait_until_then() -> None:
    now = 1924991999.0  # 2030-12-31 23:59:59 UTC
    limit = git_limits.rate_limit_of(git_limits.parse_trace(TRACE), now)
    assert limit is not None and limit.how == "retry_after" and limit.wait == 31


def test_a_403_on_the_advertisement_is_a_refusal_not_a_limit() -> None:
    refused = git_limits.Answer("GET /o/r.wiki.git/info/refs?service=git-receive-pack", 403, {})
    assert git_limits.rate_limit_of([refused], 0.0) is None
