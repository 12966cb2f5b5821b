"""Shared helpers for the end-to-end sync tests: run pmaction on a sandbox, act as a person, count writes."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

import requests

from pmaction.engine import run
from pmaction.reporter import CollectingReporter
from pmaction.run.clock import Clock
from pmaction.run.context import Event, RunContext
from pmaction.run.result import Result
from pmaction.sandbox import Sandbox
from pmaction.sandbox.events import load_payload, retarget_payload
from pmaction.text.markers import parse_page_marker

REPO = "octo-org/octo-repo"

# The everyday incident: issue #12 labelled by alice, two collaborators, one outsider (mallory) commenting.
BASE_SCENARIO: dict[str, Any] = {
    "now": "2026-03-01T10:00:00Z",
    "repo": REPO,
    "collaborators": ["alice", "bob"],
    "tokens": [
        {"token": "alice_pat", "user": "alice"},
        {"token": "bob_pat", "user": "bob"},
        {"token": "mallory_pat", "user": "mallory"},
    ],
    "labels": [{"name": "incident", "color": "d73a4a", "description": "Production incident"}],
    "wiki_pages": {"Home.md": "Welcome to the octo-repo wiki!\n"},
    "issues": [
        {
            "number": 12,
            "title": "DB outage: primary failover took 40 minutes",
            "body": "Primary database went away at 08:55 UTC.",
            "user": "alice",
            "labels": ["incident"],
            "created_at": "2026-03-01T09:00:00Z",
            "comments": [
                {"user": "bob", "created_at": "2026-03-01T09:05:00Z", "body": "Paging the DBA on call."},
            ],
            "events": [
                {
                    "event": "labeled",
                    "label": "incident",
                    "actor": "alice",
                    "created_at": "2026-03-01T09:01:00Z",
                }
            ],
        }
    ],
}


def scenario(**overrides: Any) -> dict[str, Any]:
    """The base scenario with top-level keys replaced (None removes one); ``issue={...}`` updates
    issue #12's fields."""
    data = copy.deepcopy(BASE_SCENARIO)
    issue = overrides.pop("issue", None)
    if issue:
        data["issues"][0].update(issue)
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


@dataclass(frozen=True)
class SyncRun:
    result: Result
    reporter: CollectingReporter

    @property
    def warnings(self) -> list[str]:
        return self.reporter.of("warning")

    @property
    def notices(self) -> list[str]:
        return self.reporter.of("notice")


def run_event(sb: Sandbox, event: Event, *, token: str | None = None, **inputs: str) -> SyncRun:
    """One pmaction run on ``event`` against the sandbox, with the sandbox's clock and no write spacing."""
    reporter = CollectingReporter()
    ctx = RunContext(
        repo=sb.repo, api_url=sb.api_url, server_url=sb.server_url, token=token or sb.token, event=event
    )
    merged = {"seconds_between_writes": "0", **inputs}
    result = run(ctx, merged, reporter, Clock(fixed=sb.now()))
    return SyncRun(result, reporter)


def run_sync(sb: Sandbox, number: int, *, token: str | None = None, **inputs: str) -> SyncRun:
    """``command: sync`` for one issue, as a workflow_dispatch run would do it."""
    return run_event(
        sb, Event("workflow_dispatch"), token=token, command="sync", issue_number=str(number), **inputs
    )


def writes(sb: Sandbox) -> int:
    """Non-GET API requests plus wiki pushes in the request log."""
    return sum(
        1
        for r in sb.requests()
        if (r["kind"] == "api" and r["method"] != "GET") or r["route"] == "git:receive-pack"
    )


def write_log(sb: Sandbox) -> list[str]:
    """``METHOD route`` of each write, for readable assertion messages."""
    return [
        f"{r['method']} {r['route']}"
        for r in sb.requests()
        if (r["kind"] == "api" and r["method"] != "GET") or r["route"] == "git:receive-pack"
    ]


def wiki_commits(sb: Sandbox) -> list[dict[str, Any]]:
    commits: list[dict[str, Any]] = sb.repo_state()["wiki"]["commits"]
    return commits


def incident_page(sb: Sandbox, number: int = 12) -> tuple[str, str]:
    """(file name, text) of the incident's page, found by its marker on the first line."""
    for name, text in sorted(sb.wiki_files().items()):
        ref = parse_page_marker(text.split("\n", 1)[0])
        if ref and ref.repo == sb.repo and ref.number == number:
            return name, text
    raise AssertionError(f"no wiki page carries the marker of #{number}: {sorted(sb.wiki_files())}")


def issue_state(sb: Sandbox, number: int) -> dict[str, Any]:
    for issue in sb.repo_state()["issues"]:
        if issue["number"] == number:
            found: dict[str, Any] = issue
            return found
    raise AssertionError(f"#{number} is not in the sandbox")


def status_comments(sb: Sandbox, number: int = 12) -> list[dict[str, Any]]:
    return [c for c in issue_state(sb, number)["comments"] if "<!-- pmaction:status " in c["body"]]


def backlog_issues(sb: Sandbox, incident: int = 12) -> list[dict[str, Any]]:
    """Issues carrying pmaction's item marker for ``incident``, by number."""
    marker = re.compile(rf"<!-- pmaction:item {re.escape(sb.repo)}#{incident} key=[0-9a-f]{{12}} -->\s*$")
    found = [i for i in sb.repo_state()["issues"] if marker.search(i.get("body") or "")]
    return sorted(found, key=lambda i: i["number"])


def timeline_rows(page: str) -> list[str]:
    """The table rows under ``## Timeline`` (header and separator excluded)."""
    lines = page.split("\n")
    start = next(i for i, line in enumerate(lines) if line.strip() == "## Timeline")
    rows: list[str] = []
    for line in lines[start + 1 :]:
        if line.startswith("## "):
            break
        if line.startswith("|"):
            rows.append(line)
    return rows[2:]


def section(page: str, heading: str) -> str:
    """The text between ``## heading`` and the next ``## `` heading."""
    lines = page.split("\n")
    start = lines.index(f"## {heading}")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return "\n".join(lines[start + 1 : end])


class Person:
    """A teammate acting with their own token: what they write is authored by them."""

    def __init__(self, sb: Sandbox, token: str) -> None:
        self.sb = sb
        self.http = requests.Session()
        self.http.trust_env = False  # loopback only: never a proxy from the environment
        self.http.headers.update({"Authorization": f"token {token}", "Accept": "application/vnd.github+json"})

    def _send(self, method: str, path: str, body: Any = None) -> Any:
        url = f"{self.sb.api_url}/repos/{self.sb.repo}{path}"
        response = self.http.request(method, url, json=body, timeout=10)
        response.raise_for_status()
        return response.json() if response.content else None

    def comment(self, number: int, body: str) -> dict[str, Any]:
        made: dict[str, Any] = self._send("POST", f"/issues/{number}/comments", {"body": body})
        return made

    def edit_issue(self, number: int, **fields: Any) -> dict[str, Any]:
        edited: dict[str, Any] = self._send("PATCH", f"/issues/{number}", fields)
        return edited

    def issue(self, number: int) -> dict[str, Any]:
        found: dict[str, Any] = self._send("GET", f"/issues/{number}")
        return found

    def close(self, number: int) -> dict[str, Any]:
        return self.edit_issue(number, state="closed")

    def reopen(self, number: int) -> dict[str, Any]:
        return self.edit_issue(number, state="open")


def labeled_payload(sb: Sandbox, number: int = 12) -> dict[str, Any]:
    """A real `issues.labeled` webhook payload (npm @octokit/webhooks-examples) aimed at a sandbox issue."""
    return retarget_payload(
        load_payload("issues.labeled"),
        full_name=sb.repo,
        issue=Person(sb, sb.token).issue(number),
        server_url=sb.server_url,
        api_url=sb.api_url,
        label="incident",
        repository=sb.repo_state()["repo"],  # as GitHub sends it: the repository as it is
    )
