"""Spacing between writes: GitHub's guidance for sustained bursts, without slowing a small run.

GitHub asks integrations that make many POST, PATCH, PUT or DELETE requests to wait about a second between
them, and its secondary rate limit stops content creation at roughly 80 writes a minute. A run that makes a
few writes is far from either: the first ``FREE_WRITES`` writes of a run go out at once, and only the ones
after them wait ``seconds`` after the previous write ended. Whatever the spacing, a 403/429 with Retry-After
or a secondary-limit answer is still waited out by ``CappedRetry`` (pmaction.github.retry).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator

from pmaction.github import retry

# A first sync of an incident with 5 agreed items makes 18 writes (10 labels, the review milestone, 5 issues,
# the body links, the status comment): 20 unspaced writes are a quarter of GitHub's per-minute limit.
FREE_WRITES = 20


class WriteSpacer:
    """Counts a run's writes and waits, through ``retry._sleep``, before each one past ``free``."""

    def __init__(
        self, seconds: float, free: int = FREE_WRITES, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = max(0.0, seconds)
        self.free = free
        self.writes = 0
        self._clock = clock
        self._last_end: float | None = None

    def wait_needed(self) -> float:
        """Seconds the next write must wait (0 within the free ones, or with no spacing)."""
        if self.writes < self.free or not self.seconds or self._last_end is None:
            return 0.0
        return max(0.0, self._last_end + self.seconds - self._clock())

    @contextlib.contextmanager
    def write(self) -> Iterator[None]:
        """Around one write: wait if needed, then note when it ended (also when it failed: GitHub saw it)."""
        wait = self.wait_needed()
        if wait > 0:
            retry._sleep(wait)  # looked up at call time: tests record the waits instead of sitting them out
        self.writes += 1
        try:
            yield
        finally:
            self._last_end = self._clock()
