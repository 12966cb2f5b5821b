"""What changed in the repository on the timeline: the GitHub edge's read (pmaction/github/changes.py)
against the sandbox's deployments, releases, pulls and workflow runs, and the source that words them. Every
exchange is checked against GitHub's pinned description at teardown."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from helpers import incident_page, labeled_payload, scenario, timeline_rows

from pmaction.demo import run_action
from pmaction.github.changes import read_changes
from pmaction.github.client import GitHub
from pmaction.github.settings import ApiSettings
from pmaction.incident.model import Incident, Outside
from pmaction.sandbox import Sandbox
from pmaction.timeline.build import build_timeline
from pmaction.timeline.sources.changes import change_entries

# The base scenario's incident is announced 2026-03-01 09:01; the window here is 03:00 to 10:00.
SINCE, UNTIL = datetime(2026, 3, 1, 3, 0, tzinfo=UTC), datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
CHANGES: dict[str, Any] = {
    "deployments": [
        {
            "id": 9001,
            "environment": "production",
            "ref": "main",
            "creator": "alice",
            "created_at": "2026-02-28T08:00:00Z",
        },
        {
            "id": 9002,
            "environment": "production",
            "ref": "v1.2.0",
            "creator": "bob",
            "created_at": "2026-03-01T08:45:00Z",
            "statuses": [
                {"state": "in_progress", "created_at": "2026-03-01T08:45:05Z"},
                {"state": "success", "created_at": "2026-03-01T08:50:00Z", "log_url": "https://ci.example/1"},
            ],
        },
    ],
    "releases": [
        {"tag_name": "v1.1.0", "name": "1.1.0", "author": "alice", "published_at": "2026-02-20T10:00:00Z"},
        {"tag_name": "v1.2.0", "name": "1.2.0", "author": "bob", "published_at": "2026-03-01T08:40:00Z"},
        {"tag_name": "v1.3.0", "author": "bob", "draft": True, "created_at": "2026-03-01T09:30:00Z"},
    ],
    "pulls": [
        {
            "number": 30,
            "title": "Old change",
            "user": "bob",
            "merged_at": "2026-02-27T10:00:00Z",
            "created_at": "2026-02-26T10:00:00Z",
        },
        {
            "number": 31,
            "title": "Roll back the pool size",
            "user": "bob",
            "merged_at": "2026-03-01T09:20:00Z",
            "created_at": "2026-03-01T09:10:00Z",
        },
        {
            "number": 32,
            "title": "Not merged",
            "user": "alice",
            "state": "closed",
            "created_at": "2026-03-01T09:00:00Z",
            "closed_at": "2026-03-01T09:30:00Z",
        },
        {
            "number": 33,
            "title": "Into another branch",
            "user": "alice",
            "base": "release-1",
            "merged_at": "2026-03-01T09:25:00Z",
            "created_at": "2026-03-01T09:00:00Z",
        },
    ],
    "workflow_runs": [
        {
            "id": 7001,
            "name": "Deploy",
            "conclusion": "failure",
            "created_at": "2026-03-01T08:46:00Z",
            "actor": "bob",
        },
        {"id": 7002, "name": "CI", "conclusion": "success", "created_at": "2026-03-01T08:47:00Z"},
        {
            "id": 7003,
            "name": "CI",
            "conclusion": "failure",
            "head_branch": "feature",
            "created_at": "2026-03-01T08:48:00Z",
        },
        {"id": 7004, "name": "CI", "conclusion": "failure", "created_at": "2026-02-28T08:48:00Z"},
    ],
}


@pytest.fixture
def sb(sandbox: Any) -> Sandbox:
    started: Sandbox = sandbox(scenario(**copy.deepcopy(CHANGES)))
    return started


def github_of(sb: Sandbox, token: str | None = None) -> GitHub:
    settings = ApiSettings(api_url=sb.api_url, token=token or sb.token, seconds_between_writes=0, retries=0)
    return GitHub(settings, sb.repo)


def incident_of(sb: Sandbox, outside: Outside) -> Incident:
    github = github_of(sb)
    return Incident(
        repo=github.repository(), issue=github.issue(12), events=github.events(12), outside=outside
    )


def test_what_changed_inside_the_window_and_nothing_outside_it(sb: Sandbox) -> None:
    changes = read_changes(github_of(sb), branch="main", since=SINCE, until=UNTIL)
    assert changes.problems == ()
    assert [d.id for d in changes.deployments] == [9002]
    assert [(s.state, s.creator) for s in changes.deployments[0].statuses] == [
        ("in_progress", "bob"),
        ("success", "bob"),
    ]
    assert [r.tag for r in changes.releases] == ["v1.2.0"]
    assert [(p.number, p.author) for p in changes.pulls] == [(31, "bob")]
    assert [(r.id, r.actor) for r in changes.runs] == [(7001, "bob")]


def test_changes_become_system_rows_with_their_links_and_stable_keys(sb: Sandbox) -> None:
    changes = read_changes(github_of(sb), branch="main", since=SINCE, until=UNTIL)
    rows = change_entries(changes)
    release = next(r for r in sb.repo_state()["releases"] if r["tag_name"] == "v1.2.0")
    assert [(e.key, e.author) for e in rows] == [
        (f"release-{release['id']}", "bob"),
        ("deploy-9002", "bob"),
        (f"deploy-9002-status-{changes.deployments[0].statuses[0].id}", "bob"),
        ("run-7001", "bob"),
        (f"deploy-9002-status-{changes.deployments[0].statuses[1].id}", "bob"),
        ("pull-31", "bob"),
    ]
    by_key = {e.key: e for e in rows}
    assert by_key["pull-31"].text == "Pull request #31 merged: Roll back the pool size"
    assert by_key["pull-31"].url == f"{sb.server_url}/{sb.repo}/pull/31"
    assert by_key["deploy-9002"].text == "Deployment of `v1.2.0` to production created"
    assert by_key["run-7001"].url == f"{sb.server_url}/{sb.repo}/actions/runs/7001"
    timeline = build_timeline(incident_of(sb, Outside(changes=changes)))
    assert {"pull-31", "run-7001", "deploy-9002"} <= {e.key for e in timeline.entries}


def test_a_token_without_the_permissions_is_one_line_per_kind_and_the_rest_is_read(sandbox: Any) -> None:
    tokens = [
        {"token": "ghs_some", "permissions": {"issues": "write", "contents": "read", "metadata": "read"}}
    ]
    sb = sandbox(scenario(tokens=tokens, **copy.deepcopy(CHANGES)))
    changes = read_changes(github_of(sb, "ghs_some"), branch="main", since=SINCE, until=UNTIL)
    assert [r.tag for r in changes.releases] == ["v1.2.0"]  # contents: read
    assert len(changes.problems) == 3
    assert any("deployments: read" in p for p in changes.problems)
    assert any("actions: read" in p for p in changes.problems)


def test_the_request_budget_is_honoured(sb: Sandbox) -> None:
    sb.clear_requests()
    changes = read_changes(github_of(sb), branch="main", since=SINCE, until=UNTIL, budget=2)
    # The deployments page and one deployment's statuses; nothing more.
    assert len([r for r in sb.requests() if r["kind"] == "api"]) == 2
    assert any("used up" in p for p in changes.problems)


def test_a_sync_shows_what_changed_in_the_window_as_rows_and_nothing_outside_it(
    sandbox: Any, tmp_path: Path
) -> None:
    files = {".github/postmortem.yml": "changes: true\n"}
    sb = sandbox(scenario(files=files, **copy.deepcopy(CHANGES)))
    outcome = run_action(sb, "issues", labeled_payload(sb), tmp_path)
    assert outcome.code == 0, outcome.stdout
    assert "::warning" not in outcome.stdout
    page = incident_page(sb)[1]
    rows = "\n".join(timeline_rows(page))
    assert (
        "| 2026-03-01 09:20 UTC | bob | Pull request #31 merged: Roll back the pool size | [pull request]("
        in rows
    )
    assert "Deployment of `v1.2.0` to production: success | [deployment](https://ci.example/1)" in rows
    assert (
        "Release 1.2.0 (`v1.2.0`) published" in rows and "Workflow run Deploy on the default branch" in rows
    )
    for outside in ("Old change", "Not merged", "Into another branch", "1.1.0", "v1.3.0", "`main` to"):
        assert outside not in rows, outside


def test_changes_false_reads_nothing_of_them(sandbox: Any, tmp_path: Path) -> None:
    files = {".github/postmortem.yml": "changes: false\n"}
    sb = sandbox(scenario(files=files, **copy.deepcopy(CHANGES)))
    outcome = run_action(sb, "issues", labeled_payload(sb), tmp_path)
    assert outcome.code == 0, outcome.stdout
    routes = {r["route"] for r in sb.requests()}
    assert not routes & {"/repos/{owner}/{repo}/deployments", "/repos/{owner}/{repo}/pulls"}
    assert "Pull request #31" not in incident_page(sb)[1]


def test_changes_are_on_by_default(sandbox: Any, tmp_path: Path) -> None:
    sb = sandbox(scenario(**copy.deepcopy(CHANGES)))
    outcome = run_action(sb, "issues", labeled_payload(sb), tmp_path)
    assert outcome.code == 0, outcome.stdout
    routes = {r["route"] for r in sb.requests()}
    assert {"/repos/{owner}/{repo}/deployments", "/repos/{owner}/{repo}/pulls"} <= routes
    assert "Pull request #31" in incident_page(sb)[1]
