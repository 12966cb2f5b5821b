"""What changed in the repository around an incident: deployments (with statuses), releases, pull requests
and workflow runs. GitHub's REST shapes (the fields the pinned description requires) and the list routes,
with GitHub's filters and pagination. Its routes join ``api.ROUTES`` when it is imported (the server does).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import quote

from dateutil import parser as dateparser

from pmaction.sandbox import render
from pmaction.sandbox.api import ApiError, ApiResponse, Ctx, not_found, paginate, route
from pmaction.sandbox.render import Urls, node_id, user
from pmaction.sandbox.state import (
    Deployment,
    DeploymentStatus,
    Issue,
    Pull,
    Release,
    Repo,
    WorkflowRun,
    World,
    iso,
    utc,
)

# ---------------------------------------------------------------- shapes


def deployment(world: World, urls: Urls, repo: Repo, item: Deployment) -> dict[str, Any]:
    url = f"{urls.repo_api(repo)}/deployments/{item.id}"
    return {
        "url": url,
        "id": item.id,
        "node_id": node_id("DE", item.id),
        "sha": item.sha,
        "ref": item.ref,
        "task": item.task,
        "payload": item.payload,
        "original_environment": item.environment,
        "environment": item.environment,
        "description": item.description,
        "creator": user(world, urls, item.creator),
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
        "statuses_url": f"{url}/statuses",
        "repository_url": urls.repo_api(repo),
        "transient_environment": item.transient_environment,
        "production_environment": item.production_environment,
        "performed_via_github_app": None,
    }


def deployment_status(
    world: World, urls: Urls, repo: Repo, parent: Deployment, item: DeploymentStatus
) -> dict[str, Any]:
    deployment_url = f"{urls.repo_api(repo)}/deployments/{parent.id}"
    return {
        "url": f"{deployment_url}/statuses/{item.id}",
        "id": item.id,
        "node_id": node_id("DES", item.id),
        "state": item.state,
        "creator": user(world, urls, item.creator),
        "description": item.description,
        "environment": parent.environment,
        "target_url": item.target_url or item.log_url,
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
        "deployment_url": deployment_url,
        "repository_url": urls.repo_api(repo),
        "environment_url": item.environment_url,
        "log_url": item.log_url or item.target_url,
        "performed_via_github_app": None,
    }


def release(world: World, urls: Urls, repo: Repo, item: Release) -> dict[str, Any]:
    url = f"{urls.repo_api(repo)}/releases/{item.id}"
    tag = quote(item.tag_name)
    return {
        "url": url,
        "assets_url": f"{url}/assets",
        "upload_url": f"{urls.server}/api/uploads{url.removeprefix(urls.api)}/assets{{?name,label}}",
        "html_url": f"{urls.repo_html(repo)}/releases/tag/{tag}",
        "id": item.id,
        "author": user(world, urls, item.author),
        "node_id": node_id("RE", item.id),
        "tag_name": item.tag_name,
        "target_commitish": item.target_commitish,
        "name": item.name,
        "draft": item.draft,
        "prerelease": item.prerelease,
        "created_at": iso(item.created_at),
        "published_at": iso(item.published_at),
        "assets": [],
        "tarball_url": f"{urls.repo_api(repo)}/tarball/{tag}",
        "zipball_url": f"{urls.repo_api(repo)}/zipball/{tag}",
        "body": item.body,
    }


def _branch(world: World, urls: Urls, repo: Repo, ref: str, sha: str) -> dict[str, Any]:
    return {
        "label": f"{repo.owner}:{ref}",
        "ref": ref,
        "sha": sha,
        "user": user(world, urls, repo.owner),
        "repo": render.repository(world, urls, repo, token_can_push=True),
    }


def pull(world: World, urls: Urls, repo: Repo, issue: Issue, item: Pull) -> dict[str, Any]:
    api = urls.repo_api(repo)
    url = f"{api}/pulls/{item.number}"
    html = f"{urls.repo_html(repo)}/pull/{item.number}"
    shaped = render.issue(world, urls, repo, issue)
    links = {
        "self": url,
        "html": html,
        "issue": f"{api}/issues/{item.number}",
        "comments": f"{api}/issues/{item.number}/comments",
        "review_comments": f"{url}/comments",
        "review_comment": f"{api}/pulls/comments{{/number}}",
        "commits": f"{url}/commits",
        "statuses": f"{api}/statuses/{item.head_sha}",
    }
    return {
        "url": url,
        "id": issue.id,
        "node_id": node_id("PR", issue.id),
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "issue_url": links["issue"],
        "commits_url": links["commits"],
        "review_comments_url": links["review_comments"],
        "review_comment_url": links["review_comment"],
        "comments_url": links["comments"],
        "statuses_url": links["statuses"],
        "number": item.number,
        "state": issue.state,
        "locked": issue.locked,
        "title": issue.title,
        "user": shaped["user"],
        "body": issue.body,
        "labels": shaped["labels"],
        "milestone": shaped["milestone"],
        "active_lock_reason": None,
        "created_at": iso(issue.created_at),
        "updated_at": iso(issue.updated_at),
        "closed_at": iso(issue.closed_at),
        "merged_at": iso(item.merged_at),
        "merge_commit_sha": item.merge_commit_sha,
        "assignee": shaped["assignee"],
        "assignees": shaped["assignees"],
        "requested_reviewers": [],
        "requested_teams": [],
        "head": _branch(world, urls, repo, item.head, item.head_sha),
        "base": _branch(world, urls, repo, item.base, item.base_sha),
        "_links": {name: {"href": href} for name, href in links.items()},
        "author_association": shaped["author_association"],
        "auto_merge": None,
        "draft": item.draft,
    }


def workflow_run(world: World, urls: Urls, repo: Repo, item: WorkflowRun) -> dict[str, Any]:
    api = urls.repo_api(repo)
    url = f"{api}/actions/runs/{item.id}"
    repository = render.repository(world, urls, repo, token_can_push=True)
    actor = user(world, urls, item.actor)
    return {
        "id": item.id,
        "name": item.name,
        "node_id": node_id("WFR", item.id),
        "check_suite_id": item.id + 1,
        "check_suite_node_id": node_id("CS", item.id + 1),
        "head_branch": item.head_branch,
        "head_sha": item.head_sha,
        "path": item.path,
        "display_title": item.display_title,
        "run_number": item.run_number,
        "run_attempt": item.run_attempt,
        "event": item.event,
        "status": item.status,
        "conclusion": item.conclusion,
        "workflow_id": item.workflow_id,
        "url": url,
        "html_url": item.html_url or f"{urls.repo_html(repo)}/actions/runs/{item.id}",
        "pull_requests": [],
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
        "run_started_at": iso(item.run_started_at),
        "actor": actor,
        "triggering_actor": actor,
        "jobs_url": f"{url}/jobs",
        "logs_url": f"{url}/logs",
        "check_suite_url": f"{api}/check-suites/{item.id + 1}",
        "artifacts_url": f"{url}/artifacts",
        "cancel_url": f"{url}/cancel",
        "rerun_url": f"{url}/rerun",
        "previous_attempt_url": f"{url}/attempts/{item.run_attempt - 1}" if item.run_attempt > 1 else None,
        "workflow_url": f"{api}/actions/workflows/{item.workflow_id}",
        "head_commit": {
            "id": item.head_sha,
            "tree_id": item.head_sha[::-1],
            "message": item.display_title,
            "timestamp": iso(item.created_at),
            "author": {"name": item.actor, "email": f"{item.actor}@users.noreply.github.com"},
            "committer": {"name": "GitHub", "email": "noreply@github.com"},
        },
        "repository": repository,
        "head_repository": repository,
    }


def state(world: World, urls: Urls, repo: Repo) -> dict[str, Any]:
    """A repository's changes in /_sandbox/state: REST shapes, newest first (a deployment with `statuses`)."""
    return {
        "deployments": [
            {
                **deployment(world, urls, repo, d),
                "statuses": [deployment_status(world, urls, repo, d, s) for s in _newest_first(d.statuses)],
            }
            for d in _newest_first(repo.deployments)
        ],
        "releases": [release(world, urls, repo, r) for r in _newest_first(repo.releases)],
        "pulls": [pull(world, urls, repo, repo.issues[n], p) for n, p in sorted(repo.pulls.items())],
        "workflow_runs": [workflow_run(world, urls, repo, r) for r in _newest_first(repo.workflow_runs)],
    }


# ---------------------------------------------------------------- filters


def _query(ctx: Ctx, name: str) -> str | None:
    """A filter's value; GitHub's documented default `none` (deployments) filters nothing."""
    value = ctx.req.query.get(name)
    return value if value not in (None, "", "none") else None


DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _bound(text: str, upper: bool) -> datetime:
    """One end of a search date range: a date covers its whole (UTC) day, a date-time is exact."""
    text = text.strip()
    try:
        value = utc(dateparser.isoparse(text))
    except ValueError as exc:
        error = {"resource": "WorkflowRun", "field": "created", "code": "invalid", "value": text}
        raise ApiError(422, "Validation Failed", errors=[error]) from exc
    if DATE_ONLY.match(text) and upper:
        value = datetime.combine(value.date(), time.max).replace(tzinfo=value.tzinfo)
    return value


def created_range(text: str) -> Callable[[datetime], bool]:
    """GitHub's search syntax for dates: `>=d`, `>d`, `<=d`, `<d`, `a..b` (either end `*`), or `d`."""
    text = text.strip()
    for op in (">=", "<=", ">", "<"):
        if text.startswith(op):
            rest = text[len(op) :]
            day = DATE_ONLY.match(rest.strip()) is not None
            if op == ">=":
                low = _bound(rest, upper=False)
                return lambda t: t >= low
            if op == "<=":
                high = _bound(rest, upper=True)
                return lambda t: t <= high
            if op == ">":
                edge = _bound(rest, upper=True) if day else _bound(rest, upper=False)
                return lambda t: t > edge
            edge = _bound(rest, upper=False)
            return lambda t: t < edge
    if ".." in text:
        start, _, end = text.partition("..")
        since: datetime | None = None if start.strip() in ("", "*") else _bound(start, upper=False)
        until: datetime | None = None if end.strip() in ("", "*") else _bound(end, upper=True)
        return lambda t: (since is None or t >= since) and (until is None or t <= until)
    low, high = _bound(text, upper=False), _bound(text, upper=True)
    if not DATE_ONLY.match(text):
        return lambda t: t == low
    return lambda t: low <= t <= high


# ---------------------------------------------------------------- routes


def _newest_first(items: list[Any]) -> list[Any]:
    return sorted(items, key=lambda x: (x.created_at, x.id), reverse=True)


@route("GET", "/repos/{owner}/{repo}/deployments", "deployments")
def list_deployments(ctx: Ctx) -> ApiResponse:
    repo = ctx.repo()
    items = _newest_first(repo.deployments)
    for name in ("sha", "ref", "task", "environment"):
        wanted = _query(ctx, name)
        if wanted is not None:
            items = [d for d in items if getattr(d, name) == wanted]
    chunk, headers = paginate(ctx, items, repo)
    return ApiResponse(200, [deployment(ctx.world, ctx.urls, repo, d) for d in chunk], headers)


@route("GET", "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses", "deployments")
def list_deployment_statuses(ctx: Ctx) -> ApiResponse:
    repo = ctx.repo()
    wanted = int(ctx.params["deployment_id"])
    parent = next((d for d in repo.deployments if d.id == wanted), None)
    if parent is None:
        raise not_found()
    chunk, headers = paginate(ctx, _newest_first(parent.statuses), repo)
    body = [deployment_status(ctx.world, ctx.urls, repo, parent, s) for s in chunk]
    return ApiResponse(200, body, headers)


@route("GET", "/repos/{owner}/{repo}/releases", "contents")
def list_releases(ctx: Ctx) -> ApiResponse:
    repo = ctx.repo()
    chunk, headers = paginate(ctx, _newest_first(repo.releases), repo)
    return ApiResponse(200, [release(ctx.world, ctx.urls, repo, r) for r in chunk], headers)


def _pull_filter(ctx: Ctx, repo: Repo) -> list[tuple[Issue, Pull]]:
    q = ctx.req.query
    state = q.get("state", "open")
    if state not in ("open", "closed", "all"):
        raise ApiError(
            422, "Validation Failed", errors=[{"resource": "Search", "field": "state", "code": "invalid"}]
        )
    items = [(repo.issues[n], p) for n, p in repo.pulls.items() if n in repo.issues]
    items = [(i, p) for i, p in items if state == "all" or i.state == state]
    if q.get("base"):
        items = [(i, p) for i, p in items if p.base == q["base"]]
    if q.get("head"):
        owner, _, branch = q["head"].rpartition(":")
        items = [
            (i, p)
            for i, p in items
            if p.head == branch and (not owner or owner.lower() == repo.owner.lower())
        ]
    sort = q.get("sort", "created")
    now = ctx.now
    if sort == "long-running":
        # Open for more than a month, with activity within the past month (GitHub's definition).
        month = timedelta(days=30)
        items = [(i, p) for i, p in items if now - i.created_at > month and now - i.updated_at <= month]
    keys: dict[str, Callable[[tuple[Issue, Pull]], Any]] = {
        "created": lambda pair: (pair[0].created_at, pair[0].number),
        "updated": lambda pair: (pair[0].updated_at, pair[0].number),
        "popularity": lambda pair: (len(pair[0].comments), pair[0].number),
        "long-running": lambda pair: (pair[0].created_at, pair[0].number),
    }
    # GitHub: "Default: desc when sort is created or sort is not specified, otherwise asc."
    direction = q.get("direction") or ("desc" if sort == "created" else "asc")
    items.sort(key=keys.get(sort, keys["created"]), reverse=direction == "desc")
    return items


@route("GET", "/repos/{owner}/{repo}/pulls", "pull_requests")
def list_pulls(ctx: Ctx) -> ApiResponse:
    repo = ctx.repo()
    chunk, headers = paginate(ctx, _pull_filter(ctx, repo), repo)
    return ApiResponse(200, [pull(ctx.world, ctx.urls, repo, i, p) for i, p in chunk], headers)


@route("GET", "/repos/{owner}/{repo}/actions/runs", "actions")
def list_workflow_runs(ctx: Ctx) -> ApiResponse:
    repo = ctx.repo()
    q = ctx.req.query
    items = _newest_first(repo.workflow_runs)
    if q.get("actor"):
        items = [r for r in items if r.actor.lower() == q["actor"].lower()]
    if q.get("branch"):
        items = [r for r in items if r.head_branch == q["branch"]]
    if q.get("event"):
        items = [r for r in items if r.event == q["event"]]
    if q.get("status"):
        # One parameter for both: a status (queued, completed, ...) or a conclusion (failure, success, ...).
        items = [r for r in items if q["status"] in (r.status, r.conclusion)]
    if q.get("head_sha"):
        items = [r for r in items if r.head_sha == q["head_sha"]]
    if q.get("check_suite_id"):
        items = [r for r in items if str(r.id + 1) == q["check_suite_id"]]
    if q.get("created"):
        inside = created_range(q["created"])
        items = [r for r in items if inside(r.created_at)]
    chunk, headers = paginate(ctx, items, repo)
    runs = [workflow_run(ctx.world, ctx.urls, repo, r) for r in chunk]
    return ApiResponse(200, {"total_count": len(items), "workflow_runs": runs}, headers)
