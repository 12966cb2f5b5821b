"""The REST surface: routes, permission checks, validation and state changes, like GitHub's.

``dispatch`` is pure with respect to HTTP: it takes an ``ApiRequest`` and returns an ``ApiResponse``;
the server does sockets, faults, latency and logging around it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote, unquote, urlencode

from dateutil import parser as dateparser

from pmaction.sandbox import render
from pmaction.sandbox.render import Urls
from pmaction.sandbox.state import (
    BOT_LOGIN,
    Comment,
    Event,
    Issue,
    Label,
    Milestone,
    Repo,
    Token,
    World,
    pacific_date,
    utc,
)

MAX_BODY = 65536
MAX_TITLE = 256
RATE_LIMIT = 5000
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100
HEX_COLOR = re.compile(r"^[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class ApiRequest:
    method: str
    path: str  # below the /api/v3 prefix, still percent-encoded
    query: dict[str, str]
    body: Any
    token: Token | None
    urls: Urls


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: Any = None  # None: empty body (204)
    headers: dict[str, str] = field(default_factory=dict)


class ApiError(Exception):
    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.response = ApiResponse(status, render.error(status, message, **extra))


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def invalid(resource: str, field_name: str, code: str, **extra: Any) -> ApiError:
    return ApiError(
        422, "Validation Failed", errors=[{"resource": resource, "code": code, "field": field_name, **extra}]
    )


@dataclass(frozen=True)
class Ctx:
    world: World
    req: ApiRequest
    params: dict[str, str]

    @property
    def urls(self) -> Urls:
        return self.req.urls

    @property
    def now(self) -> datetime:
        return self.world.now()

    @property
    def actor(self) -> str:
        token = self.req.token
        return token.user if token is not None and token.user else BOT_LOGIN

    def repo(self) -> Repo:
        repo = self.world.repo(self.params["owner"], self.params["repo"])
        if repo is None:
            raise not_found()
        return repo

    def body(self) -> dict[str, Any]:
        body = self.req.body
        if body is None:
            return {}
        if not isinstance(body, dict):
            raise ApiError(400, "Problems parsing JSON")
        return body


Handler = Callable[[Ctx], ApiResponse]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler
    scope: str  # permission the token needs: issues | contents | metadata | pull_requests | deployments
    #             | actions | "" (none)
    regex: re.Pattern[str]


ROUTES: list[Route] = []


def _compile(template: str) -> re.Pattern[str]:
    def group(m: re.Match[str]) -> str:
        name = m.group(1)
        if name == "path":
            return r"(?P<path>.+)"
        if name.endswith("_number") or name.endswith("_id"):
            return rf"(?P<{name}>\d+)"
        return rf"(?P<{name}>[^/]+)"

    return re.compile("^" + re.sub(r"\{(\w+)\}", group, template) + "/?$")


def route(method: str, template: str, scope: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        ROUTES.append(Route(method, template, fn, scope, _compile(template)))
        return fn

    return register


def find_route(method: str, path: str) -> tuple[str | None, Route | None, dict[str, str]]:
    """(templated route for logs/faults, the route for this method if any, decoded path params)."""
    template: str | None = None
    for candidate in ROUTES:
        m = candidate.regex.match(path)
        if not m:
            continue
        template = template or candidate.template
        if candidate.method == method:
            return candidate.template, candidate, {k: unquote(v) for k, v in m.groupdict().items()}
    return template, None, {}


def dispatch(world: World, req: ApiRequest) -> tuple[str | None, ApiResponse]:
    """Answer one authenticated API request; returns (templated route, response)."""
    template, found, params = find_route(req.method, req.path)
    try:
        if req.token is None:
            raise ApiError(401, "Bad credentials")
        if found is None:
            raise not_found()
        with world.lock:
            ctx = Ctx(world, req, params)
            if "owner" in params:
                repo = ctx.repo()
                _check_permission(req.token, found, req.method)
                if found.scope == "issues" and "/issues" in found.template and not repo.has_issues:
                    raise ApiError(410, "Issues are disabled for this repo")
            response = found.handler(ctx)
            if req.method != "GET" and "owner" in params:
                ctx.repo().updated_at = ctx.now
    except ApiError as exc:
        response = exc.response
    return template, response


def _check_permission(token: Token, found: Route, method: str) -> None:
    if not found.scope:
        return
    level = "read" if method in {"GET", "HEAD"} else "write"
    if not token.allows(found.scope, level):
        raise ApiError(403, "Resource not accessible by integration")


# ---------------------------------------------------------------- helpers


def _int_param(ctx: Ctx, name: str, default: int) -> int:
    raw = ctx.req.query.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(str(raw))
    except ValueError:
        return default


def paginate(ctx: Ctx, items: list[Any], repo: Repo | None = None) -> tuple[list[Any], dict[str, str]]:
    """Slice like GitHub and build its ``Link`` header (prev, next, last, first)."""
    per_page = max(1, min(_int_param(ctx, "per_page", DEFAULT_PER_PAGE), MAX_PER_PAGE))
    page = max(1, _int_param(ctx, "page", 1))
    last = max(1, -(-len(items) // per_page))
    chunk = items[(page - 1) * per_page : page * per_page]
    # GitHub points pagination links at /repositories/{id}/..., which it also serves.
    path = ctx.req.path
    if repo is not None:
        prefix = f"/repos/{quote(repo.owner)}/{quote(repo.name)}"
        if path.lower().startswith(prefix.lower()):
            path = f"/repositories/{repo.id}" + path[len(prefix) :]

    def link(number: int, rel: str) -> str:
        query = {k: v for k, v in ctx.req.query.items() if k != "page"}
        query["page"] = str(number)
        return f'<{ctx.urls.api}{path}?{urlencode(query)}>; rel="{rel}"'

    links = []
    if page > 1:
        links.append(link(min(page - 1, last), "prev"))
    if page < last:
        links.append(link(page + 1, "next"))
        links.append(link(last, "last"))
    if page > 1:
        links.append(link(1, "first"))
    return chunk, ({"Link": ", ".join(links)} if links else {})


def _parse_time_field(value: Any, resource: str, field_name: str) -> datetime:
    try:
        return utc(dateparser.isoparse(str(value)))
    except ValueError as exc:
        raise invalid(resource, field_name, "invalid", value=value) from exc


def _since(ctx: Ctx) -> datetime | None:
    raw = ctx.req.query.get("since")
    if not raw:
        return None
    try:
        return utc(dateparser.isoparse(raw))
    except ValueError as exc:
        raise ApiError(422, "Validation Failed", errors=[{"resource": "Search", "code": "invalid"}]) from exc


def _issue(ctx: Ctx, repo: Repo) -> Issue:
    found = repo.issues.get(int(ctx.params["issue_number"]))
    if found is None:
        raise not_found()
    return found


def _event(ctx: Ctx, issue: Issue, kind: str, **fields: Any) -> None:
    issue.events.append(Event(ctx.world.new_id(), kind, ctx.actor, ctx.now, **fields))


def _label_names(raw: Any) -> list[str]:
    if isinstance(raw, dict):
        raw = raw.get("labels", [])
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise invalid("Label", "labels", "invalid")
    names = []
    for item in raw:
        name = item.get("name") if isinstance(item, dict) else item
        if not isinstance(name, str) or not name.strip():
            raise invalid("Label", "name", "invalid")
        names.append(name.strip())
    return names


def _ensure_label(ctx: Ctx, repo: Repo, name: str) -> str:
    """Issues may name labels the repo lacks: GitHub creates them with the default colour."""
    key = name.lower()
    if key not in repo.labels:
        repo.labels[key] = Label(ctx.world.new_id(), name, "ededed", None)
    return repo.labels[key].name


def _set_labels(ctx: Ctx, repo: Repo, issue: Issue, names: list[str]) -> None:
    wanted: list[str] = []
    for name in names:
        canonical = _ensure_label(ctx, repo, name)
        if canonical.lower() not in {w.lower() for w in wanted}:
            wanted.append(canonical)
    old = {n.lower() for n in issue.labels}
    new = {n.lower() for n in wanted}
    for name in issue.labels:
        if name.lower() not in new:
            _event(ctx, issue, "unlabeled", label=name)
    for name in wanted:
        if name.lower() not in old:
            _event(ctx, issue, "labeled", label=name)
    issue.labels = wanted


def _set_assignees(ctx: Ctx, repo: Repo, issue: Issue, logins: list[str]) -> None:
    for login in logins:
        if not repo.assignable(login):
            raise invalid("Issue", "assignees", "invalid", value=login)
    old = {a.lower() for a in issue.assignees}
    new = {a.lower() for a in logins}
    for login in issue.assignees:
        if login.lower() not in new:
            _event(ctx, issue, "unassigned", assignee=login, assigner=ctx.actor)
    for login in logins:
        if login.lower() not in old:
            _event(ctx, issue, "assigned", assignee=login, assigner=ctx.actor)
    issue.assignees = list(dict.fromkeys(logins))


def _set_milestone(ctx: Ctx, repo: Repo, issue: Issue, raw: Any) -> None:
    number: int | None
    if raw is None:
        number = None
    else:
        try:
            number = int(raw)
        except (TypeError, ValueError) as exc:
            raise invalid("Issue", "milestone", "invalid", value=raw) from exc
        if number not in repo.milestones:
            raise invalid("Issue", "milestone", "invalid", value=raw)
    if number == issue.milestone:
        return
    if issue.milestone is not None and issue.milestone in repo.milestones:
        _event(ctx, issue, "demilestoned", milestone=repo.milestones[issue.milestone].title)
    if number is not None:
        _event(ctx, issue, "milestoned", milestone=repo.milestones[number].title)
    issue.milestone = number


def _set_state(ctx: Ctx, issue: Issue, state: Any, reason: Any) -> None:
    if state not in ("open", "closed"):
        raise invalid("Issue", "state", "invalid", value=state)
    if state == issue.state:
        if state == "closed" and reason:
            issue.state_reason = str(reason)
        return
    issue.state = state
    if state == "closed":
        issue.closed_at = ctx.now
        issue.closed_by = ctx.actor
        issue.state_reason = str(reason or "completed")
        _event(ctx, issue, "closed")
    else:
        issue.closed_at = None
        issue.closed_by = None
        issue.state_reason = "reopened"
        _event(ctx, issue, "reopened")


def _check_text(resource: str, field_name: str, value: Any, limit: int) -> str:
    text = str(value)
    if len(text) > limit:
        raise invalid(
            resource,
            field_name,
            "custom",
            message=f"{field_name} is too long (maximum is {limit} characters)",
        )
    return text


def _ok(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> ApiResponse:
    return ApiResponse(status, body, headers or {})


# ---------------------------------------------------------------- repository, contents, people


@route("GET", "/rate_limit", "")
def get_rate_limit(ctx: Ctx) -> ApiResponse:
    token = ctx.req.token
    used = ctx.world.rate_used.get(token.token, 0) if token else 0
    reset = int(datetime.now().timestamp()) + 3600
    core = {"limit": RATE_LIMIT, "used": used, "remaining": RATE_LIMIT - used, "reset": reset}
    search = {"limit": 30, "used": 0, "remaining": 30, "reset": reset}
    graphql = {"limit": RATE_LIMIT, "used": 0, "remaining": RATE_LIMIT, "reset": reset}
    return _ok({"resources": {"core": core, "search": search, "graphql": graphql}, "rate": core})


@route("GET", "/users/{username}", "")
def get_user(ctx: Ctx) -> ApiResponse:
    login = ctx.params["username"]
    if not ctx.world.knows_user(login):
        raise not_found()
    return _ok(render.public_user(ctx.world, ctx.urls, login))


@route("GET", "/repos/{owner}/{repo}", "metadata")
def get_repo(ctx: Ctx) -> ApiResponse:
    token = ctx.req.token
    can_push = bool(token and token.allows("contents", "write"))
    return _ok(render.repository(ctx.world, ctx.urls, ctx.repo(), can_push))


@route("GET", "/repos/{owner}/{repo}/contents/{path}", "contents")
def get_contents(ctx: Ctx) -> ApiResponse:
    repo = ctx.repo()
    ref = ctx.req.query.get("ref") or repo.default_branch
    if ref not in (repo.default_branch, f"refs/heads/{repo.default_branch}"):
        raise ApiError(404, f"No commit found for the ref {ref}")
    path = ctx.params["path"].strip("/")
    if path in repo.files:
        return _ok(render.content_file(ctx.urls, repo, path, repo.files[path], repo.default_branch))
    children: dict[str, str | None] = {}
    for name, text in repo.files.items():
        if name.startswith(path + "/"):
            rest = name[len(path) + 1 :]
            child = rest.split("/", 1)[0]
            children[child] = text if "/" not in rest else None
    if not children:
        raise not_found()
    entries = [
        render.content_entry(ctx.urls, repo, f"{path}/{name}", text, repo.default_branch)
        for name, text in sorted(children.items())
    ]
    return _ok(entries)


@route("GET", "/repos/{owner}/{repo}/collaborators/{username}", "metadata")
def check_collaborator(ctx: Ctx) -> ApiResponse:
    repo = ctx.repo()
    if repo.association(ctx.params["username"]) in {"OWNER", "COLLABORATOR"} and repo.assignable(
        ctx.params["username"]
    ):
        return ApiResponse(204)
    raise not_found()


@route("GET", "/repos/{owner}/{repo}/assignees", "issues")
def list_assignees(ctx: Ctx) -> ApiResponse:
    """Everyone an issue can be assigned to (a User owner, the collaborators), by login, paginated."""
    repo = ctx.repo()
    people = [repo.owner] if repo.owner_type == "User" else []
    people += repo.collaborators
    logins = sorted({login.lower(): login for login in people}.values(), key=str.lower)
    chunk, headers = paginate(ctx, logins, repo)
    return _ok([render.user(ctx.world, ctx.urls, login) for login in chunk], headers=headers)


@route("GET", "/repos/{owner}/{repo}/assignees/{assignee}", "issues")
def check_assignee(ctx: Ctx) -> ApiResponse:
    if ctx.repo().assignable(ctx.params["assignee"]):
        return ApiResponse(204)
    raise not_found()


# ---------------------------------------------------------------- issues


def _issue_filter(ctx: Ctx, repo: Repo) -> list[Issue]:
    q = ctx.req.query
    state = q.get("state", "open")
    items = [i for i in repo.issues.values() if state == "all" or i.state == state]
    if q.get("labels"):
        wanted = {n.strip().lower() for n in q["labels"].split(",") if n.strip()}
        items = [i for i in items if wanted <= {n.lower() for n in i.labels}]
    milestone = q.get("milestone")
    if milestone == "*":
        items = [i for i in items if i.milestone is not None]
    elif milestone == "none":
        items = [i for i in items if i.milestone is None]
    elif milestone:
        if not milestone.isdigit() or int(milestone) not in repo.milestones:
            raise ApiError(404, "Not Found")
        items = [i for i in items if i.milestone == int(milestone)]
    assignee = q.get("assignee")
    if assignee == "none":
        items = [i for i in items if not i.assignees]
    elif assignee == "*":
        items = [i for i in items if i.assignees]
    elif assignee:
        items = [i for i in items if assignee.lower() in {a.lower() for a in i.assignees}]
    if q.get("creator"):
        items = [i for i in items if i.user.lower() == q["creator"].lower()]
    since = _since(ctx)
    if since is not None:
        items = [i for i in items if i.updated_at >= since]
    sort = q.get("sort", "created")
    keys: dict[str, Callable[[Issue], Any]] = {
        "created": lambda i: (i.created_at, i.number),
        "updated": lambda i: (i.updated_at, i.number),
        "comments": lambda i: (len(i.comments), i.number),
    }
    items.sort(key=keys.get(sort, keys["created"]), reverse=q.get("direction", "desc") != "asc")
    return items


@route("GET", "/repos/{owner}/{repo}/issues", "issues")
def list_issues(ctx: Ctx) -> ApiResponse:
    repo = ctx.repo()
    chunk, headers = paginate(ctx, _issue_filter(ctx, repo), repo)
    return _ok([render.issue(ctx.world, ctx.urls, repo, i) for i in chunk], headers=headers)


@route("POST", "/repos/{owner}/{repo}/issues", "issues")
def create_issue(ctx: Ctx) -> ApiResponse:
    repo = ctx.repo()
    body = ctx.body()
    title = body.get("title")
    if title is None or str(title).strip() == "":
        raise invalid("Issue", "title", "missing_field")
    title = _check_text("Issue", "title", title, MAX_TITLE)
    text = _check_text("Issue", "body", body["body"], MAX_BODY) if body.get("body") is not None else None
    now = ctx.now
    issue = Issue(ctx.world.new_id(), repo.next_issue_number(), title, text, ctx.actor, now, now)
    assignees = list(body.get("assignees") or [])
    if body.get("assignee"):
        assignees.insert(0, body["assignee"])
    # Validate everything before touching state: a 422 must leave nothing behind.
    for login in assignees:
        if not repo.assignable(str(login)):
            raise invalid("Issue", "assignees", "invalid", value=login)
    if body.get("milestone") is not None:
        _set_milestone(ctx, repo, Issue(0, 0, "", None, "", now, now), body["milestone"])
    names = _label_names(body.get("labels"))
    _set_labels(ctx, repo, issue, names)
    _set_assignees(ctx, repo, issue, [str(a) for a in assignees])
    if body.get("milestone") is not None:
        _set_milestone(ctx, repo, issue, body["milestone"])
    repo.issues[issue.number] = issue
    location = f"{ctx.urls.repo_api(repo)}/issues/{issue.number}"
    return _ok(render.issue(ctx.world, ctx.urls, repo, issue), 201, {"Location": location})


@route("GET", "/repos/{owner}/{repo}/issues/{issue_number}", "issues")
def get_issue(ctx: Ctx) -> ApiResponse:
    repo = ctx.repo()
    return _ok(render.issue(ctx.world, ctx.urls, repo, _issue(ctx, repo)))


@route("PATCH", "/repos/{owner}/{repo}/issues/{issue_number}", "issues")
def update_issue(ctx: Ctx) -> ApiResponse:
    repo = ctx.repo()
    issue = _issue(ctx, repo)
    body = ctx.body()
    # Validate first so a 422 changes nothing.
    if "title" in body:
        if body["title"] is None or str(body["title"]).strip() == "":
            raise invalid("Issue", "title", "missing_field")
        _check_text("Issue", "title", body["title"], MAX_TITLE)
    if body.get("body") is not None:
        _check_text("Issue", "body", body["body"], MAX_BODY)
    if "state" in body and body["state"] not in ("open", "closed"):
        raise invalid("Issue", "state", "invalid", value=body["state"])
    assignees: list[str] | None = None
    if "assignees" in body or "assignee" in body:
        raw = body.get("assignees")
        assignees = [str(a) for a in raw] if raw is not None else []
        if body.get("assignee"):
            assignees.insert(0, str(body["assignee"]))
        for login in assignees:
            if not repo.assignable(login):
                raise invalid("Issue", "assignees", "invalid", value=login)
    if body.get("milestone") is not None:
        _set_milestone(ctx, repo, Issue(0, 0, "", None, "", ctx.now, ctx.now), body["milestone"])
    names = _label_names(body["labels"]) if "labels" in body else None

    if "title" in body and str(body["title"]) != issue.title:
        _event(ctx, issue, "renamed", rename={"from": issue.title, "to": str(body["title"])})
        issue.title = str(body["title"])
    if "body" in body:
        issue.body = None if body["body"] is None else str(body["body"])
    if names is not None:
        _set_labels(ctx, repo, issue, names)
    if assignees is not None:
        _set_assignees(ctx, repo, issue, assignees)
    if "milestone" in body:
        _set_milestone(ctx, repo, issue, body["milestone"])
    if "state" in body:
        _set_state(ctx, issue, body["state"], body.get("state_reason"))
    elif body.get("state_reason") and issue.state == "closed":
        issue.state_reason = str(body["state_reason"])
    issue.updated_at = ctx.now
    return _ok(render.issue(ctx.world, ctx.urls, repo, issue))


@route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/events", "issues")
def list_issue_events(ctx: Ctx) -> ApiResponse:
    repo = ctx.repo()
    issue = _issue(ctx, repo)
    events = sorted(issue.events, key=lambda e: (e.created_at, e.id))
    chunk, headers = paginate(ctx, events, repo)
    return _ok([render.event(ctx.world, ctx.urls, repo, e) for e in chunk], headers=headers)


# ---------------------------------------------------------------- issue labels


def _issue_labels(ctx: Ctx, repo: Repo, issue: Issue) -> list[dict[str, Any]]:
    return [
        render.label(ctx.urls, repo, repo.labels[n.lower()]) for n in issue.labels if n.lower() in repo.labels
    ]


@route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/labels", "issues")
def list_issue_labels(ctx: Ctx) -> ApiResponse:
    repo = ctx.repo()
    return _ok(_issue_labels(ctx, repo, _issue(ctx, repo)))


@route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels", "issues")
def add_issue_labels(ctx: Ctx) -> ApiResponse:
    repo = ctx.repo()
    issue = _issue(ctx, repo)
    names = _label_names(ctx.req.body)
    _set_labels(ctx, repo, issue, [*issue.labels, *names])
    issue.updated_at = ctx.now
    return _ok(_issue_labels(ctx, repo, issue))


@route("PUT", "/repos/{owner}/{repo}/issues/{issue_number}/labels", "issues")
def set_issue_labels(ctx: Ctx) -> ApiResponse:
    repo = ctx.repo()
    issue = _issue(ctx, repo)
    _set_labels(ctx, repo, issue, _label_names(ctx.req.body))
    issue.updated_at = ctx.now
    return _ok(_issue_labels(ctx, repo, issue))


@route("DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}", "issues")
def remove_issue_label(ctx: Ctx) -> ApiResponse:
    repo = ctx.repo()
    issue = _issue(ctx, repo)
    name = ctx.params["name"].lower()
    if name not in {n.lower() for n in issue.labels}:
        raise ApiError(404, "Label does not exist")
    _set_labels(ctx, repo, issue, [n for n in issue.labels if n.lower() != name])
    issue.updated_at = ctx.now
    return _ok(_issue_labels(ctx, repo, issue))


# ---------------------------------------------------------------- comments


@route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments", "issues")
def list_comments(ctx: Ctx) -> ApiResponse:
    repo = ctx.repo()
    items = sorted(_issue(ctx, repo).comments, key=lambda c: (c.created_at, c.id))
    since = _since(ctx)
    if since is not None:
        items = [c for c in items if c.updated_at >= since]
    chunk, headers = paginate(ctx, items, repo)
    return _ok([render.comment(ctx.world, ctx.urls, repo, c) for c in chunk], headers=headers)


@route("GET", "/repos/{owner}/{repo}/issues/comments", "issues")
def list_repo_comments(ctx: Ctx) -> ApiResponse:
    repo = ctx.repo()
    items = sorted((c for i in repo.issues.values() for c in i.comments), key=lambda c: (c.created_at, c.id))
    if ctx.req.query.get("direction") == "desc":
        items.reverse()
    since = _since(ctx)
    if since is not None:
        items = [c for c in items if c.updated_at >= since]
    chunk, headers = paginate(ctx, items, repo)
    return _ok([render.comment(ctx.world, ctx.urls, repo, c) for c in chunk], headers=headers)


def _comment_body(ctx: Ctx) -> str:
    body = ctx.body().get("body")
    if body is None or str(body) == "":
        raise invalid("IssueComment", "body", "missing_field")
    return _check_text("IssueComment", "body", body, MAX_BODY)


@route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", "issues")
def create_comment(ctx: Ctx) -> ApiResponse:
    repo = ctx.repo()
    issue = _issue(ctx, repo)
    text = _comment_body(ctx)
    now = ctx.now
    item = Comment(ctx.world.new_id(), issue.number, ctx.actor, text, now, now)
    issue.comments.append(item)
    issue.updated_at = now
    data = render.comment(ctx.world, ctx.urls, repo, item)
    return _ok(data, 201, {"Location": data["url"]})


def _comment(ctx: Ctx, repo: Repo) -> tuple[Issue, Comment]:
    found = repo.find_comment(int(ctx.params["comment_id"]))
    if found is None:
        raise not_found()
    return found


@route("GET", "/repos/{owner}/{repo}/issues/comments/{comment_id}", "issues")
def get_comment(ctx: Ctx) -> ApiResponse:
    repo = ctx.repo()
    return _ok(render.comment(ctx.world, ctx.urls, repo, _comment(ctx, repo)[1]))


@route("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}", "issues")
def update_comment(ctx: Ctx) -> ApiResponse:
    repo = ctx.repo()
    issue, item = _comment(ctx, repo)
    item.body = _comment_body(ctx)
    item.updated_at = ctx.now
    issue.updated_at = ctx.now
    return _ok(render.comment(ctx.world, ctx.urls, repo, item))


@route("DELETE", "/repos/{owner}/{repo}/issues/comments/{comment_id}", "issues")
def delete_comment(ctx: Ctx) -> ApiResponse:
    repo = ctx.repo()
    issue, item = _comment(ctx, repo)
    issue.comments.remove(item)
    return ApiResponse(204)


# ---------------------------------------------------------------- labels


def _valid_color(raw: Any) -> str:
    color = str(raw).lstrip("#")
    if not HEX_COLOR.match(color):
        raise invalid("Label", "color", "invalid")
    return color.lower()


@route("GET", "/repos/{owner}/{repo}/labels", "issues")
def list_labels(ctx: Ctx) -> ApiResponse:
    repo = ctx.repo()
    labels = sorted(repo.labels.values(), key=lambda item: item.name.lower())
    chunk, headers = paginate(ctx, labels, repo)
    return _ok([render.label(ctx.urls, repo, item) for item in chunk], headers=headers)


@route("POST", "/repos/{owner}/{repo}/labels", "issues")
def create_label(ctx: Ctx) -> ApiResponse:
    repo = ctx.repo()
    body = ctx.body()
    name = str(body.get("name") or "").strip()
    if not name:
        raise invalid("Label", "name", "missing_field")
    if name.lower() in repo.labels:
        raise invalid("Label", "name", "already_exists")
    color = _valid_color(body.get("color", "ededed"))
    item = Label(ctx.world.new_id(), name, color, body.get("description"))
    repo.labels[name.lower()] = item
    data = render.label(ctx.urls, repo, item)
    return _ok(data, 201, {"Location": data["url"]})


def _label(ctx: Ctx, repo: Repo) -> Label:
    item = repo.labels.get(ctx.params["name"].lower())
    if item is None:
        raise not_found()
    return item


@route("GET", "/repos/{owner}/{repo}/labels/{name}", "issues")
def get_label(ctx: Ctx) -> ApiResponse:
    repo = ctx.repo()
    return _ok(render.label(ctx.urls, repo, _label(ctx, repo)))


@route("PATCH", "/repos/{owner}/{repo}/labels/{name}", "issues")
def update_label(ctx: Ctx) -> ApiResponse:
    repo = ctx.repo()
    item = _label(ctx, repo)
    body = ctx.body()
    new_name = str(body.get("new_name") or item.name)
    if new_name.lower() != item.name.lower() and new_name.lower() in repo.labels:
        raise invalid("Label", "name", "already_exists")
    if "color" in body:
        item.color = _valid_color(body["color"])
    if "description" in body:
        item.description = body["description"]
    if new_name != item.name:
        del repo.labels[item.name.lower()]
        for issue in repo.issues.values():
            issue.labels = [new_name if n.lower() == item.name.lower() else n for n in issue.labels]
        item.name = new_name
        repo.labels[new_name.lower()] = item
    return _ok(render.label(ctx.urls, repo, item))


@route("DELETE", "/repos/{owner}/{repo}/labels/{name}", "issues")
def delete_label(ctx: Ctx) -> ApiResponse:
    repo = ctx.repo()
    item = _label(ctx, repo)
    del repo.labels[item.name.lower()]
    for issue in repo.issues.values():
        issue.labels = [n for n in issue.labels if n.lower() != item.name.lower()]
    return ApiResponse(204)


# ---------------------------------------------------------------- milestones


def _due_on(raw: Any) -> Any:
    if raw is None:
        return None
    return pacific_date(_parse_time_field(raw, "Milestone", "due_on"))


@route("GET", "/repos/{owner}/{repo}/milestones", "issues")
def list_milestones(ctx: Ctx) -> ApiResponse:
    repo = ctx.repo()
    q = ctx.req.query
    state = q.get("state", "open")
    items = [m for m in repo.milestones.values() if state == "all" or m.state == state]
    descending = q.get("direction", "asc") == "desc"
    if q.get("sort") == "completeness":

        def completeness(m: Milestone) -> Any:
            opened, closed = render.milestone_counts(repo, m.number)
            return (closed / (opened + closed) if opened + closed else 0.0, m.number)

        items.sort(key=completeness, reverse=descending)
    else:
        # Milestones without a due date sort after dated ones, whatever the direction.
        dated = sorted((m for m in items if m.due_on), key=lambda m: (m.due_on, m.number), reverse=descending)
        items = dated + sorted((m for m in items if not m.due_on), key=lambda m: m.number)
    chunk, headers = paginate(ctx, items, repo)
    return _ok([render.milestone(ctx.world, ctx.urls, repo, m) for m in chunk], headers=headers)


@route("POST", "/repos/{owner}/{repo}/milestones", "issues")
def create_milestone(ctx: Ctx) -> ApiResponse:
    repo = ctx.repo()
    body = ctx.body()
    title = str(body.get("title") or "").strip()
    if not title:
        raise invalid("Milestone", "title", "missing_field")
    if title.lower() in {m.title.lower() for m in repo.milestones.values()}:
        raise invalid("Milestone", "title", "already_exists")
    state = body.get("state", "open")
    if state not in ("open", "closed"):
        raise invalid("Milestone", "state", "invalid")
    now = ctx.now
    item = Milestone(
        id=ctx.world.new_id(),
        number=repo.next_milestone_number(),
        title=title,
        description=body.get("description"),
        state=state,
        due_on=_due_on(body.get("due_on")),
        creator=ctx.actor,
        created_at=now,
        updated_at=now,
        closed_at=now if state == "closed" else None,
    )
    repo.milestones[item.number] = item
    data = render.milestone(ctx.world, ctx.urls, repo, item)
    return _ok(data, 201, {"Location": data["url"]})


def _milestone(ctx: Ctx, repo: Repo) -> Milestone:
    item = repo.milestones.get(int(ctx.params["milestone_number"]))
    if item is None:
        raise not_found()
    return item


@route("GET", "/repos/{owner}/{repo}/milestones/{milestone_number}", "issues")
def get_milestone(ctx: Ctx) -> ApiResponse:
    repo = ctx.repo()
    return _ok(render.milestone(ctx.world, ctx.urls, repo, _milestone(ctx, repo)))


@route("PATCH", "/repos/{owner}/{repo}/milestones/{milestone_number}", "issues")
def update_milestone(ctx: Ctx) -> ApiResponse:
    repo = ctx.repo()
    item = _milestone(ctx, repo)
    body = ctx.body()
    if "title" in body:
        title = str(body["title"] or "").strip()
        if not title:
            raise invalid("Milestone", "title", "missing_field")
        others = {m.title.lower() for m in repo.milestones.values() if m is not item}
        if title.lower() in others:
            raise invalid("Milestone", "title", "already_exists")
    if "state" in body and body["state"] not in ("open", "closed"):
        raise invalid("Milestone", "state", "invalid")
    due = _due_on(body["due_on"]) if "due_on" in body else item.due_on
    if "title" in body:
        item.title = str(body["title"]).strip()
    if "description" in body:
        item.description = body["description"]
    item.due_on = due
    if "state" in body and body["state"] != item.state:
        item.state = body["state"]
        item.closed_at = ctx.now if item.state == "closed" else None
    item.updated_at = ctx.now
    return _ok(render.milestone(ctx.world, ctx.urls, repo, item))


@route("DELETE", "/repos/{owner}/{repo}/milestones/{milestone_number}", "issues")
def delete_milestone(ctx: Ctx) -> ApiResponse:
    repo = ctx.repo()
    item = _milestone(ctx, repo)
    del repo.milestones[item.number]
    for issue in repo.issues.values():
        if issue.milestone == item.number:
            issue.milestone = None
    return ApiResponse(204)
