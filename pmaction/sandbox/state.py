"""The sandbox's in-memory GitHub: repositories, issues, comments, events, labels, milestones, and what
changed around an incident (deployments with their statuses, releases, pull requests, workflow runs).

These records are mutable on purpose: they are the server's database, changed under one lock by the
REST handlers. Rendering them into GitHub's JSON shapes lives in ``render``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from pmaction.sandbox.slack_state import SlackWorkspace, build_workspace

BOT_LOGIN = "github-actions[bot]"
BOT_ID = 41898282  # the real id of github-actions[bot]; some clients special-case it
PACIFIC = ZoneInfo("America/Los_Angeles")
PERMISSION_LEVELS = {"none": 0, "read": 1, "write": 2, "admin": 3}


def utc(value: datetime) -> datetime:
    """Naive times are taken as UTC; everything stored is aware UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def iso(value: datetime | None) -> str | None:
    """GitHub's timestamp format: second precision, ``Z`` suffix."""
    if value is None:
        return None
    return utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def pacific_date(value: datetime) -> date:
    """GitHub stores milestone due dates as a date in US Pacific time (not UTC)."""
    return utc(value).astimezone(PACIFIC).date()


def pacific_midnight_utc(day: date) -> datetime:
    """How GitHub returns a stored due date: that day's Pacific midnight, in UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=PACIFIC).astimezone(UTC)


class SandboxClock:
    """The sandbox's 'now': set, frozen or advanced by tests; runs in real time when not frozen."""

    def __init__(self, start: datetime | None = None, frozen: bool = False) -> None:
        self._lock = threading.Lock()
        self._base = utc(start) if start is not None else datetime.now(UTC)
        self._mono = time.monotonic()
        self._frozen = frozen

    def now(self) -> datetime:
        with self._lock:
            if self._frozen:
                return self._base
            return self._base + timedelta(seconds=time.monotonic() - self._mono)

    @property
    def frozen(self) -> bool:
        return self._frozen

    def set(self, value: datetime, frozen: bool | None = None) -> None:
        with self._lock:
            self._base = utc(value)
            self._mono = time.monotonic()
            if frozen is not None:
                self._frozen = frozen

    def advance(self, delta: timedelta | relativedelta) -> None:
        current = self.now()
        with self._lock:
            self._base = current + delta
            self._mono = time.monotonic()


@dataclass
class Token:
    token: str
    permissions: dict[str, str]
    user: str | None = None  # a person's token (a PAT): writes are authored by them, not the bot

    def allows(self, scope: str, level: str) -> bool:
        have = PERMISSION_LEVELS.get(self.permissions.get(scope, "none"), 0)
        return have >= PERMISSION_LEVELS[level]


@dataclass
class Label:
    id: int
    name: str
    color: str
    description: str | None
    default: bool = False


@dataclass
class Milestone:
    id: int
    number: int
    title: str
    description: str | None
    state: str
    due_on: date | None
    creator: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None


@dataclass
class Comment:
    id: int
    issue_number: int
    user: str
    body: str
    created_at: datetime
    updated_at: datetime
    author_association: str | None = None  # None: derive from the repo's people


@dataclass
class Event:
    id: int
    event: str
    actor: str
    created_at: datetime
    label: str | None = None
    assignee: str | None = None
    assigner: str | None = None
    milestone: str | None = None
    rename: dict[str, str] | None = None


@dataclass
class Issue:
    id: int
    number: int
    title: str
    body: str | None
    user: str
    created_at: datetime
    updated_at: datetime
    state: str = "open"
    state_reason: str | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    labels: list[str] = field(default_factory=list)  # label names, as the repo spells them
    assignees: list[str] = field(default_factory=list)
    milestone: int | None = None
    is_pull_request: bool = False
    locked: bool = False
    author_association: str | None = None
    comments: list[Comment] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


@dataclass
class DeploymentStatus:
    id: int
    state: str  # error | failure | inactive | pending | success | queued | in_progress
    creator: str
    created_at: datetime
    updated_at: datetime
    description: str = ""
    environment_url: str = ""
    log_url: str = ""
    target_url: str = ""


@dataclass
class Deployment:
    id: int
    sha: str
    ref: str
    environment: str
    creator: str
    created_at: datetime
    updated_at: datetime
    task: str = "deploy"
    description: str | None = None
    payload: dict[str, Any] | str = field(default_factory=dict)
    transient_environment: bool = False
    production_environment: bool = False
    statuses: list[DeploymentStatus] = field(default_factory=list)


@dataclass
class Release:
    id: int
    tag_name: str
    name: str | None
    author: str
    created_at: datetime
    published_at: datetime | None  # None: a draft
    target_commitish: str
    body: str | None = None
    draft: bool = False
    prerelease: bool = False


@dataclass
class Pull:
    """What a pull request has beyond its issue (title, user, state, times and labels live on the Issue)."""

    number: int
    base: str
    head: str
    head_sha: str
    base_sha: str
    merged_at: datetime | None = None
    merge_commit_sha: str | None = None
    merged_by: str | None = None
    draft: bool = False


@dataclass
class WorkflowRun:
    id: int
    name: str
    head_branch: str | None
    head_sha: str
    event: str
    status: str  # queued | in_progress | completed | ...
    conclusion: str | None  # success | failure | cancelled | ... (None until completed)
    created_at: datetime
    updated_at: datetime
    run_started_at: datetime
    actor: str
    run_number: int
    workflow_id: int
    path: str
    display_title: str
    run_attempt: int = 1
    html_url: str | None = None  # None: built from the request's host


@dataclass
class Repo:
    id: int
    owner: str
    name: str
    owner_type: str
    private: bool
    has_issues: bool
    has_wiki: bool
    default_branch: str
    description: str | None
    created_at: datetime
    collaborators: list[str]
    files: dict[str, str]
    wiki_status: str  # created | missing | disabled
    wiki_dir: Path | None = None
    labels: dict[str, Label] = field(default_factory=dict)  # lower-cased name -> label
    milestones: dict[int, Milestone] = field(default_factory=dict)
    issues: dict[int, Issue] = field(default_factory=dict)
    pulls: dict[int, Pull] = field(default_factory=dict)  # number -> the pull part of an Issue
    deployments: list[Deployment] = field(default_factory=list)
    releases: list[Release] = field(default_factory=list)
    workflow_runs: list[WorkflowRun] = field(default_factory=list)
    updated_at: datetime | None = None

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def next_issue_number(self) -> int:
        return max(self.issues, default=0) + 1

    def next_milestone_number(self) -> int:
        return max(self.milestones, default=0) + 1

    def association(self, login: str) -> str:
        if login.lower() == self.owner.lower():
            return "OWNER"
        if login.lower() in {c.lower() for c in self.collaborators}:
            return "COLLABORATOR"
        return "NONE"

    def assignable(self, login: str) -> bool:
        """People with push access; an organization owner is not a person, the bot is never one."""
        if self.owner_type == "User" and login.lower() == self.owner.lower():
            return True
        return login.lower() in {c.lower() for c in self.collaborators}

    def find_comment(self, comment_id: int) -> tuple[Issue, Comment] | None:
        for issue in self.issues.values():
            for comment in issue.comments:
                if comment.id == comment_id:
                    return issue, comment
        return None


class World:
    """Everything the sandbox knows. Guard every read and write with ``lock``."""

    def __init__(self, clock: SandboxClock) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.repos: dict[str, Repo] = {}  # lower-cased owner/name -> repo
        self.tokens: dict[str, Token] = {}
        self.user_ids: dict[str, int] = {BOT_LOGIN.lower(): BOT_ID}
        self._next_id = 1000
        self.rate_used: dict[str, int] = {}
        self.slack: SlackWorkspace = build_workspace(None, clock.now())  # the scenario's `slack:` part
        self.profiles: dict[str, dict[str, str | None]] = {}  # the scenario's `users:`, by lower-case login

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def user_id(self, login: str) -> int:
        key = login.lower()
        if key not in self.user_ids:
            self.user_ids[key] = 5000 + len(self.user_ids)
        return self.user_ids[key]

    def knows_user(self, login: str) -> bool:
        """Someone GitHub has a profile for: given in `users:`, seen in the scenario, or a collaborator."""
        key = login.lower()
        return (
            key in self.profiles
            or key in self.user_ids
            or any(
                key == repo.owner.lower() or key in {c.lower() for c in repo.collaborators}
                for repo in self.repos.values()
            )
        )

    def repo(self, owner: str, name: str) -> Repo | None:
        return self.repos.get(f"{owner}/{name}".lower())

    def repo_by_id(self, repo_id: int) -> Repo | None:
        return next((r for r in self.repos.values() if r.id == repo_id), None)

    def now(self) -> datetime:
        return self.clock.now().replace(microsecond=0)
