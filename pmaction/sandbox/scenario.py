"""Turn a scenario (YAML file, YAML text or dict) into a populated ``World``.

A scenario describes the GitHub the code under test meets: one or more repositories with their
people, tokens, labels, milestones, files, issues (with comments and events), wiki, and what changed
around an incident (deployments with statuses, releases, pull requests, workflow runs); and the Slack
workspace the incident was handled in (``slack:``, built by ``slack_state``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from dateutil import parser as dateparser

from pmaction.sandbox import slack_state
from pmaction.sandbox.state import (
    Comment,
    Deployment,
    DeploymentStatus,
    Event,
    Issue,
    Label,
    Milestone,
    Pull,
    Release,
    Repo,
    SandboxClock,
    Token,
    WorkflowRun,
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
    "deployments": "write",
    "actions": "write",
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
    "deployments",
    "releases",
    "pulls",
    "workflow_runs",
}
TOP_KEYS = REPO_KEYS | {"now", "tokens", "repos", "frozen", "slack", "users"}
USER_KEYS = {"email", "name"}
DEPLOYMENT_KEYS = {
    "id", "environment", "ref", "sha", "creator", "created_at", "updated_at", "task", "description",
    "payload", "transient_environment", "production_environment", "statuses",
}  # fmt: skip
STATUS_KEYS = {
    "id", "state", "creator", "created_at", "updated_at", "description", "environment_url", "log_url",
    "target_url",
}  # fmt: skip
STATUS_STATES = {"error", "failure", "inactive", "pending", "success", "queued", "in_progress"}
RELEASE_KEYS = {
    "id", "tag_name", "name", "author", "created_at", "published_at", "draft", "prerelease", "body",
    "target_commitish",
}  # fmt: skip
PULL_KEYS = {
    "number", "title", "body", "user", "base", "head", "merged_at", "merged_by", "state", "created_at",
    "updated_at", "closed_at", "labels", "assignees", "milestone", "draft", "author_association",
    "comments", "head_sha", "merge_commit_sha",
}  # fmt: skip
RUN_KEYS = {
    "id", "name", "head_branch", "head_sha", "event", "status", "conclusion", "created_at", "updated_at",
    "run_started_at", "actor", "run_number", "run_attempt", "workflow_id", "path", "display_title",
    "html_url",
}  # fmt: skip
RUN_STATUSES = {"queued", "in_progress", "completed", "requested", "waiting", "pending", "action_required"}
RUN_CONCLUSIONS = {
    "success", "failure", "neutral", "cancelled", "skipped", "timed_out", "action_required", "stale",
    "startup_failure",
}  # fmt: skip

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


def _profiles(users: Any) -> dict[str, dict[str, str | None]]:
    """``users: {alice: {email: alice@example.com, name: Alice}}``: what GET /users/{login} shows (a person
    without a public e-mail has none)."""
    if users is None:
        return {}
    if not isinstance(users, dict):
        raise ScenarioError("users: expected a mapping of login -> {email, name}")
    found: dict[str, dict[str, str | None]] = {}
    for login, spec in users.items():
        spec = spec or {}
        if not isinstance(spec, dict) or set(spec) - USER_KEYS:
            raise ScenarioError(f"users.{login}: expected keys {sorted(USER_KEYS)}")
        found[str(login).lower()] = {
            "login": str(login),
            "email": str(spec["email"]) if spec.get("email") else None,
            "name": str(spec["name"]) if spec.get("name") else None,
        }
    return found


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
    world.profiles = _profiles(scenario.get("users"))
    try:
        world.slack = slack_state.build_workspace(scenario.get("slack"), world.now())
    except slack_state.SlackScenarioError as exc:
        raise ScenarioError(str(exc)) from exc
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
    for entry in spec.get("pulls") or []:
        _add_pull(world, repo, entry)
    for entry in spec.get("deployments") or []:
        repo.deployments.append(_deployment(world, repo, entry))
    for entry in spec.get("releases") or []:
        repo.releases.append(_release(world, repo, entry))
    for entry in spec.get("workflow_runs") or []:
        repo.workflow_runs.append(_workflow_run(world, repo, entry))
    _unique([d.id for d in repo.deployments], "deployment id")
    _unique([s.id for d in repo.deployments for s in d.statuses], "deployment status id")
    _unique([r.id for r in repo.releases], "release id")
    _unique([r.tag_name for r in repo.releases], "release tag_name")
    _unique([r.id for r in repo.workflow_runs], "workflow run id")
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
    if issue.is_pull_request and number not in repo.pulls:
        # An issue marked `pull_request: true` is a pull request into the default branch.
        head = f"pr-{number}"
        repo.pulls[number] = Pull(
            number, repo.default_branch, head, fake_sha(repo, head), fake_sha(repo, "base")
        )


# ---- what changed in the repository ---------------------------------------------------------------------


def fake_sha(repo: Repo, *parts: object) -> str:
    """A stable 40-hex commit id for something a scenario did not give one for."""
    return hashlib.sha1(":".join([repo.full_name, *map(str, parts)]).encode()).hexdigest()


def _unique(values: list[object], what: str) -> None:
    seen: set[object] = set()
    for value in values:
        if value in seen:
            raise ScenarioError(f"{what} {value!r} used twice")
        seen.add(value)


def _check_keys(entry: object, allowed: set[str], what: str) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise ScenarioError(f"{what}: each item must be a mapping")
    unknown = set(entry) - allowed
    if unknown:
        raise ScenarioError(f"unknown {what} keys: {sorted(unknown)}")
    return entry


def _login(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ScenarioError(f"{what}: a person is given by login (a string)")
    return value


def _sha(value: Any, what: str) -> str:
    text = str(value)
    if not re.fullmatch(r"[0-9a-f]{7,40}", text):
        raise ScenarioError(f"{what}: {text!r} is not a commit sha (7 to 40 lower-case hex digits)")
    return text


def _deployment(world: World, repo: Repo, raw: Any) -> Deployment:
    entry = _check_keys(raw, DEPLOYMENT_KEYS, "deployment")
    ident = int(entry.get("id") or world.new_id())
    created = parse_time(entry.get("created_at", world.now()), f"deployment {ident} created_at")
    ref = str(entry.get("ref", repo.default_branch))
    environment = str(entry.get("environment", "production"))
    deployment = Deployment(
        id=ident,
        sha=_sha(entry["sha"], f"deployment {ident} sha") if "sha" in entry else fake_sha(repo, ref, ident),
        ref=ref,
        environment=environment,
        creator=_login(entry.get("creator", repo.owner), f"deployment {ident} creator"),
        created_at=created,
        updated_at=created,
        task=str(entry.get("task", "deploy")),
        description=entry.get("description"),
        payload=entry.get("payload", {}),
        transient_environment=bool(entry.get("transient_environment", False)),
        production_environment=bool(entry.get("production_environment", environment == "production")),
    )
    for raw_status in entry.get("statuses") or []:
        status = _check_keys(raw_status, STATUS_KEYS, "deployment status")
        state = str(status.get("state", "success"))
        if state not in STATUS_STATES:
            raise ScenarioError(
                f"deployment {ident}: status state {state!r} must be one of {sorted(STATUS_STATES)}"
            )
        at = parse_time(status.get("created_at", created), "deployment status created_at")
        deployment.statuses.append(
            DeploymentStatus(
                id=int(status.get("id") or world.new_id()),
                state=state,
                creator=_login(status.get("creator", deployment.creator), "deployment status creator"),
                created_at=at,
                updated_at=parse_time(status.get("updated_at", at), "deployment status updated_at"),
                description=str(status.get("description") or ""),
                environment_url=str(status.get("environment_url") or ""),
                log_url=str(status.get("log_url") or ""),
                target_url=str(status.get("target_url") or ""),
            )
        )
    deployment.statuses.sort(key=lambda s: (s.created_at, s.id))
    stamps = [created, *(s.updated_at for s in deployment.statuses)]
    deployment.updated_at = parse_time(entry.get("updated_at", max(stamps)), "deployment updated_at")
    return deployment


def _release(world: World, repo: Repo, raw: Any) -> Release:
    entry = _check_keys(raw, RELEASE_KEYS, "release")
    if not entry.get("tag_name"):
        raise ScenarioError("release: tag_name is required")
    draft = bool(entry.get("draft", False))
    published = entry.get("published_at", None if draft else world.now())
    published_at = parse_time(published, "release published_at") if published is not None else None
    if draft and published_at is not None:
        raise ScenarioError(f"release {entry['tag_name']}: a draft has no published_at")
    created = parse_time(entry.get("created_at", published_at or world.now()), "release created_at")
    return Release(
        id=int(entry.get("id") or world.new_id()),
        tag_name=str(entry["tag_name"]),
        name=str(entry["name"]) if entry.get("name") is not None else None,
        author=_login(entry.get("author", repo.owner), "release author"),
        created_at=created,
        published_at=published_at,
        target_commitish=str(entry.get("target_commitish", repo.default_branch)),
        body=entry.get("body"),
        draft=draft,
        prerelease=bool(entry.get("prerelease", False)),
    )


def _add_pull(world: World, repo: Repo, raw: Any) -> None:
    entry = _check_keys(raw, PULL_KEYS, "pull")
    number = int(entry.get("number", repo.next_issue_number()))
    if "user" in entry:
        _login(entry["user"], f"pull {number} user")
    merged_at = parse_time(entry["merged_at"], f"pull {number} merged_at") if entry.get("merged_at") else None
    state = str(entry.get("state", "closed" if merged_at else "open"))
    if merged_at is not None and state != "closed":
        raise ScenarioError(f"pull {number}: a merged pull request is closed")
    issue_entry = {
        k: v
        for k, v in entry.items()
        if k in {"title", "body", "user", "created_at", "updated_at", "closed_at", "labels", "assignees",
                 "milestone", "author_association", "comments"}
    }  # fmt: skip
    issue_entry.update(number=number, state=state, pull_request=True)
    issue_entry.setdefault("title", f"Pull request {number}")
    if merged_at is not None:
        issue_entry.setdefault("closed_at", merged_at)
    head = str(entry.get("head", f"pr-{number}"))
    repo.pulls[number] = Pull(
        number=number,
        base=str(entry.get("base", repo.default_branch)),
        head=head,
        head_sha=_sha(entry["head_sha"], f"pull {number} head_sha")
        if "head_sha" in entry
        else fake_sha(repo, head),
        base_sha=fake_sha(repo, "base", number),
        merged_at=merged_at,
        merge_commit_sha=(
            _sha(entry["merge_commit_sha"], f"pull {number} merge_commit_sha")
            if "merge_commit_sha" in entry
            else fake_sha(repo, "merge", number)
        ),
        merged_by=_login(entry["merged_by"], "pull merged_by") if entry.get("merged_by") else None,
        draft=bool(entry.get("draft", False)),
    )
    _add_issue(world, repo, issue_entry)


def _workflow_run(world: World, repo: Repo, raw: Any) -> WorkflowRun:
    entry = _check_keys(raw, RUN_KEYS, "workflow run")
    ident = int(entry.get("id") or world.new_id())
    conclusion = entry.get("conclusion")
    if conclusion is not None and conclusion not in RUN_CONCLUSIONS:
        raise ScenarioError(
            f"workflow run {ident}: conclusion {conclusion!r} must be one of {sorted(RUN_CONCLUSIONS)}"
        )
    status = str(entry.get("status", "completed" if conclusion else "in_progress"))
    if status not in RUN_STATUSES:
        raise ScenarioError(f"workflow run {ident}: status {status!r} must be one of {sorted(RUN_STATUSES)}")
    if (status == "completed") != (conclusion is not None):
        raise ScenarioError(
            f"workflow run {ident}: a completed run has a conclusion, and only a completed one"
        )
    name = str(entry.get("name", "CI"))
    created = parse_time(entry.get("created_at", world.now()), f"workflow run {ident} created_at")
    branch = entry.get("head_branch", repo.default_branch)
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "workflow"
    same_workflow = [r for r in repo.workflow_runs if r.name == name]
    return WorkflowRun(
        id=ident,
        name=name,
        head_branch=str(branch) if branch is not None else None,
        head_sha=_sha(entry["head_sha"], "workflow run head_sha")
        if "head_sha" in entry
        else fake_sha(repo, branch, ident),
        event=str(entry.get("event", "push")),
        status=status,
        conclusion=conclusion,
        created_at=created,
        updated_at=parse_time(entry.get("updated_at", created), "workflow run updated_at"),
        run_started_at=parse_time(entry.get("run_started_at", created), "workflow run run_started_at"),
        actor=_login(entry.get("actor", repo.owner), "workflow run actor"),
        run_number=int(entry.get("run_number", len(same_workflow) + 1)),
        workflow_id=int(entry.get("workflow_id", int(fake_sha(repo, "workflow", slug)[:6], 16))),
        path=str(entry.get("path", f".github/workflows/{slug}.yml")),
        display_title=str(entry.get("display_title", name)),
        run_attempt=int(entry.get("run_attempt", 1)),
        html_url=str(entry["html_url"]) if entry.get("html_url") else None,
    )
