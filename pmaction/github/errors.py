"""Translating GitHub failures: every PyGithub, requests and urllib3 error becomes one line naming the fix.

``api_step``/``call`` wrap each request the edge makes, so every call fails the same way.
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import requests
import urllib3
from github import GithubException
from github.GithubException import RateLimitExceededException

from pmaction.errors import GitHubAPIError, PermissionMissing, PmactionError
from pmaction.github.retry import RATE_LIMIT_STATUSES

T = TypeVar("T")


class NotFound(GitHubAPIError):
    """404: the issue, comment, file or repository is not there (or the token cannot see it)."""


class Gone(GitHubAPIError):
    """410: GitHub says it is gone for good; for issues, the repository has Issues disabled."""


class Refused(GitHubAPIError):
    """422: GitHub refused the values sent and changed nothing."""

    def __init__(self, message: str, *, already_exists: bool = False) -> None:
        super().__init__(message)
        # A label name or milestone title that exists: usually a concurrent run made it a moment ago.
        self.already_exists = already_exists


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


def quiet_library_logs() -> None:
    """PyGithub logs each refused request itself; pmaction says it once, as a line that names the fix."""
    library = logging.getLogger("github")  # PyGithub attaches a console handler at INFO on import
    for handler in list(library.handlers):
        library.removeHandler(handler)
    library.addHandler(logging.NullHandler())
    library.propagate = False


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
            # A token that may not write issues usually may not write the wiki either: name the whole set.
            whole = f"`permissions: {{{need}, contents: write}}`" if need != "contents: read" else f"`{need}`"
            return PermissionMissing(
                f"The token may not {action} (403 {message}): give the job {whole} "
                "(pmaction writes issues, milestones, comments and the wiki)"
            )
        if status == 404:
            return NotFound(
                f"Not found while trying to {action} (404): check the repository, the issue number and that "
                "the token can see this repository"
            )
        if status == 410:
            return Gone(
                f"Gone while trying to {action} (410 {message}): enable Issues in the repository settings"
            )
        if status == 422:
            return Refused(
                f"GitHub refused to {action} (422 {message}): fix the value it names",
                already_exists="already_exists" in str(exc.data),
            )
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
