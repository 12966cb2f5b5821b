"""How pmaction talks to the GitHub API: where, with which token, how patiently, and whether it writes."""

from __future__ import annotations

from dataclasses import dataclass, field


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
    # Answer reads, record writes instead of sending them (pmaction.github.recorder).
    dry_run: bool = False
