"""The GitHub REST edge: the one place that builds the PyGithub client and talks to the API.

Everything it returns is plain data from ``pmaction.model``; every failure becomes a
``PmactionError`` whose message names the fix.
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import requests
from github import Auth, Github, GithubException, GithubRetry
from github.Issue import Issue as GhIssue
from github.IssueComment import IssueComment
from github.GithubObject import GithubObject
from github.Repository import Repository

from pmaction.errors import GitHubAPIError, PermissionMissing, PmactionError
from pmaction.model import Comment, Issue, IssueEvent, Repo

T = TypeVar("T")
BOT_LOGIN = "github-actions[bot]"


@dataclass(frozen=True)
class ApiSettings:
    api_url: str
    token: str = field(repr=False)
    seconds_between_requests: float = 0.0
    seconds_between_writes: float = 1.0
    request_timeout: float = 30.0
    max_wait_seconds: float = 60.0
    retries: int = 5


class CappedRetry(GithubRetry):
    """GithubRetry, but never sleeps longer than ``max_wait`` seconds.

    PyGithub honours Retry-After exactly, however long; a run must not hang for an hour on a
    runner, so a longer wait becomes a failure that says when to re-run.
    """

    def __init__(self, max_wait: float, **kwargs: Any) -> None:
        self.max_wait = max_wait
        super().__init__(**kwargs)

    def new(self, **kw: Any) -> CappedRetry:
        kw.setdefault("max_wait", self.max_wait)
        return super().new(**kw)

    def get_backoff_time(self) -> float:
        return min(float(super().get_backoff_time()), self.max_wait)

    def sleep_for_retry(self, response: Any = None) -> bool:
        retry_after = self.get_retry_after(response) if response is not None else None
        if retry_after is not None and retry_after > self.max_wait:
            raise PmactionError(
                f"GitHub asked to wait {int(retry_after)} s (Retry-After), longer than max_wait_seconds="
                f"{int(self.max_wait)}: re-run later or raise max_wait_seconds",
                title="pmaction: rate limited",
            )
        return bool(super().sleep_for_retry(response))


def build_client(settings: ApiSettings) -> Github:
    retry = CappedRetry(
        max_wait=settings.max_wait_seconds,
        total=settings.retries,
        backoff_factor=0.2,
        secondary_rate_wait=min(60.0, settings.max_wait_seconds),
        max_rate_limit_wait=settings.max_wait_seconds,
    )
    return Github(
        base_url=settings.api_url.rstrip("/"),
        auth=Auth.Token(settings.token),
        per_page=100,
        timeout=int(max(1, settings.request_timeout)),
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
    return " ".join(message.split())


def translate(exc: Exception, action: str, *, area: str = "issues") -> PmactionError:
    """Turn a PyGithub/requests failure during ``action`` into one line that names the fix."""
    if isinstance(exc, PmactionError):
        return exc
    if isinstance(exc, GithubException):
        status = exc.status
        message = _message_of(exc)
        if status == 401:
            return PermissionMissing(
                f"GitHub rejected the token while trying to {action} (401 {message}): pass a valid token in "
                "github_token (the default ${{ github.token }} works)"
            )
        if status == 403 and "rate limit" in message.lower():
            return GitHubAPIError(
                f"GitHub rate limit hit while trying to {action} ({message}): re-run later, or raise "
                "max_wait_seconds to wait it out"
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
        return GitHubAPIError(
            f"GitHub answered {status} while trying to {action} ({message or 'no message'}): re-run the job; "
            "if it persists check githubstatus.com"
        )
    if isinstance(exc, requests.exceptions.RetryError):
        return GitHubAPIError(
            f"GitHub kept failing while trying to {action} (retries exhausted): re-run the job later; "
            "nothing already written is lost or repeated"
        )
    if isinstance(exc, requests.exceptions.Timeout):
        return GitHubAPIError(
            f"GitHub did not answer in time while trying to {action}: re-run, or raise request_timeout"
        )
    if isinstance(exc, requests.exceptions.ConnectionError):
        return GitHubAPIError(
            f"Could not reach the GitHub API while trying to {action}: check GITHUB_API_URL and re-run"
        )
    return PmactionError(f"Unexpected error while trying to {action}: {type(exc).__name__}: {exc}")


@contextlib.contextmanager
def api_step(action: str, *, area: str = "issues") -> Iterator[None]:
    try:
        yield
    except PmactionError:
        raise
    except (GithubException, requests.exceptions.RequestException) as exc:
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
        assignees=tuple(str(user.get("login")) for user in raw.get("assignees") or [] if isinstance(user, dict)),
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
        gh_issue = call(f"read issue #{number}", lambda: self.repo.get_issue(number))
        return gh_issue, issue_from_api(gh_issue)

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
        except requests.exceptions.RequestException as exc:
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
        except requests.exceptions.RequestException as exc:
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
