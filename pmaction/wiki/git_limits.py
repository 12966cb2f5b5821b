"""GitHub's rate limits on the wiki's git routes, read from git's own HTTP trace.

A rate-limited push looks to git like any refusal: it prints "RPC failed; HTTP 403" and nothing of what
GitHub said (the Retry-After or ``x-ratelimit-*`` headers, the secondary-limit message). With
``GIT_TRACE_CURL`` git writes every request line and response header to a file, the Authorization header
redacted (``GIT_TRACE_REDACT``, git's default, is forced on; the file never leaves the clone's ``.git``
and is deleted after reading). From it, as GitHub documents for its REST API: a 403 or 429 with
``Retry-After`` waits that long; one with ``x-ratelimit-remaining: 0`` waits until ``x-ratelimit-reset``;
a 429, or a 403 on the push itself after its advertisement answered 200 (which is where GitHub checks the
permission), is a limit that did not say for how long: GitHub asks to wait at least a minute.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Literal

UNSAID_WAIT = 60.0  # GitHub: "otherwise, wait for at least one minute before retrying"
RESET_MARGIN = 1.0  # the reset is a whole second; PyGithub adds one too

_TRACE_LINE = re.compile(r"(?P<dir>=>|<=) (?:Send|Recv) header: ?(?P<text>.*)$")
_STATUS_LINE = re.compile(r"^HTTP/[0-9.]+ (?P<status>\d{3})\b")
_REQUEST_LINE = re.compile(r"^(?P<method>[A-Z]+) (?P<target>\S+) HTTP/")


def trace_environment(path: str) -> dict[str, str]:
    """What makes git write its HTTP headers (never bodies: a push's pack can be large) to ``path``."""
    return {"GIT_TRACE_CURL": path, "GIT_TRACE_CURL_NO_DATA": "1", "GIT_TRACE_REDACT": "1"}


@dataclass(frozen=True)
class Answer:
    """One HTTP exchange of a git command: its request line and the answer's status and headers."""

    request: str  # "POST /owner/repo.wiki.git/git-receive-pack"
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # names in lower case


def parse_trace(text: str) -> list[Answer]:
    """The exchanges in a ``GIT_TRACE_CURL`` file, in order (a redirect or an auth retry is one more)."""
    answers: list[Answer] = []
    request = ""
    for line in text.splitlines():
        found = _TRACE_LINE.search(line)
        if found is None:
            continue
        piece = found["text"].strip()
        sent = _REQUEST_LINE.match(piece) if found["dir"] == "=>" else None
        answered = _STATUS_LINE.match(piece) if found["dir"] == "<=" else None
        if sent:
            request = f"{sent['method']} {sent['target']}"
        elif answered:
            answers.append(Answer(request, int(answered["status"]), {}))
        elif answers and found["dir"] == "<=" and ":" in piece:
            name, _, value = piece.partition(":")
            answers[-1].headers[name.strip().lower()] = value.strip()
    return answers


@dataclass(frozen=True)
class RateLimit:
    """GitHub said "not now": ``wait`` seconds from when it answered, until the epoch ``until``."""

    how: Literal["retry_after", "reset", "unsaid"]
    wait: float
    until: float


def _retry_after(value: str | None, now: float) -> float | None:
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:  # Retry-After may also be an HTTP date
        return max(0.0, parsedate_to_datetime(text).timestamp() - now)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _advertised(answers: Sequence[Answer]) -> bool:
    """Whether the push's advertisement (where GitHub checks the permission) answered 200."""
    return any("service=git-receive-pack" in a.request and a.status == 200 for a in answers)


def rate_limit_of(answers: Sequence[Answer], now: float) -> RateLimit | None:
    """The rate limit the last answer stands for, or None when it is no rate limit."""
    if not answers or answers[-1].status not in (403, 429):
        return None
    last = answers[-1]
    waited = _retry_after(last.headers.get("retry-after"), now)
    if waited is not None:
        return RateLimit("retry_after", waited, now + waited)
    reset = last.headers.get("x-ratelimit-reset", "").strip()
    if last.headers.get("x-ratelimit-remaining", "").strip() == "0" and reset.isdigit():
        return RateLimit("reset", max(0.0, int(reset) - now) + RESET_MARGIN, float(reset))
    pushing = last.request.startswith("POST ") and last.request.endswith("/git-receive-pack")
    if last.status == 429 or (pushing and _advertised(answers[:-1])):
        return RateLimit("unsaid", UNSAID_WAIT, now + UNSAID_WAIT)
    return None


class RateLimited(Exception):
    """GitHub answered a rate limit (nothing was applied): wait ``limit.wait`` seconds and try again."""

    def __init__(self, limit: RateLimit) -> None:
        super().__init__(f"rate limited ({limit.how}, {limit.wait:g} s)")
        self.limit = limit


def traced_limit(trace: Path) -> RateLimit | None:
    """The rate limit a failed git command met, from its trace file (the one function here with I/O)."""
    try:
        text = trace.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return rate_limit_of(parse_trace(text), time.time())


def sleep(seconds: float) -> None:
    """Every rate-limit wait goes through here (tests record the waits instead of sitting them out)."""
    if seconds > 0:
        time.sleep(seconds)


def _clock(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%H:%M:%S UTC")


def limit_message(limit: RateLimit, full_name: str, max_wait: float, *, attempts: int = 1) -> str:
    """One line: which limit stopped pmaction at the wiki and when to re-run. A wait within ``max_wait``
    ends here only when the ``attempts`` are used up: GitHub kept answering the limit."""
    where = f"the wiki of {full_name}"
    if limit.wait <= max_wait:
        return (
            f"GitHub's rate limit kept stopping pmaction at {where} ({attempts} attempts): re-run after "
            f"{_clock(max(limit.until, time.time()))}."
        )
    if limit.how == "retry_after":
        return (
            f"GitHub's secondary rate limit stopped pmaction at {where}: it asked to wait "
            f"{round(limit.wait)} s (Retry-After, until {_clock(limit.until)}), longer than max_wait_seconds "
            "allows: re-run after that, or raise max_wait_seconds."
        )
    if limit.how == "reset":
        return (
            f"GitHub's rate limit for this token is used up (at {where}); it resets at {_clock(limit.until)} "
            f"(in {round(limit.wait)} s), later than max_wait_seconds allows: re-run after the reset, or "
            "raise max_wait_seconds."
        )
    return (
        f"GitHub rate-limited pmaction at {where} without saying for how long (it asks for at least a "
        f"minute): re-run after {_clock(limit.until)}, or raise max_wait_seconds to {UNSAID_WAIT:g} or more."
    )
