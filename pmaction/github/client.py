"""The GitHub REST edge: the one place that builds the PyGithub client and talks to the API.

Everything it returns is plain data from ``pmaction.github.data``; every failure becomes a
``PmactionError`` whose message names the fix.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import math
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import requests
import urllib3
from github import Auth, Github, GithubException, GithubRetry
from github.GithubException import RateLimitExceededExceedsMaxWait, RateLimitExceededException
from github.GithubObject import GithubObject
from github.Issue import Issue as GhIssue
from github.IssueComment import IssueComment
from github.Repository import Repository
from urllib3 import Retry

from pmaction.errors import GitHubAPIError, PermissionMissing, PmactionError
from pmaction.github.data import Comment, Issue, IssueEvent, Repo

T = TypeVar("T")


@dataclass(frozen=True)
class ApiSettings:
    api_url: str
    token: str = field(repr=False)
    seconds_between_requests: float = 0.0
    seconds_between_writes: float = 1.0
    request_timeout: float = 30.0
    max_wait_seconds: float = 60.0
    retries: int = 5
    # Exponential backoff between retries of 5xx answers and dropped connections: 0, 2f, 4f, 8f... s.
    backoff_factor: float = 0.5


# Methods whose repetition cannot create a second object. POST is not among them: a POST whose answer was
# lost (5xx, dropped connection, timeout) may have been applied, so it is never sent again automatically;
# the rerun finds what landed by its hidden marker instead. PATCH is here because pmaction only ever PATCHes
# absolute values (a body, a state, a title), so sending it twice leaves the same state.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})
# Answers that say GitHub did nothing and when to try again: safe to repeat for any method.
RATE_LIMIT_STATUSES = frozenset({403, 429})


def _sleep(seconds: float) -> None:
    """Every wait between retries goes through here (tests record the waits instead of sitting them out)."""
    if seconds > 0:
        time.sleep(seconds)


class CappedRetry(GithubRetry):
    """GithubRetry with the three changes a run on a degraded GitHub needs.

    - It never sleeps longer than ``max_wait`` seconds: a Retry-After (or rate-limit reset) further away
      fails at once with ``RateLimitExceededExceedsMaxWait``, which ``translate`` turns into "re-run after
      HH:MM". PyGithub would otherwise sleep exactly as long as told, however long.
    - A POST is repeated only after a rate-limit answer (nothing was applied); never after a 5xx, a
      dropped connection or a timeout, where it may have been applied. GithubRetry repeats POSTs.
    - Waits go through ``_sleep``.
    """

    def __init__(self, max_wait: float, **kwargs: Any) -> None:
        self.max_wait = max_wait
        kwargs.setdefault("allowed_methods", IDEMPOTENT_METHODS)
        super().__init__(**kwargs)

    def new(self, **kw: Any) -> CappedRetry:
        kw.setdefault("max_wait", self.max_wait)
        return super().new(**kw)

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if method.upper() not in IDEMPOTENT_METHODS:
            # GithubRetry.increment decides whether a 403 really is a rate limit (else it raises the 403).
            if status_code == 403:
                return bool(self.total)
            if status_code == 429:
                return bool(self.total and has_retry_after)
            return False
        return bool(super().is_retry(method, status_code, has_retry_after))

    def increment(  # type: ignore[override]
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> Retry:
        if response is not None:
            wait = self.get_retry_after(response)
            if wait is not None and wait > self.max_wait:
                raise RateLimitExceededExceedsMaxWait(
                    int(response.status),
                    _body_of(response, url),
                    {str(k): str(v) for k, v in response.headers.items()},
                    wait=wait,
                )
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def get_backoff_time(self) -> float:
        return min(float(super().get_backoff_time()), self.max_wait)

    def sleep_for_retry(self, response: Any = None) -> bool:
        wait = self.get_retry_after(response) if response is not None else None
        if not wait:
            return False
        _sleep(min(wait, self.max_wait))
        return True

    def _sleep_backoff(self) -> None:
        # GithubRetry replaces get_backoff_time on the instance with the rate-limit reset wait.
        _sleep(min(float(self.get_backoff_time()), self.max_wait))


def _body_of(response: Any, url: str | None) -> Any:
    try:
        return json.loads(GithubRetry.get_content(response, url or ""))
    except Exception:  # an unreadable body only costs the message detail
        return {"message": "rate limited"}


def build_client(settings: ApiSettings) -> Github:
    retry = CappedRetry(
        max_wait=settings.max_wait_seconds,
        total=settings.retries,
        backoff_factor=settings.backoff_factor,
        secondary_rate_wait=min(60.0, settings.max_wait_seconds),
        max_rate_limit_wait=settings.max_wait_seconds,
    )
    return Github(
        base_url=settings.api_url.rstrip("/"),
        auth=Auth.Token(settings.token),
        per_page=100,
        # PyGithub insists on an int; round up so a timeout is never shorter than asked.
        timeout=max(1, math.ceil(settings.request_timeout)),
        retry=retry,
        # Lazy: objects are fetched only when an attribute is read, so writes need no GET first.
        lazy=True,
        seconds_between_requests=settings.seconds_between_requests or None,
        seconds_between_writes=settings.seconds_between_writes or None,
    )


# --- translating failures ------------------------------------------------------------------------

_PERMISSION_FOR = {
    "issues": "issues: write",
    "comments": "issues: write",
    "labels": "issues: write",
    "milestones": "issues: write",
    "contents": "contents: read",
}
# What a re-run does after a failed write: said once, in every message about a lost answer.
_RERUN_SAFE = "re-run the job: it finds what already landed by its hidden markers and creates nothing twice"


def _message_of(exc: GithubException) -> str:
    data = exc.data if isinstance(exc.data, dict) else {}
    message = str(data.get("message") or exc.data or "")
    errors = data.get("errors")
    if isinstance(errors, list) and errors:
        details = []
        for err in errors:
            if isinstance(err, dict):
                details.append(str(err.get("message") or f"{err.get('field')} {err.get('code')}"))
            else:
                details.append(str(err))
        message = f"{message}: {'; '.join(details)}"
    message = " ".join(message.split())
    # A proxy or load balancer in front of GitHub may answer with a whole HTML page.
    return message if len(message) <= 200 else message[:197] + "..."


def _header(headers: Any, name: str) -> str | None:
    for key, value in dict(headers or {}).items():
        if str(key).lower() == name.lower():
            return str(value)
    return None


def _clock_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%H:%M:%S UTC")


def _rate_limit_message(exc: GithubException, action: str) -> str:
    """Say how long GitHub wants us to wait and when to re-run."""
    retry_after = _header(exc.headers, "Retry-After")
    reset = _header(exc.headers, "x-ratelimit-reset")
    remaining = _header(exc.headers, "x-ratelimit-remaining")
    wait = getattr(exc, "wait", None)
    if retry_after and retry_after.strip().isdigit():
        seconds = int(retry_after)
        return (
            f"GitHub's secondary rate limit stopped pmaction while trying to {action}: it asked to wait "
            f"{seconds} s (Retry-After, until {_clock_time(time.time() + seconds)}), longer than "
            "max_wait_seconds allows: re-run after that, or raise max_wait_seconds"
        )
    if reset and reset.strip().isdigit() and remaining == "0":
        at = int(reset)
        return (
            f"GitHub's API rate limit for this token is used up (while trying to {action}); it resets at "
            f"{_clock_time(at)} (in {max(0, round(at - time.time()))} s), later than max_wait_seconds "
            "allows: re-run after the reset, or raise max_wait_seconds"
        )
    waited = f" (it asked for {int(wait)} s)" if wait else ""
    return (
        f"GitHub rate-limited pmaction while trying to {action}{waited}: re-run later, or raise "
        "max_wait_seconds to wait it out"
    )


def _cause_chain(exc: BaseException) -> list[BaseException]:
    """The exception, what it wraps (requests puts urllib3's error in args[0]) and their causes."""
    seen: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo and len(seen) < 12:
        current = todo.pop(0)
        if any(current is known for known in seen):
            continue
        seen.append(current)
        todo += [arg for arg in current.args if isinstance(arg, BaseException)]
        for linked in (getattr(current, "reason", None), current.__cause__, current.__context__):
            if isinstance(linked, BaseException):
                todo.append(linked)
    return seen


def _timeout_of(chain: Sequence[BaseException]) -> str:
    for item in chain:
        match = re.search(r"read timeout=([0-9.]+)", str(item))
        if match:
            return f"request_timeout={float(match.group(1)):g} s"
    return "request_timeout"


def _transport_failure(exc: BaseException, action: str) -> PmactionError | None:
    """Failures below HTTP (requests/urllib3): what happened, and whether a write may have landed."""
    chain = _cause_chain(exc)
    kinds = tuple(type(item) for item in chain)

    def has(*types: type[BaseException]) -> bool:
        return any(issubclass(kind, types) for kind in kinds)

    if has(requests.exceptions.RetryError, urllib3.exceptions.ResponseError):
        codes = re.findall(r"too many (\d{3}) error responses", " ".join(str(item) for item in chain))
        code = codes[-1] if codes else "error"
        if code in ("403", "429"):
            return GitHubAPIError(
                f"GitHub kept rate-limiting pmaction while trying to {action} (retries used up): re-run "
                "later, or raise max_wait_seconds"
            )
        return GitHubAPIError(
            f"GitHub kept answering {code} while trying to {action} (retries used up): GitHub is having "
            f"trouble (see githubstatus.com); {_RERUN_SAFE}"
        )
    if has(requests.exceptions.ProxyError, urllib3.exceptions.ProxyError):
        return GitHubAPIError(
            f"The HTTP proxy refused the connection while trying to {action}: fix HTTPS_PROXY / NO_PROXY"
        )
    if has(requests.exceptions.SSLError, urllib3.exceptions.SSLError):
        return GitHubAPIError(
            f"TLS failed while trying to {action}: check GITHUB_API_URL and the runner's CA certificates"
        )
    if has(requests.exceptions.ReadTimeout, urllib3.exceptions.ReadTimeoutError):
        return GitHubAPIError(
            f"GitHub did not answer within {_timeout_of(chain)} while trying to {action}: raise "
            f"request_timeout, or {_RERUN_SAFE}"
        )
    if has(urllib3.exceptions.NewConnectionError, requests.exceptions.ConnectTimeout):
        return GitHubAPIError(
            f"Could not connect to the GitHub API while trying to {action}: check GITHUB_API_URL "
            "(on GitHub Enterprise it ends in /api/v3) and re-run"
        )
    if has(
        urllib3.exceptions.ProtocolError,
        requests.exceptions.ChunkedEncodingError,
        ConnectionResetError,
        http.client.RemoteDisconnected,
    ):
        return GitHubAPIError(
            f"GitHub closed the connection without answering while trying to {action}; a write is not "
            f"repeated automatically because it may have been applied: {_RERUN_SAFE}"
        )
    if has(requests.exceptions.ConnectionError, urllib3.exceptions.HTTPError):
        return GitHubAPIError(
            f"Could not reach the GitHub API while trying to {action}: check GITHUB_API_URL and re-run"
        )
    if has(requests.exceptions.RequestException):
        return GitHubAPIError(f"The request to GitHub failed while trying to {action}: {_RERUN_SAFE}")
    return None


def translate(exc: BaseException, action: str, *, area: str = "issues") -> PmactionError:
    """Turn a PyGithub/requests/urllib3 failure during ``action`` into one line that names the fix."""
    if isinstance(exc, PmactionError):
        return exc
    if isinstance(exc, GithubException):
        status = exc.status
        message = _message_of(exc)
        if isinstance(exc, RateLimitExceededException) or (
            status in RATE_LIMIT_STATUSES and "rate limit" in message.lower()
        ):
            return GitHubAPIError(_rate_limit_message(exc, action))
        if status == 401:
            return PermissionMissing(
                f"GitHub rejected the token while trying to {action} (401 {message}): pass a valid token in "
                "github_token (the default ${{ github.token }} works)"
            )
        if status == 403:
            need = _PERMISSION_FOR.get(area, "issues: write")
            return PermissionMissing(
                f"The token may not {action} (403 {message}): add `permissions: {need}` to the job"
            )
        if status == 404:
            return GitHubAPIError(
                f"Not found while trying to {action} (404): check the repository, the issue number and that "
                "the token can see this repository"
            )
        if status == 410:
            return GitHubAPIError(
                f"Gone while trying to {action} (410 {message}): enable Issues in the repository settings"
            )
        if status == 422:
            return GitHubAPIError(f"GitHub refused to {action} (422 {message}): fix the value it names")
        if isinstance(status, int) and status >= 500:
            return GitHubAPIError(
                f"GitHub answered {status} while trying to {action} ({message or 'no message'}); a write is "
                f"not repeated automatically because it may have been applied: {_RERUN_SAFE}"
            )
        return GitHubAPIError(
            f"GitHub answered {status} while trying to {action} ({message or 'no message'}): re-run the job; "
            "if it persists check githubstatus.com"
        )
    found = _transport_failure(exc, action)
    if found is not None:
        return found
    return PmactionError(f"Unexpected error while trying to {action}: {type(exc).__name__}: {exc}")


# Everything below the HTTP answer that a request can raise: requests wraps most, not all, of urllib3's.
TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (
    GithubException,
    requests.exceptions.RequestException,
    urllib3.exceptions.HTTPError,
    http.client.HTTPException,
    ConnectionError,
    TimeoutError,
)


@contextlib.contextmanager
def api_step(action: str, *, area: str = "issues") -> Iterator[None]:
    try:
        yield
    except PmactionError:
        raise
    except TRANSPORT_ERRORS as exc:
        raise translate(exc, action, area=area) from None


def call(action: str, fn: Callable[[], T], *, area: str = "issues") -> T:
    with api_step(action, area=area):
        return fn()


# --- converting API objects to plain data ---------------------------------------------------------


def payload_of(obj: GithubObject) -> dict[str, Any]:
    """The JSON GitHub sent for this object.

    PyGithub's ``raw_data`` (and any attribute missing from a list item) first "completes" the
    object with one GET per item; reading the base class's view avoids that hidden request.
    """
    data = GithubObject.raw_data.fget(obj)  # type: ignore[attr-defined]
    return data if isinstance(data, dict) else {}


def parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def issue_from_payload(raw: dict[str, Any]) -> Issue:
    milestone = raw.get("milestone") or None
    user = raw.get("user") or {}
    return Issue(
        number=int(raw["number"]),
        title=str(raw.get("title") or ""),
        body=str(raw.get("body") or ""),
        state=str(raw.get("state") or "open"),
        html_url=str(raw.get("html_url") or ""),
        created_at=parse_time(raw.get("created_at")) or datetime.now(UTC),
        closed_at=parse_time(raw.get("closed_at")),
        author=str(user.get("login") or "ghost"),
        labels=tuple(str(label.get("name")) for label in raw.get("labels") or [] if isinstance(label, dict)),
        assignees=tuple(
            str(user.get("login")) for user in raw.get("assignees") or [] if isinstance(user, dict)
        ),
        milestone_number=milestone.get("number") if isinstance(milestone, dict) else None,
        is_pull_request=raw.get("pull_request") is not None,
        state_reason=raw.get("state_reason"),
    )


def issue_from_api(issue: GhIssue) -> Issue:
    return issue_from_payload(issue.raw_data)  # a fetched issue is complete: no extra request


def repo_from_api(repo: Repository) -> Repo:
    return Repo(
        full_name=repo.full_name,
        html_url=repo.html_url,
        private=bool(repo.private),
        has_wiki=bool(repo.has_wiki),
        default_branch=repo.default_branch or "main",
    )


class GitHub:
    """Thin, typed access to the REST calls pmaction makes, for one repository."""

    def __init__(self, settings: ApiSettings, full_name: str) -> None:
        self.settings = settings
        self.full_name = full_name
        self.client = build_client(settings)
        self.repo = self.client.get_repo(full_name)
        self._comment_objects: dict[int, IssueComment] = {}

    # reads
    def repository(self) -> Repo:
        return call(
            f"read repository {self.full_name}", lambda: repo_from_api(self.client.get_repo(self.full_name))
        )

    def issue(self, number: int) -> tuple[GhIssue, Issue]:
        def read() -> tuple[GhIssue, Issue]:
            # Lazy objects fetch on first attribute access: convert inside the step so its failure is named.
            gh_issue = self.repo.get_issue(number)
            return gh_issue, issue_from_api(gh_issue)

        return call(f"read issue #{number}", read)

    def comments(self, gh_issue: GhIssue) -> list[Comment]:
        def read() -> list[Comment]:
            out = []
            for c in gh_issue.get_comments():
                raw = payload_of(c)
                self._comment_objects[int(raw["id"])] = c
                user = raw.get("user") or {}
                out.append(
                    Comment(
                        id=int(raw["id"]),
                        author=str(user.get("login") or "ghost"),
                        association=str(raw.get("author_association") or "NONE"),
                        created_at=parse_time(raw.get("created_at")) or datetime.now(UTC),
                        updated_at=parse_time(raw.get("updated_at")) or datetime.now(UTC),
                        body=str(raw.get("body") or ""),
                        html_url=str(raw.get("html_url") or ""),
                        author_is_bot=str(user.get("type") or "") == "Bot",
                    )
                )
            return out

        return call(f"read the comments of issue #{gh_issue.number}", read)

    def events(self, gh_issue: GhIssue) -> list[IssueEvent]:
        def read() -> list[IssueEvent]:
            out = []
            for e in gh_issue.get_events():
                raw = payload_of(e)
                out.append(
                    IssueEvent(
                        id=int(raw["id"]),
                        event=str(raw.get("event") or ""),
                        actor=(raw.get("actor") or {}).get("login"),
                        created_at=parse_time(raw.get("created_at")) or datetime.now(UTC),
                        label=(raw.get("label") or {}).get("name"),
                        assignee=(raw.get("assignee") or {}).get("login"),
                        milestone=(raw.get("milestone") or {}).get("title"),
                    )
                )
            return out

        return call(f"read the events of issue #{gh_issue.number}", read)

    def file_text(self, path: str, ref: str | None = None) -> str | None:
        """A file of the repository via the contents API, or None when it does not exist."""
        try:
            content = self.repo.get_contents(path, ref=ref) if ref else self.repo.get_contents(path)
        except GithubException as exc:
            if exc.status == 404:
                return None
            raise translate(exc, f"read {path}", area="contents") from None
        except TRANSPORT_ERRORS as exc:
            raise translate(exc, f"read {path}", area="contents") from None
        if isinstance(content, list):
            raise PmactionError(f"{path} is a folder, not a file: point config_file at a YAML file")
        raw = content.raw_data.get("content") or ""
        return base64.b64decode(raw).decode("utf-8", errors="replace")

    def is_assignable(self, login: str) -> bool:
        return call(
            f"check whether @{login} can be assigned", lambda: bool(self.repo.has_in_assignees(login))
        )

    def labels(self) -> dict[str, str]:
        return call(
            "list labels", lambda: {label.name.lower(): label.name for label in self.repo.get_labels()}
        )

    def create_label(self, name: str, color: str, description: str) -> None:
        try:
            self.repo.create_label(name=name, color=color, description=description)
        except GithubException as exc:
            # Someone (a concurrent run) created it in between: that is the state we wanted.
            if exc.status == 422 and "already_exists" in str(exc.data):
                return
            raise translate(exc, f"create label {name!r}", area="labels") from None
        except TRANSPORT_ERRORS as exc:
            raise translate(exc, f"create label {name!r}", area="labels") from None

    def ensure_labels(
        self, wanted: Sequence[tuple[str, str, str]], known: dict[str, str] | None = None
    ) -> None:
        existing = known if known is not None else self.labels()
        for name, color, description in wanted:
            if name.lower() not in existing:
                self.create_label(name, color, description)
                existing[name.lower()] = name

    def edit_comment(self, comment_id: int, body: str) -> None:
        """Edit a comment read earlier in this run (no extra GET)."""
        comment = self._comment_objects.get(comment_id)
        with api_step(f"update comment {comment_id}"):
            if comment is None:
                raise PmactionError(f"comment {comment_id} was not read in this run; re-run")
            comment.edit(body)

    def delete_comment(self, comment_id: int) -> bool:
        """Delete a comment read earlier in this run; False when it was not read here. A 404 means another
        run deleted it already, which is the state we wanted."""
        comment = self._comment_objects.get(comment_id)
        if comment is None:
            return False
        with api_step(f"delete comment {comment_id}"):
            try:
                comment.delete()
            except GithubException as exc:
                if exc.status != 404:
                    raise
        return True
