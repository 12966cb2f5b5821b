"""The sandbox's HTTP side: one port for the REST API (/api/v3), the wikis (git smart HTTP), the Slack
Web API stand-in (/slack/api/) and the control endpoints (/_sandbox), plus the ``Sandbox`` handle tests
and ``pmaction demo`` use.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import importlib
import io
import json
import re
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from dateutil import parser as dateparser
from dateutil.relativedelta import relativedelta

# `changes` adds the deployment, release, pull and workflow-run routes to api.ROUTES.
from pmaction.sandbox import api, changes, etags, graphql_api, render, slack_api, slack_state
from pmaction.sandbox.faults import Fault, FaultAnswer, FaultBook, FaultError, answer_for, parse_fault
from pmaction.sandbox.render import API_PREFIX, Urls
from pmaction.sandbox.scenario import ScenarioError, build_world, load_scenario
from pmaction.sandbox.state import BOT_LOGIN, Token, World, iso, utc

CONTROL_PREFIX = "/_sandbox"
WIKI_FILE_PATH = re.compile(r"^/(?P<owner>[^/]+)/(?P<repo>[^/]+)/wiki/(?P<file>[^/]+\.[A-Za-z0-9]+)$")
WIKI_FILE_TYPES = {
    "svg": "image/svg+xml",
    "ics": "text/calendar; charset=utf-8",
    "png": "image/png",
    "md": "text/plain; charset=utf-8",
}
GIT_PATH = re.compile(r"^/(?P<owner>[^/]+)/(?P<repo>[^/]+?)\.wiki\.git(?P<rest>/.*)?$")
REPOSITORIES_PATH = re.compile(r"^/repositories/(?P<id>\d+)(?P<rest>/.*)?$")
GIT_ROUTES = {
    "/info/refs": "git:info-refs",
    "/git-upload-pack": "git:upload-pack",
    "/git-receive-pack": "git:receive-pack",
}
DURATION = re.compile(
    r"^P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def parse_advance(value: Any) -> timedelta | relativedelta:
    """Seconds (number) or an ISO 8601 duration such as P60D, P2M, PT90M."""
    if isinstance(value, int | float):
        return timedelta(seconds=float(value))
    m = DURATION.match(str(value).strip().upper())
    if not m or not any(m.groupdict().values()):
        raise ValueError(f"advance: {value!r} is neither seconds nor an ISO 8601 duration like P60D")
    parts = {k: float(v) for k, v in m.groupdict().items() if v}
    if "years" in parts or "months" in parts:
        return relativedelta(
            years=int(parts.pop("years", 0)),
            months=int(parts.pop("months", 0)),
            weeks=int(parts.pop("weeks", 0)),
            days=int(parts.pop("days", 0)),
            hours=int(parts.pop("hours", 0)),
            minutes=int(parts.pop("minutes", 0)),
            seconds=int(parts.pop("seconds", 0)),
        )
    return timedelta(**parts)


def _gitwiki() -> Any:
    # Imported late: the git backend is a separate module and only wikis need it.
    return importlib.import_module("pmaction.sandbox.gitwiki")


def _init_wiki(repo_dir: Path, pages: dict[str, str]) -> None:
    _gitwiki().init_wiki_repo(repo_dir, pages)


@dataclass
class Core:
    """Everything the handler threads share."""

    world: World
    workdir: Path
    faults: FaultBook = field(default_factory=FaultBook)
    latency_ms: int = 0
    log: list[dict[str, Any]] = field(default_factory=list)
    log_lock: threading.Lock = field(default_factory=threading.Lock)
    seq: int = 0
    resets: int = 0

    def record(self, entry: dict[str, Any]) -> None:
        with self.log_lock:
            self.seq += 1
            # `counted`: whether GitHub would have counted it against the primary rate limit.
            self.log.append({"seq": self.seq, "counted": False, **entry})

    def requests(self, bodies: bool = False) -> list[dict[str, Any]]:
        keep = {"request_body", "response_body", "request_headers", "response_headers"}
        with self.log_lock:
            return [{k: v for k, v in e.items() if bodies or k not in keep} for e in self.log]

    def clear_requests(self) -> None:
        with self.log_lock:
            self.log.clear()

    def reset(self, scenario: dict[str, Any] | str | Path) -> None:
        self.resets += 1
        wiki_root = self.workdir / f"wikis-{self.resets}"
        wiki_root.mkdir(parents=True)
        world = build_world(load_scenario(scenario), wiki_root, _init_wiki)
        self.world = world
        self.faults.clear()
        self.clear_requests()

    def state(self, server_url: str) -> dict[str, Any]:
        world = self.world
        urls = Urls(server_url)
        with world.lock:
            repos = {}
            for repo in world.repos.values():
                issues = []
                for issue in sorted(repo.issues.values(), key=lambda i: i.number):
                    data = render.issue(world, urls, repo, issue)
                    data["comments"] = [render.comment(world, urls, repo, c) for c in issue.comments]
                    data["events"] = [render.event(world, urls, repo, e) for e in issue.events]
                    issues.append(data)
                repos[repo.full_name] = {
                    "repo": render.repository(world, urls, repo, token_can_push=True),
                    "issues": issues,
                    "labels": [render.label(urls, repo, x) for x in repo.labels.values()],
                    "milestones": [
                        render.milestone(world, urls, repo, m)
                        for m in sorted(repo.milestones.values(), key=lambda m: m.number)
                    ],
                    "collaborators": list(repo.collaborators),
                    "files": dict(repo.files),
                    "wiki": self.wiki_state(repo.wiki_status, repo.wiki_dir),
                    **changes.state(world, urls, repo),
                }
            slack = slack_state.snapshot(world.slack)
        return {"now": iso(world.now()), "clock_frozen": world.clock.frozen, "repos": repos, "slack": slack}

    @staticmethod
    def wiki_state(status: str, repo_dir: Path | None) -> dict[str, Any]:
        if status != "created" or repo_dir is None:
            return {"status": status, "files": {}, "commits": []}
        gitwiki = _gitwiki()
        return {
            "status": status,
            "files": gitwiki.read_master_files(repo_dir),
            "commits": gitwiki.commit_log(repo_dir),
        }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    core: Core


def _token_from_header(header: str | None, world: World, allow_basic: bool) -> Token | None:
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() in ("token", "bearer"):
        return world.tokens.get(value)
    if scheme.lower() == "basic" and allow_basic:
        try:
            decoded = base64.b64decode(value, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        # Any username works; the password is the token (x-access-token:TOKEN is the convention).
        return world.tokens.get(decoded.partition(":")[2])
    return None


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"
    server_version = "GitHub.com-sandbox"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request log at /_sandbox/requests replaces stderr noise

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    # ------------------------------------------------------------ plumbing

    @property
    def core(self) -> Core:
        return self.server.core

    def _server_url(self) -> str:
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        return f"http://{host}"

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            return self.rfile.read(length)
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            out = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        return b""

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> bytes:
        body = b"" if payload is None else json.dumps(payload).encode()
        all_headers = {"Content-Type": "application/json; charset=utf-8"} if payload is not None else {}
        all_headers.update(headers or {})
        self._send(status, all_headers, body)
        return body

    def _drop(self) -> None:
        """Close the connection without a byte of answer, as a dying proxy would."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.wfile.flush()
        self.wfile = io.BytesIO()  # anything written after this is discarded

    def _handle(self) -> None:
        started = time.monotonic()
        self._received_at = time.time()  # wall clock, so a benchmark can time process start to first request
        split = urlsplit(self.path)
        path = split.path
        if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
            self._control(path[len(CONTROL_PREFIX) :].strip("/"), split.query)
            return
        if self.core.latency_ms:
            time.sleep(self.core.latency_ms / 1000)
        git = GIT_PATH.match(path)
        raw = WIKI_FILE_PATH.match(path) if self.command in ("GET", "HEAD") else None
        if git:
            self._git(git, split.query, started)
        elif raw:
            self._wiki_file(raw)
        elif path.startswith(slack_api.SLACK_PREFIX + "/"):
            self._slack(path, split.query, started)
        else:
            self._api(path, split.query, started)

    # ------------------------------------------------------------ a wiki's files, as the browser gets them

    def _wiki_file(self, match: re.Match[str]) -> None:
        """``/owner/repo/wiki/<file>``: a file committed to the wiki (an image, a calendar), served raw as
        github.com does for a relative link on a page. Pages themselves are not rendered here."""
        world = self.core.world
        with world.lock:
            repo = world.repo(match["owner"], match["repo"])
            repo_dir = repo.wiki_dir if repo is not None and repo.wiki_status == "created" else None
            files = _gitwiki().read_master_files(repo_dir) if repo_dir is not None else {}
        name = unquote(match["file"])
        if name not in files:
            self._send(404, {"Content-Type": "text/plain; charset=utf-8"}, b"Not Found")
            return
        kind = WIKI_FILE_TYPES.get(name.rsplit(".", 1)[-1].lower(), "text/plain; charset=utf-8")
        self._send(200, {"Content-Type": kind}, files[name].encode("utf-8"))

    # ------------------------------------------------------------ REST

    def _api(self, path: str, raw_query: str, started: float) -> None:
        core = self.core
        world = core.world
        raw_body = self._read_body()
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        api_path = path[len(API_PREFIX) :] if path.startswith(API_PREFIX + "/") else None
        if api_path is not None:
            by_id = REPOSITORIES_PATH.match(api_path)
            if by_id:
                repo = world.repo_by_id(int(by_id.group("id")))
                if repo is not None:
                    api_path = f"/repos/{repo.owner}/{repo.name}{by_id.group('rest') or ''}"
        graphql = path == graphql_api.GRAPHQL_PATH and self.command == "POST"
        route = "/graphql" if graphql else api.find_route(self.command, api_path)[0] if api_path else None
        entry: dict[str, Any] = {
            "method": self.command,
            "route": route,
            "path": path,
            "query": query,
            "kind": "api",
            "fault": None,
            "at": self._received_at,
        }
        request_body: Any = None
        try:
            request_body = json.loads(raw_body) if raw_body.strip() else None
            body_ok = True
        except (ValueError, UnicodeDecodeError):
            body_ok = False
        fault = core.faults.take(self.command, route)
        status, headers, payload = 0, {}, None
        sent = True
        if fault is not None:
            entry["fault"] = fault.kind
            if fault.kind == "slow":
                time.sleep(fault.delay_ms / 1000)
        canned: FaultAnswer | None = answer_for(fault) if fault else None
        if fault is not None and fault.kind == "drop":
            self._drop()
            sent = False
        elif canned is not None:
            status, headers, payload = canned.status, canned.headers, canned.body
        elif graphql:
            status, payload, headers, entry["counted"] = self._graphql(request_body, body_ok)
        elif api_path is None:
            status, payload = 404, render.error(404, "Not Found")
        elif not body_ok:
            status, payload = 400, render.error(400, "Problems parsing JSON")
        else:
            token = _token_from_header(self.headers.get("Authorization"), world, allow_basic=False)
            req = api.ApiRequest(self.command, api_path, query, request_body, token, Urls(self._server_url()))
            _, response = api.dispatch(world, req)
            status, payload, headers = self._conditional(response)
            # GitHub counts neither /rate_limit nor a 304 against the primary rate limit.
            entry["counted"] = token is not None and route != "/rate_limit" and status != 304
            if route != "/rate_limit":
                headers = {**headers, **self._rate_headers(token, count=entry["counted"])}
        if fault is not None and fault.kind == "drop_after_apply":
            self._drop()
            sent = False
        headers = {
            "X-GitHub-Media-Type": "github.v3; format=json",
            "X-GitHub-Request-Id": f"SANDBOX:{core.seq + 1}",
            **headers,
        }
        self._log_and_answer(entry, started, request_body, (status, payload, headers), sent)

    def _log_and_answer(
        self,
        entry: dict[str, Any],
        started: float,
        request_body: Any,
        answer: tuple[int, Any, dict[str, str]],
        sent: bool,
    ) -> None:
        """Complete the request log's entry, record it, then answer (unless the connection was dropped)."""
        status, payload, headers = answer
        body = b"" if payload is None or not sent else json.dumps(payload).encode()
        entry.update(
            status=status if sent else None,
            duration_ms=round((time.monotonic() - started) * 1000, 2),
            request_body=request_body,
            response_body=json.loads(body) if body else None,
            request_headers=dict(self.headers.items()),
            response_headers=headers if sent else {},
        )
        # Record before answering: a client that reads the log right after its call must find it there.
        self.core.record(entry)
        if sent:
            self._send_json(status, payload, headers)

    def _graphql(self, request_body: Any, body_ok: bool) -> tuple[int, Any, dict[str, str], bool]:
        """``POST /api/graphql``: (status, answer, headers, counted). GraphQL has a rate limit of its own."""
        world = self.core.world
        token = _token_from_header(self.headers.get("Authorization"), world, allow_basic=False)
        if token is None:
            return 401, render.error(401, "This endpoint requires you to be authenticated."), {}, False
        if not body_ok:
            return 400, render.error(400, "Problems parsing JSON"), {}, False
        if not graphql_api.available():
            return 404, render.error(404, "Not Found"), {}, False
        answer = graphql_api.execute(world, token, request_body, Urls(self._server_url()))
        return 200, answer, self._rate_headers(token, resource="graphql"), True

    def _conditional(self, response: api.ApiResponse) -> tuple[int, Any, dict[str, str]]:
        """GitHub's caching headers on a GET's 200, and a bodiless 304 when If-None-Match names its tag."""
        status, payload, headers = response.status, response.body, dict(response.headers)
        if self.command != "GET" or status != 200 or payload is None:
            return status, payload, headers
        request_headers = dict(self.headers.items())
        tag = etags.entity_tag(json.dumps(payload).encode(), request_headers, weak=isinstance(payload, list))
        headers.update(etags.cache_headers(tag))
        if etags.none_match(self.headers.get("If-None-Match"), tag):
            return 304, None, etags.not_modified_headers(headers)
        return status, payload, headers

    def _rate_headers(
        self, token: Token | None, *, count: bool = True, resource: str = "core"
    ) -> dict[str, str]:
        if token is None:
            return {}
        world = self.core.world
        key = token.token if resource == "core" else f"{token.token} {resource}"
        with world.lock:
            used = world.rate_used.get(key, 0) + (1 if count else 0)
            world.rate_used[key] = used
        # Reset is wall-clock epoch: clients compare it with their own time.time().
        reset = int(time.time()) + 3600
        return {
            "x-ratelimit-limit": str(api.RATE_LIMIT),
            "x-ratelimit-remaining": str(max(0, api.RATE_LIMIT - used)),
            "x-ratelimit-used": str(used),
            "x-ratelimit-reset": str(reset),
            "x-ratelimit-resource": resource,
        }

    # ------------------------------------------------------------ Slack Web API

    def _slack(self, path: str, raw_query: str, started: float) -> None:
        core = self.core
        world = core.world
        raw_body = self._read_body()
        name = path[len(slack_api.SLACK_PREFIX) + 1 :]
        route = slack_api.route_of(name)
        entry: dict[str, Any] = {
            "method": self.command,
            "route": route,
            "path": path,
            "query": dict(parse_qsl(raw_query, keep_blank_values=True)),
            "kind": "slack",
            "fault": None,
            "at": self._received_at,
        }
        fault = core.faults.take(self.command, route)
        status, payload, sent = 0, None, True
        headers: dict[str, str] = {}
        logged_body: Any = None
        if fault is not None:
            entry["fault"] = fault.kind
            if fault.kind == "slow":
                time.sleep(fault.delay_ms / 1000)
        canned = slack_api.fault_answer(fault) if fault is not None else None
        if fault is not None and fault.kind == "drop":
            self._drop()
            sent = False
        elif canned is not None:
            status, headers, payload = canned
        else:
            try:
                args, logged_body = slack_api.parse_arguments(
                    raw_query, raw_body, self.headers.get("Content-Type") or ""
                )
            except slack_api.SlackError as exc:
                status, payload = exc.status, {"ok": False, "error": exc.error}
            else:
                req = slack_api.SlackRequest(
                    name, args, self.headers.get("Authorization"), self._server_url(), world.clock.now()
                )
                with world.lock:
                    status, payload = slack_api.dispatch(world.slack, req)
        if fault is not None and fault.kind == "drop_after_apply":
            self._drop()
            sent = False
        headers = {"x-slack-req-id": f"sandbox-{core.seq + 1}", **headers}
        self._log_and_answer(entry, started, logged_body, (status, payload, headers), sent)

    # ------------------------------------------------------------ git smart HTTP

    def _git(self, match: re.Match[str], raw_query: str, started: float) -> None:
        core = self.core
        rest = match.group("rest") or "/"
        route = GIT_ROUTES.get(rest, "git:other")
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        entry: dict[str, Any] = {
            "method": self.command,
            "route": route,
            "path": urlsplit(self.path).path,
            "query": query,
            "kind": "git",
            "fault": None,
            "at": self._received_at,
            "request_body": None,
            "response_body": None,
            "request_headers": dict(self.headers.items()),
        }
        status: int | None
        fault = core.faults.take(self.command, route)
        canned = answer_for(fault) if fault else None
        if fault is not None:
            entry["fault"] = fault.kind
            if fault.kind == "slow":
                time.sleep(fault.delay_ms / 1000)
        if fault is not None and fault.kind == "drop":
            self._discard_body()
            self._drop()
            status = None
        elif canned is not None:
            self._discard_body()
            status = canned.status
            self._send(
                status,
                {"Content-Type": "text/plain", **canned.headers},
                (canned.body["message"] + "\n").encode(),
            )
        else:
            status = self._git_checked(
                match, rest, query, fault is not None and fault.kind == "drop_after_apply"
            )
        entry.update(
            status=status, duration_ms=round((time.monotonic() - started) * 1000, 2), response_headers={}
        )
        core.record(entry)

    def _discard_body(self) -> None:
        # Unread request bytes make the kernel reset the socket, and git would report that instead.
        with contextlib.suppress(OSError, ValueError):
            self._read_body()

    def _git_text(self, status: int, text: str, headers: dict[str, str] | None = None) -> int:
        self._discard_body()
        self._send(status, {"Content-Type": "text/plain; charset=utf-8", **(headers or {})}, text.encode())
        return status

    def _git_checked(
        self, match: re.Match[str], rest: str, query: dict[str, str], drop_after: bool
    ) -> int | None:
        world = self.core.world
        token = _token_from_header(self.headers.get("Authorization"), world, allow_basic=True)
        if token is None:
            return self._git_text(
                401, "Invalid username or token.\n", {"WWW-Authenticate": 'Basic realm="GitHub"'}
            )
        with world.lock:
            repo = world.repo(match.group("owner"), match.group("repo"))
            repo_dir = repo.wiki_dir if repo is not None and repo.wiki_status == "created" else None
            full_name = repo.full_name if repo is not None else ""
        if repo_dir is None:
            return self._git_text(404, "Repository not found.\n")
        pushing = rest == "/git-receive-pack" or query.get("service") == "git-receive-pack"
        if not token.allows("contents", "write" if pushing else "read"):
            return self._git_text(403, f"Permission to {full_name}.wiki.git denied to {BOT_LOGIN}.\n")
        if drop_after:
            real = self.wfile
            self.wfile = io.BytesIO()
            try:
                _gitwiki().handle_git_request(self, repo_dir, rest, urlsplit(self.path).query, BOT_LOGIN)
            finally:
                self.wfile = real
            self._drop()
            return None
        status: int = _gitwiki().handle_git_request(
            self, repo_dir, rest, urlsplit(self.path).query, BOT_LOGIN
        )
        return status

    # ------------------------------------------------------------ control

    def _control(self, action: str, raw_query: str) -> None:
        core = self.core
        query = dict(parse_qsl(raw_query))
        try:
            raw = self._read_body()
            body = json.loads(raw) if raw.strip() else {}
            key = (self.command, action)
            result: Any
            if key == ("GET", ""):
                result = urls_for(self._server_url(), core.world)
            elif key == ("GET", "state"):
                result = core.state(self._server_url())
            elif key == ("GET", "requests"):
                result = core.requests(bodies=query.get("bodies") in ("1", "true", "yes"))
            elif key == ("DELETE", "requests"):
                core.clear_requests()
                result = {"cleared": True}
            elif key == ("GET", "faults"):
                result = {"faults": core.faults.pending()}
            elif key == ("POST", "faults"):
                core.faults.add([parse_fault(f) for f in body.get("faults", [])])
                result = {"faults": core.faults.pending()}
            elif key == ("DELETE", "faults"):
                core.faults.clear()
                result = {"faults": []}
            elif key == ("GET", "clock"):
                result = clock_info(core.world)
            elif key == ("POST", "clock"):
                apply_clock(core.world, body)
                result = clock_info(core.world)
            elif key in (("GET", "latency"), ("POST", "latency")):
                if self.command == "POST":
                    core.latency_ms = int(body.get("ms", 0))
                result = {"ms": core.latency_ms}
            elif key == ("POST", "scenario"):
                core.reset(body)
                result = urls_for(self._server_url(), core.world)
            elif key == ("POST", "wiki/push"):
                push_wiki(core.world, body)
                result = {"pushed": True}
            elif key == ("POST", "slack/messages"):
                result = post_slack_message(core.world, body)
            elif key == ("DELETE", "slack/messages"):
                delete_slack_message(core.world, body)
                result = {"deleted": True}
            else:
                self._send_json(404, {"message": f"no control endpoint {self.command} /_sandbox/{action}"})
                return
        except (ValueError, KeyError, TypeError, FaultError, ScenarioError) as exc:
            self._send_json(400, {"message": str(exc)})
            return
        self._send_json(200, result)


def urls_for(server_url: str, world: World) -> dict[str, Any]:
    token = next(iter(world.tokens))
    return {
        "api_url": server_url + API_PREFIX,
        "server_url": server_url,
        "token": token,
        "control_url": server_url + CONTROL_PREFIX,
        "slack_api_url": server_url + slack_api.SLACK_PREFIX + "/",
        "repos": [r.full_name for r in world.repos.values()],
        "slack_token": world.slack.bot_token,
    }


def clock_info(world: World) -> dict[str, Any]:
    return {"now": iso(world.clock.now()), "frozen": world.clock.frozen}


def apply_clock(world: World, body: dict[str, Any]) -> None:
    if "now" in body:
        value = dateparser.isoparse(str(body["now"]))
        world.clock.set(utc(value), frozen=bool(body.get("frozen", False)))
    elif "frozen" in body:
        world.clock.set(world.clock.now(), frozen=bool(body["frozen"]))
    if "advance" in body:
        world.clock.advance(parse_advance(body["advance"]))


def _slack_body(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


def post_slack_message(world: World, body: Any) -> dict[str, Any]:
    """A person posts (or edits) a message in Slack; answers it in the shape conversations.history has."""
    with world.lock:
        message, created = slack_state.post_message(world.slack, _slack_body(body), world.clock.now())
        shaped = slack_api.message_shape(world.slack, message)
    return {"channel": body["channel"], "created": created, "message": shaped}


def delete_slack_message(world: World, body: Any) -> None:
    with world.lock:
        slack_state.delete_message(world.slack, _slack_body(body))


def push_wiki(world: World, body: dict[str, Any]) -> None:
    with world.lock:
        repo = world.repo(*str(body.get("repo") or next(iter(world.repos.values())).full_name).split("/"))
        if repo is None or repo.wiki_dir is None:
            raise ValueError("that repository has no created wiki")
        repo_dir = repo.wiki_dir
    name = str(body["name"])
    message = str(body.get("message") or f"Updated {name.removesuffix('.md')} (markdown)")
    _gitwiki().push_page(
        repo_dir, name, str(body["text"]), str(body.get("author", "Human <human@example.com>")), message
    )


class Sandbox:
    """A running sandbox on 127.0.0.1; ``Sandbox.start(...)`` and ``stop()`` (or ``with``)."""

    def __init__(self, core: Core, server: _Server, thread: threading.Thread) -> None:
        self._core = core
        self._server = server
        self._thread = thread
        port = server.server_address[1]
        self.server_url = f"http://127.0.0.1:{port}"
        self.api_url = self.server_url + API_PREFIX
        self.graphql_url = self.server_url + graphql_api.GRAPHQL_PATH  # where clients derive it from api_url
        self.control_url = self.server_url + CONTROL_PREFIX
        self.slack_api_url = self.server_url + slack_api.SLACK_PREFIX + "/"  # slack_sdk's base_url

    @classmethod
    def start(cls, scenario: dict[str, Any] | str | Path, latency_ms: int = 0, port: int = 0) -> Sandbox:
        workdir = Path(tempfile.mkdtemp(prefix="pmaction-sandbox-"))
        try:
            wiki_root = workdir / "wikis-0"
            wiki_root.mkdir()
            world = build_world(load_scenario(scenario), wiki_root, _init_wiki)
        except BaseException:
            shutil.rmtree(workdir, ignore_errors=True)
            raise
        core = Core(world=world, workdir=workdir, latency_ms=latency_ms)
        server = _Server(("127.0.0.1", port), _Handler)
        server.core = core
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="pmaction-sandbox", daemon=True
        )
        thread.start()
        return cls(core, server, thread)

    # ---- addresses and identity
    @property
    def token(self) -> str:
        return next(iter(self._core.world.tokens))

    @property
    def slack_token(self) -> str:
        """The only token the Slack stand-in accepts (the scenario's slack.bot_token)."""
        return self._core.world.slack.bot_token

    @property
    def repo(self) -> str:
        return next(iter(self._core.world.repos.values())).full_name

    @property
    def world(self) -> World:
        return self._core.world

    def info(self) -> dict[str, Any]:
        """The JSON line ``serve`` prints."""
        data = urls_for(self.server_url, self._core.world)
        return {k: data[k] for k in ("api_url", "server_url", "token", "control_url", "slack_api_url")}

    # ---- inspection
    def state(self) -> dict[str, Any]:
        return self._core.state(self.server_url)

    def repo_state(self, repo: str | None = None) -> dict[str, Any]:
        state: dict[str, Any] = self.state()["repos"][repo or self.repo]
        return state

    def slack_state(self) -> dict[str, Any]:
        """The ``slack`` part of the /state JSON."""
        with self._core.world.lock:
            return slack_state.snapshot(self._core.world.slack)

    def requests(self, bodies: bool = False) -> list[dict[str, Any]]:
        return self._core.requests(bodies)

    def clear_requests(self) -> None:
        self._core.clear_requests()

    def wiki_files(self, repo: str | None = None) -> dict[str, str]:
        found = self._core.world.repo(*(repo or self.repo).split("/"))
        if found is None or found.wiki_dir is None:
            return {}
        files: dict[str, str] = _gitwiki().read_master_files(found.wiki_dir)
        return files

    def wiki_dir(self, repo: str | None = None) -> Path | None:
        found = self._core.world.repo(*(repo or self.repo).split("/"))
        return found.wiki_dir if found else None

    # ---- control
    def add_faults(self, faults: list[dict[str, Any]]) -> None:
        self._core.faults.add([parse_fault(f) for f in faults])

    def clear_faults(self) -> None:
        self._core.faults.clear()

    def set_clock(self, now: datetime | str, frozen: bool = True) -> None:
        value = dateparser.isoparse(now) if isinstance(now, str) else now
        self._core.world.clock.set(utc(value), frozen=frozen)

    def now(self) -> datetime:
        return self._core.world.clock.now()

    def advance(self, delta: timedelta | relativedelta | str | float) -> None:
        step = delta if isinstance(delta, timedelta | relativedelta) else parse_advance(delta)
        self._core.world.clock.advance(step)

    def set_latency(self, ms: int) -> None:
        self._core.latency_ms = int(ms)

    def reset(self, scenario: dict[str, Any] | str | Path) -> None:
        self._core.reset(scenario)

    def push_wiki_page(
        self,
        name: str,
        text: str,
        author: str = "Human <h@x>",
        message: str | None = None,
        repo: str | None = None,
    ) -> None:
        """A person edits the wiki in the browser: a real commit on master."""
        push_wiki(
            self._core.world, {"repo": repo, "name": name, "text": text, "author": author, "message": message}
        )

    def slack_post(
        self,
        channel: str,
        ts: str,
        user: str,
        text: str,
        reactions: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
    ) -> dict[str, Any]:
        """A person posts a message (a reply with ``thread_ts``), or edits the one with that ts."""
        body: dict[str, Any] = {"channel": channel, "ts": ts, "user": user, "text": text}
        if reactions is not None:
            body["reactions"] = reactions
        if thread_ts is not None:
            body["thread_ts"] = thread_ts
        return post_slack_message(self._core.world, body)

    def slack_delete(self, channel: str, ts: str) -> None:
        delete_slack_message(self._core.world, {"channel": channel, "ts": ts})

    # ---- lifecycle
    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        shutil.rmtree(self._core.workdir, ignore_errors=True)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


__all__ = ["Fault", "Sandbox", "parse_advance"]
