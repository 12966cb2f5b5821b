"""Retrying at the GitHub edge: which requests are repeated, how long pmaction waits, the PyGithub client.

A POST is never repeated after a 5xx, a dropped connection or a timeout (it may have been applied); every
wait is capped by ``max_wait_seconds`` and goes through ``_sleep``.
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

from github import Auth, Github, GithubRetry
from github.GithubException import RateLimitExceededExceedsMaxWait
from urllib3 import Retry

from pmaction.github.settings import ApiSettings

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
        # Writes are spaced by the edge (pmaction.github.spacing): the first ones of a run go out at once.
        seconds_between_writes=None,
    )
