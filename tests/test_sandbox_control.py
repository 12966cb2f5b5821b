"""The control side: faults, clock, latency, state and request log, and the serve CLI contract."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from github import Auth, Github, GithubException

from pmaction.sandbox import Sandbox, parse_advance

ROOT = Path(__file__).resolve().parent.parent
SCENARIO: dict[str, Any] = {
    "now": "2026-03-01T10:00:00Z",
    "repo": "octo-org/octo-repo",
    "wiki": "missing",
    "collaborators": ["alice"],
    "issues": [{"number": 1, "title": "DB outage", "user": "alice", "labels": ["incident"]}],
}
ISSUES = "/repos/{owner}/{repo}/issues"


def call(sb: Sandbox, method: str, path: str, **kw: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {sb.token}"}
    return requests.request(method, sb.api_url + path, headers=headers, timeout=10, **kw)


def create(sb: Sandbox, title: str) -> requests.Response:
    return call(sb, "POST", "/repos/octo-org/octo-repo/issues", json={"title": title})


def titles(sb: Sandbox) -> list[str]:
    return [i["title"] for i in sb.repo_state()["issues"]]


def test_a_status_fault_answers_once_then_github_recovers(sandbox: Any) -> None:
    sb = sandbox(SCENARIO)
    sb.add_faults([{"method": "POST", "route": ISSUES, "kind": "status", "status": 502}])
    failed = create(sb, "first try")
    assert (failed.status_code, failed.json()) == (502, {"message": "Server Error"})
    assert create(sb, "second try").status_code == 201
    assert titles(sb) == ["DB outage", "second try"]


def test_faults_match_method_and_route_and_are_consumed_in_order(sandbox: Any) -> None:
    sb = sandbox(SCENARIO)
    sb.add_faults(
        [
            {"method": "GET", "route": ISSUES, "kind": "status", "status": 500},
            {"method": "*", "route": "*", "kind": "status", "status": 503, "times": 2},
        ]
    )
    assert call(sb, "GET", "/repos/octo-org/octo-repo").status_code == 503  # only the wildcard matches
    assert call(sb, "GET", "/repos/octo-org/octo-repo/issues").status_code == 500
    assert call(sb, "GET", "/repos/octo-org/octo-repo/issues").status_code == 503
    assert call(sb, "GET", "/repos/octo-org/octo-repo/issues").status_code == 200
    assert [e["fault"] for e in sb.requests()] == ["status", "status", "status", None]


def test_secondary_limit_and_too_many_carry_retry_after(sandbox: Any) -> None:
    sb = sandbox(SCENARIO)
    sb.add_faults(
        [
            {"route": ISSUES, "method": "POST", "kind": "secondary_limit", "retry_after": 7},
            {"route": ISSUES, "method": "POST", "kind": "too_many"},
        ]
    )
    secondary = create(sb, "x")
    assert secondary.status_code == 403 and secondary.headers["Retry-After"] == "7"
    assert "secondary rate limit" in secondary.json()["message"]
    too_many = create(sb, "x")
    assert too_many.status_code == 429 and too_many.headers["Retry-After"] == "1"
    assert titles(sb) == ["DB outage"]


def test_primary_limit_says_when_it_resets(sandbox: Any) -> None:
    sb = sandbox(SCENARIO)
    sb.add_faults([{"route": "*", "method": "*", "kind": "primary_limit", "reset_in": 120}])
    answer = call(sb, "GET", "/repos/octo-org/octo-repo/issues")
    assert answer.status_code == 403 and answer.headers["x-ratelimit-remaining"] == "0"
    assert abs(int(answer.headers["x-ratelimit-reset"]) - (time.time() + 120)) < 5
    assert answer.json()["message"].startswith("API rate limit exceeded for ")


def test_pygithub_without_retries_surfaces_a_rate_limit(sandbox: Any) -> None:
    sb = sandbox(SCENARIO)
    sb.add_faults([{"route": "*", "method": "*", "kind": "secondary_limit"}])
    gh = Github(base_url=sb.api_url, auth=Auth.Token(sb.token), retry=None, seconds_between_requests=0)
    with pytest.raises(GithubException) as err:
        gh.get_repo(sb.repo)
    assert err.value.status == 403


def test_slow_answers_late_but_normally(sandbox: Any) -> None:
    sb = sandbox(SCENARIO)
    sb.add_faults([{"route": ISSUES, "method": "GET", "kind": "slow", "delay_ms": 150}])
    began = time.monotonic()
    assert call(sb, "GET", "/repos/octo-org/octo-repo/issues").status_code == 200
    assert time.monotonic() - began >= 0.15


def test_drop_applies_nothing_and_drop_after_apply_applies_silently(sandbox: Any) -> None:
    sb = sandbox(SCENARIO)
    sb.add_faults(
        [
            {"route": ISSUES, "method": "POST", "kind": "drop"},
            {"route": ISSUES, "method": "POST", "kind": "drop_after_apply"},
        ]
    )
    with pytest.raises(requests.ConnectionError):
        create(sb, "lost")
    with pytest.raises(requests.ConnectionError):
        create(sb, "applied but unanswered")
    assert titles(sb) == ["DB outage", "applied but unanswered"]  # a naive retry would now duplicate it
    assert [e["status"] for e in sb.requests()] == [None, None]


def test_bad_faults_are_refused(sandbox: Any) -> None:
    sb = sandbox(SCENARIO)
    answer = requests.post(sb.control_url + "/faults", json={"faults": [{"kind": "explode"}]}, timeout=5)
    assert answer.status_code == 400 and "explode" in answer.json()["message"]


def test_faults_over_http_install_and_clear(sandbox: Any) -> None:
    sb = sandbox(SCENARIO)
    fault = {"method": "GET", "route": "/repos/{owner}/{repo}", "kind": "status", "status": 500, "times": 3}
    installed = requests.post(sb.control_url + "/faults", json={"faults": [fault]}, timeout=5).json()
    assert installed["faults"][0]["remaining"] == 3
    assert call(sb, "GET", "/repos/octo-org/octo-repo").status_code == 500
    requests.delete(sb.control_url + "/faults", timeout=5)
    assert call(sb, "GET", "/repos/octo-org/octo-repo").status_code == 200


def test_latency_delays_every_api_request(sandbox: Any) -> None:
    sb = sandbox(SCENARIO, latency_ms=100)
    began = time.monotonic()
    call(sb, "GET", "/repos/octo-org/octo-repo")
    assert time.monotonic() - began >= 0.1
    answer = requests.post(sb.control_url + "/latency", json={"ms": 0}, timeout=5)
    assert answer.status_code < 300


def test_two_months_pass_in_a_test(sandbox: Any) -> None:
    sb = sandbox(SCENARIO)
    assert requests.get(sb.control_url + "/clock", timeout=5).json() == {
        "now": "2026-03-01T10:00:00Z",
        "frozen": True,
    }
    requests.post(sb.control_url + "/clock", json={"advance": "P60D"}, timeout=5)
    created = create(sb, "later").json()
    assert created["created_at"] == "2026-04-30T10:00:00Z"
    sb.advance(timedelta(hours=1))
    assert sb.now() == datetime(2026, 4, 30, 11, 0, tzinfo=UTC)
    requests.post(sb.control_url + "/clock", json={"now": "2026-06-01T00:00:00Z", "frozen": True}, timeout=5)
    assert create(sb, "June").json()["created_at"] == "2026-06-01T00:00:00Z"


def test_an_unfrozen_clock_runs_on_from_where_it_was_set(sandbox: Any) -> None:
    sb = sandbox(SCENARIO)
    requests.post(sb.control_url + "/clock", json={"now": "2030-01-01T00:00:00Z"}, timeout=5)
    info = requests.get(sb.control_url + "/clock", timeout=5).json()
    assert info["frozen"] is False and info["now"].startswith("2030-01-01T00:00:0")


def test_durations_parse_like_iso_8601() -> None:
    assert parse_advance("P60D") == timedelta(days=60)
    assert parse_advance("PT1H30M") == timedelta(hours=1, minutes=30)
    assert parse_advance(90) == timedelta(seconds=90)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    assert start + parse_advance("P2M") == datetime(2026, 5, 1, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_advance("two months")


def test_state_shows_issues_with_comments_events_and_the_wiki_status(sandbox: Any) -> None:
    sb = sandbox(SCENARIO)
    issue_url = "/repos/octo-org/octo-repo/issues/1"
    call(sb, "POST", issue_url + "/comments", json={"body": "timeline"})
    call(sb, "PATCH", issue_url, json={"state": "closed"})
    state = requests.get(sb.control_url + "/state", timeout=5).json()
    repo = state["repos"]["octo-org/octo-repo"]
    issue = repo["issues"][0]
    assert [c["body"] for c in issue["comments"]] == ["timeline"]
    assert [e["event"] for e in issue["events"]] == ["closed"]
    assert issue["closed_at"] == "2026-03-01T10:00:00Z"
    assert [label["name"] for label in repo["labels"]] == ["incident"]
    assert repo["collaborators"] == ["alice"]
    assert repo["repo"]["full_name"] == "octo-org/octo-repo"
    assert repo["wiki"] == {"status": "missing", "files": {}, "commits": []}


def test_the_request_log_shows_templated_routes_and_bodies(sandbox: Any) -> None:
    sb = sandbox(SCENARIO)
    create(sb, "logged")
    call(sb, "GET", "/repos/octo-org/octo-repo/issues/1", params={"x": "1"})
    log = requests.get(sb.control_url + "/requests", timeout=5).json()
    assert [(e["seq"], e["method"], e["route"], e["status"], e["kind"]) for e in log] == [
        (1, "POST", ISSUES, 201, "api"),
        (2, "GET", "/repos/{owner}/{repo}/issues/{issue_number}", 200, "api"),
    ]
    assert log[1]["path"] == "/api/v3/repos/octo-org/octo-repo/issues/1" and log[1]["query"] == {"x": "1"}
    assert "request_body" not in log[0]
    full = requests.get(sb.control_url + "/requests?bodies=1", timeout=5).json()
    assert full[0]["request_body"] == {"title": "logged"}
    assert full[0]["response_body"]["number"] == 2
    assert full[0]["response_headers"]["Location"].endswith("/issues/2")
    requests.delete(sb.control_url + "/requests", timeout=5)
    assert sb.requests() == []


def test_a_scenario_can_be_swapped_while_running(sandbox: Any) -> None:
    sb = sandbox(SCENARIO)
    requests.post(sb.control_url + "/scenario", json={**SCENARIO, "issues": []}, timeout=5)
    assert sb.repo_state()["issues"] == []


def test_serve_prints_one_json_line_and_exits_cleanly_on_sigterm(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yml"
    scenario.write_text('now: "2026-03-01T10:00:00Z"\nrepo: acme/widgets\nwiki: missing\n')
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pmaction.sandbox", "serve", "--scenario", str(scenario), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        assert set(info) == {"api_url", "server_url", "token", "control_url", "slack_api_url"}
        assert info["server_url"].startswith("http://127.0.0.1:")
        assert info["api_url"] == info["server_url"] + "/api/v3"
        assert info["control_url"] == info["server_url"] + "/_sandbox"
        assert info["slack_api_url"] == info["server_url"] + "/slack/api/"  # slack_sdk's base_url ends in /
        repo = requests.get(
            info["api_url"] + "/repos/acme/widgets",
            headers={"Authorization": f"token {info['token']}"},
            timeout=5,
        )
        assert repo.json()["full_name"] == "acme/widgets"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0
        assert proc.stdout.read() == ""  # exactly one line
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
