"""What changed in the repository in a time window: deployments (with their statuses), releases, merged pull
requests and failed workflow runs on the default branch, as plain data.

A read of the GitHub edge in a module of its own: it builds its PyGithub client from the edge's public
settings (``GitHub.settings``, ``GitHub.full_name``) and goes through the same ``call`` error translation.
Every listing is newest first, so reading stops at the first item older than the window; ``budget`` caps
the requests one run spends here (a page of 100, or one deployment's statuses, is one request).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeGuard

from github.GithubObject import GithubObject

from pmaction.errors import PermissionMissing, PmactionError
from pmaction.github.client import GitHub
from pmaction.github.convert import parse_time, payload_of
from pmaction.github.errors import call
from pmaction.github.retry import build_client

DEFAULT_BUDGET = 50
_PAGE = 100  # build_client asks for 100 a page


@dataclass(frozen=True)
class DeploymentStatus:
    id: int
    state: str
    creator: str | None
    when: datetime
    url: str | None


@dataclass(frozen=True)
class Deployment:
    id: int
    environment: str
    ref: str
    creator: str | None
    when: datetime
    statuses: tuple[DeploymentStatus, ...] = ()  # oldest first


@dataclass(frozen=True)
class Release:
    id: int
    tag: str
    name: str
    author: str | None
    when: datetime
    url: str | None


@dataclass(frozen=True)
class MergedPull:
    number: int
    title: str
    author: str | None
    when: datetime  # merged_at
    url: str | None


@dataclass(frozen=True)
class FailedRun:
    id: int
    name: str
    conclusion: str
    actor: str | None
    when: datetime
    url: str | None


@dataclass(frozen=True)
class RepoChanges:
    deployments: tuple[Deployment, ...] = ()
    releases: tuple[Release, ...] = ()
    pulls: tuple[MergedPull, ...] = ()
    runs: tuple[FailedRun, ...] = ()
    problems: tuple[str, ...] = ()  # one line per kind that could not be read


@dataclass
class _Budget:
    left: int
    spent_out: list[str] = field(default_factory=list)

    def items(self, listing: Iterable[GithubObject], what: str) -> Iterator[dict[str, Any]]:
        """The listing's payloads, while pages are left in the budget (checked before each page is asked
        for: PyGithub requests a page when its first item is wanted)."""
        found = iter(listing)
        index = 0
        while True:
            if index % _PAGE == 0:
                if self.left <= 0:
                    self.spent_out.append(what)
                    return
                self.left -= 1
            item = next(found, None)
            if item is None:
                return
            yield payload_of(item)
            index += 1


def _login(payload: dict[str, Any], key: str) -> str | None:
    person = payload.get(key)
    return str(person["login"]) if isinstance(person, dict) and person.get("login") else None


def _in(when: datetime | None, since: datetime, until: datetime) -> TypeGuard[datetime]:
    return when is not None and since <= when <= until


def _statuses(budget: _Budget, deployment: Any) -> tuple[DeploymentStatus, ...]:
    found = []
    for raw in budget.items(deployment.get_statuses(), "deployment statuses"):
        when = parse_time(raw.get("created_at"))
        if when is not None:
            url = raw.get("log_url") or raw.get("target_url") or raw.get("environment_url")
            found.append(
                DeploymentStatus(int(raw["id"]), str(raw.get("state")), _login(raw, "creator"), when, url)
            )
    return tuple(sorted(found, key=lambda s: (s.when, s.id)))


def _deployments(repo: Any, budget: _Budget, since: datetime, until: datetime) -> tuple[Deployment, ...]:
    found = []
    for raw in budget.items(repo.get_deployments(), "deployments"):
        when = parse_time(raw.get("created_at"))
        if when is not None and when < since:
            break  # newest first: the rest is older
        if not _in(when, since, until):
            continue
        # The client is lazy: this object costs no GET, only its statuses listing is requested.
        statuses = _statuses(budget, repo.get_deployment(int(raw["id"])))
        found.append(
            Deployment(
                int(raw["id"]),
                str(raw.get("environment") or ""),
                str(raw.get("ref") or ""),
                _login(raw, "creator"),
                when,
                statuses,
            )
        )
    return tuple(found)


def _releases(repo: Any, budget: _Budget, since: datetime, until: datetime) -> tuple[Release, ...]:
    found = []
    for raw in budget.items(repo.get_releases(), "releases"):
        created = parse_time(raw.get("created_at"))
        if created is not None and created < since:
            break  # newest first by creation; a release is published after it is created
        when = parse_time(raw.get("published_at"))  # a draft has none: it did not change anything yet
        if raw.get("draft") or not _in(when, since, until):
            continue
        name = str(raw.get("name") or raw.get("tag_name") or "")
        found.append(
            Release(
                int(raw["id"]), str(raw["tag_name"]), name, _login(raw, "author"), when, raw.get("html_url")
            )
        )
    return tuple(found)


def _pulls(repo: Any, budget: _Budget, base: str, since: datetime, until: datetime) -> tuple[MergedPull, ...]:
    found = []
    listing = repo.get_pulls(state="closed", base=base, sort="updated", direction="desc")
    for raw in budget.items(listing, "pull requests"):
        updated = parse_time(raw.get("updated_at"))
        if updated is not None and updated < since:
            break  # a merge updates the pull request: the rest were merged before the window, if at all
        when = parse_time(raw.get("merged_at"))
        if _in(when, since, until):
            title = str(raw.get("title") or "")
            found.append(
                MergedPull(int(raw["number"]), title, _login(raw, "user"), when, raw.get("html_url"))
            )
    return tuple(found)


def _runs(repo: Any, budget: _Budget, branch: str, since: datetime, until: datetime) -> tuple[FailedRun, ...]:
    window = f"{since:%Y-%m-%dT%H:%M:%SZ}..{until:%Y-%m-%dT%H:%M:%SZ}"
    found = []
    listing = repo.get_workflow_runs(branch=branch, status="failure", created=window)
    for raw in budget.items(listing, "workflow runs"):
        when = parse_time(raw.get("created_at"))
        if _in(when, since, until):
            name = str(raw.get("name") or raw.get("display_title") or "workflow")
            conclusion = str(raw.get("conclusion") or "failure")
            found.append(
                FailedRun(int(raw["id"]), name, conclusion, _login(raw, "actor"), when, raw.get("html_url"))
            )
    return tuple(found)


def _permission(kind: str) -> str:
    return {
        "deployments": "deployments: read",
        "releases": "contents: read",
        "merged pull requests": "pull-requests: read",
        "failed workflow runs": "actions: read",
    }[kind]


def _read(kind: str, read: Callable[[], tuple[Any, ...]], problems: list[str]) -> tuple[Any, ...]:
    """One kind of change; a failure is one line for the run's warnings, and the other kinds are still
    read."""
    try:
        return call(f"list the repository's {kind}", read)
    except PermissionMissing:
        problems.append(
            f"The token may not list the repository's {kind}, so they are not on the timeline: give the job "
            f"`permissions: {{{_permission(kind)}}}` (or set `changes: false` in the config file)"
        )
    except PmactionError as exc:
        problems.append(f"{exc} (the timeline has no {kind} this time)")
    return ()


def read_changes(
    github: GitHub, *, branch: str, since: datetime, until: datetime, budget: int = DEFAULT_BUDGET
) -> RepoChanges:
    """Deployments, releases, pull requests merged into ``branch`` and its failed workflow runs, each from
    ``since`` to ``until``."""
    repo = build_client(github.settings).get_repo(github.full_name)  # lazy client: no request
    spend = _Budget(budget)
    problems: list[str] = []
    changes = RepoChanges(
        deployments=_read("deployments", lambda: _deployments(repo, spend, since, until), problems),
        releases=_read("releases", lambda: _releases(repo, spend, since, until), problems),
        pulls=_read("merged pull requests", lambda: _pulls(repo, spend, branch, since, until), problems),
        runs=_read("failed workflow runs", lambda: _runs(repo, spend, branch, since, until), problems),
    )
    for what in dict.fromkeys(spend.spent_out):
        problems.append(
            f"Listing the repository's {what} used up this run's {budget} requests for changes: the timeline "
            "shows the newest ones; narrow changes_lead_hours to see the rest"
        )
    return RepoChanges(changes.deployments, changes.releases, changes.pulls, changes.runs, tuple(problems))
