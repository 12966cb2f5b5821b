"""Turn a scenario (YAML file, YAML text or dict) into a populated ``World``.

A scenario describes the GitHub the code under test meets: one or more repositories with their
people, tokens, labels, milestones, files, issues (with comments and events) and wiki.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from dateutil import parser as dateparser

from pmaction.sandbox.state import (
    Comment,
    Event,
    Issue,
    Label,
    Milestone,
    Repo,
    SandboxClock,
    Token,
    World,
    pacific_date,
    utc,
)

BUNDLED = Path(__file__).parent / "scenarios"
DEFAULT_TOKEN = "ghs_sandboxDefaultFullAccessToken0001"
FULL_PERMISSIONS = {
    "issues": "write",
    "contents": "write",
    "metadata": "read",
    "pull_requests": "write",
}
DEFAULT_LABEL_COLOR = "ededed"
REPO_KEYS = {
    "repo",
    "private",
    "has_wiki",
    "has_issues",
    "wiki",
    "wiki_pages",
    "default_branch",
    "collaborators",
    "labels",
    "milestones",
    "files",
    "issues",
    "owner_type",
    "description",
}
TOP_KEYS = REPO_KEYS | {"now", "tokens", "repos", "frozen"}

# Creates the wiki repo on disk: (repo_dir, pages). Injected so this module stays pure of git.
WikiInit = Callable[[Path, dict[str, str]], None]


class ScenarioError(ValueError):
    pass


def load_scenario(source: dict[str, Any] | str | Path) -> dict[str, Any]:
    """Accept a dict, a path to a YAML/JSON file, or YAML text."""
    if isinstance(source, dict):
        return source
    bundled = BUNDLED / f"{source}.yml"
    if isinstance(source, str) and re.fullmatch(r"[\w-]+", source) and bundled.is_file():
        source = bundled  # a bundled scenario by name, e.g. "incident"
    text: str
    if isinstance(source, Path) or (
        isinstance(source, str) and "\n" not in source and Path(source).is_file()
    ):
        text = Path(source).read_text(encoding="utf-8")
    else:
        text = str(source)
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ScenarioError("a scenario must be a mapping (see docs/sandbox.md)")
    return data


def parse_time(value: Any, what: str) -> datetime:
    if isinstance(value, datetime):
        return utc(value)
    try:
        return utc(dateparser.isoparse(str(value)))
    except ValueError as exc:
        raise ScenarioError(f"{what}: {value!r} is not an ISO 8601 time") from exc


def build_world(scenario: dict[str, Any], wiki_root: Path, init_wiki: WikiInit) -> World:
    unknown = set(scenario) - TOP_KEYS
    if unknown:
        raise ScenarioError(f"unknown scenario keys: {sorted(unknown)}")
    # A scenario that names its 'now' wants reproducible timestamps, so the clock starts frozen.
    if "now" in scenario:
        clock = SandboxClock(parse_time(scenario["now"], "now"), frozen=bool(scenario.get("frozen", True)))
    else:
        clock = SandboxClock(frozen=bool(scenario.get("frozen", False)))
    world = World(clock)
    entries = list(scenario.get("tokens") or [])
    # Tokens of people (with `user:`) come on top of the bot's token unless a bot token is listed.
    if not any(not entry.get("user") for entry in entries):
        entries.insert(0, {"token": DEFAULT_TOKEN, "permissions": FULL_PERMISSIONS})
    for entry in entries:
        user = str(entry["user"]) if entry.get("user") else None
        permissions = dict(entry.get("permissions") or (FULL_PERMISSIONS if user else {}))
        world.tokens[str(entry["token"])] = Token(str(entry["token"]), permissions, user)
    repos = scenario.get("repos")
    if repos is None:
        repos = [{k: v for k, v in scenario.items() if k in REPO_KEYS}]
    for spec in repos:
        repo = _build_repo(world, spec, wiki_root, init_wiki)
        world.repos[repo.full_name.lower()] = repo
    return world


def _build_repo(world: World, spec: dict[str, Any], wiki_root: Path, init_wiki: WikiInit) -> Repo:
    unknown = set(spec) - REPO_KEYS
    if unknown:
        raise ScenarioError(f"unknown repository keys: {sorted(unknown)}")
    full = str(spec.get("repo", "octo-org/octo-repo"))
    if full.count("/") != 1:
        raise ScenarioError(f"repo: {full!r} must be owner/name")
    owner, name = full.split("/")
    now = world.now()
    has_wiki = bool(spec.get("has_wiki", True))
    pages = {str(k): str(v) for k, v in (spec.get("wiki_pages") or {}).items()}
    status = str(spec.get("wiki", "created" if pages or "wiki" not in spec else "missing"))
    if pages and status != "created" and "wiki" in spec:
        raise ScenarioError("wiki_pages given but wiki is not 'created'")
    if status not in {"created", "missing", "disabled"}:
        raise ScenarioError(f"wiki: {status!r} must be created, missing or disabled")
    if not has_wiki:
        status = "disabled"
    elif status == "disabled":
        has_wiki = False
    repo = Repo(
        id=world.new_id(),
        owner=owner,
        name=name,
        owner_type=str(spec.get("owner_type", "Organization")),
        private=bool(spec.get("private", False)),
        has_issues=bool(spec.get("has_issues", True)),
        has_wiki=has_wiki,
        default_branch=str(spec.get("default_branch", "main")),
        description=spec.get("description"),
        created_at=now,
        collaborators=[str(c) for c in spec.get("collaborators") or []],
        files={str(k): str(v) for k, v in (spec.get("files") or {}).items()},
        wiki_status=status,
    )
    if status == "created":
        repo.wiki_dir = wiki_root / f"{owner}+{name}.wiki.git"
        init_wiki(repo.wiki_dir, pages or {"Home.md": f"Welcome to the {name} wiki!\n"})
    for raw in spec.get("labels") or []:
        entry = {"name": raw} if isinstance(raw, str) else raw
        label = Label(
            world.new_id(),
            str(entry["name"]),
            str(entry.get("color", DEFAULT_LABEL_COLOR)).lstrip("#"),
            entry.get("description"),
            bool(entry.get("default", False)),
        )
        repo.labels[label.name.lower()] = label
    for entry in spec.get("milestones") or []:
        number = int(entry.get("number", repo.next_milestone_number()))
        state = str(entry.get("state", "open"))
        created = parse_time(entry.get("created_at", now), "milestone created_at")
        repo.milestones[number] = Milestone(
            id=world.new_id(),
            number=number,
            title=str(entry["title"]),
            description=entry.get("description"),
            state=state,
            due_on=pacific_date(parse_time(entry["due_on"], "due_on")) if entry.get("due_on") else None,
            creator=str(entry.get("creator", owner)),
            created_at=created,
            updated_at=parse_time(entry.get("updated_at", created), "milestone updated_at"),
            closed_at=parse_time(entry["closed_at"], "closed_at") if entry.get("closed_at") else None,
        )
    for entry in spec.get("issues") or []:
        _add_issue(world, repo, entry)
    return repo


def _ensure_label(world: World, repo: Repo, name: str) -> str:
    key = name.lower()
    if key not in repo.labels:
        repo.labels[key] = Label(world.new_id(), name, DEFAULT_LABEL_COLOR, None)
    return repo.labels[key].name


def _add_issue(world: World, repo: Repo, entry: dict[str, Any]) -> None:
    number = int(entry.get("number", repo.next_issue_number()))
    if number in repo.issues:
        raise ScenarioError(f"issue number {number} used twice")
    created = parse_time(entry.get("created_at", world.now()), f"issue {number} created_at")
    state = str(entry.get("state", "open"))
    closed_at = parse_time(entry["closed_at"], "closed_at") if entry.get("closed_at") else None
    if state == "closed" and closed_at is None:
        raise ScenarioError(f"issue {number} is closed but has no closed_at")
    milestone = entry.get("milestone")
    if milestone is not None and int(milestone) not in repo.milestones:
        raise ScenarioError(f"issue {number}: milestone {milestone} is not in milestones")
    issue = Issue(
        id=world.new_id(),
        number=number,
        title=str(entry.get("title", f"Issue {number}")),
        body=entry.get("body"),
        user=str(entry.get("user", repo.owner)),
        created_at=created,
        updated_at=created,
        state=state,
        state_reason=entry.get("state_reason", "completed" if state == "closed" else None),
        closed_at=closed_at,
        closed_by=entry.get("closed_by"),
        labels=[_ensure_label(world, repo, str(n)) for n in entry.get("labels") or []],
        assignees=[str(a) for a in entry.get("assignees") or []],
        milestone=int(milestone) if milestone is not None else None,
        is_pull_request=bool(entry.get("pull_request", False)),
        locked=bool(entry.get("locked", False)),
        author_association=entry.get("author_association"),
    )
    for raw in entry.get("comments") or []:
        at = parse_time(raw.get("created_at", created), "comment created_at")
        issue.comments.append(
            Comment(
                id=world.new_id(),
                issue_number=number,
                user=str(raw.get("user", repo.owner)),
                body=str(raw.get("body", "")),
                created_at=at,
                updated_at=parse_time(raw.get("updated_at", at), "comment updated_at"),
                author_association=raw.get("author_association"),
            )
        )
    for raw in entry.get("events") or []:
        label = raw.get("label")
        issue.events.append(
            Event(
                id=world.new_id(),
                event=str(raw["event"]),
                actor=str(raw.get("actor", issue.user)),
                created_at=parse_time(raw.get("created_at", created), "event created_at"),
                label=_ensure_label(world, repo, str(label)) if label else None,
                assignee=raw.get("assignee"),
                assigner=raw.get("assigner", raw.get("actor")) if raw.get("assignee") else None,
                milestone=raw.get("milestone"),
                rename=raw.get("rename"),
            )
        )
    issue.comments.sort(key=lambda c: (c.created_at, c.id))
    issue.events.sort(key=lambda e: (e.created_at, e.id))
    stamps = [created, *(c.updated_at for c in issue.comments), *(e.created_at for e in issue.events)]
    if closed_at:
        stamps.append(closed_at)
    issue.updated_at = (
        parse_time(entry["updated_at"], "updated_at") if entry.get("updated_at") else max(stamps)
    )
    repo.issues[number] = issue
