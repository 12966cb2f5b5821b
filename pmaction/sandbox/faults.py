"""Injected failures: the ways GitHub misbehaves that a careful client must survive.

A fault matches a method and a templated route, fires ``times`` times, and is consumed in the order
installed; ``after`` lets that many matching requests through first (so the incident is read and the
next read of an issue fails). ``FaultBook`` is the thread-safe queue; ``answer_for`` turns a fault into
the status, headers and body GitHub would send.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

KINDS = {
    "status",
    "secondary_limit",
    "secondary_limit_reset",
    "too_many",
    "primary_limit",
    "slow",
    "drop",
    "drop_after_apply",
}
SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID 0000:SANDBOX."
)
PRIMARY_MESSAGE = (
    "API rate limit exceeded for installation ID 1. If you reach out to GitHub Support for help, "
    "please include the request ID 0000:SANDBOX and timestamp."
)
DOCS_RATE = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"


class FaultError(ValueError):
    pass


@dataclass(frozen=True)
class Fault:
    kind: str
    method: str = "*"
    route: str = "*"
    times: int = 1
    status: int = 502
    retry_after: int = 1
    reset_in: int = 60
    delay_ms: int = 0
    after: int = 0  # matching requests let through untouched before the fault starts firing

    def matches(self, method: str, route: str | None) -> bool:
        return self.method in ("*", method.upper()) and self.route in ("*", route)

    def spec(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


def parse_fault(raw: dict[str, Any]) -> Fault:
    kind = raw.get("kind")
    if kind not in KINDS:
        raise FaultError(f"fault kind {kind!r} must be one of {sorted(KINDS)}")
    known = set(Fault.__dataclass_fields__)
    unknown = set(raw) - known
    if unknown:
        raise FaultError(f"unknown fault fields: {sorted(unknown)}")
    fault = Fault(**{**raw, "method": str(raw.get("method", "*")).upper()})
    if fault.times < 1:
        raise FaultError("times must be at least 1")
    if fault.after < 0:
        raise FaultError("after must be 0 or more")
    return fault


class FaultBook:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[list[Any]] = []  # [fault, remaining, still to let through]

    def add(self, faults: list[Fault]) -> None:
        with self._lock:
            self._pending.extend([f, f.times, f.after] for f in faults)

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{**f.spec(), "remaining": n} for f, n, _ in self._pending]

    def take(self, method: str, route: str | None) -> Fault | None:
        """Consume one firing of the first fault that matches, if any."""
        with self._lock:
            for entry in self._pending:
                fault, remaining, waiting = entry
                if fault.matches(method, route):
                    if waiting > 0:
                        entry[2] = waiting - 1  # not yet: a later fault may still match this request
                        continue
                    if remaining <= 1:
                        self._pending.remove(entry)
                    else:
                        entry[1] = remaining - 1
                    return fault
        return None


@dataclass(frozen=True)
class FaultAnswer:
    status: int
    headers: dict[str, str]
    body: dict[str, Any]


def answer_for(fault: Fault, now_epoch: float | None = None) -> FaultAnswer | None:
    """The canned answer of a fault; None for kinds that let the request through (slow, drop...)."""
    epoch = int(now_epoch if now_epoch is not None else time.time())
    if fault.kind == "status":
        return FaultAnswer(fault.status, {}, {"message": "Server Error"})
    if fault.kind in ("secondary_limit", "too_many"):
        status = 403 if fault.kind == "secondary_limit" else 429
        body = {"message": SECONDARY_MESSAGE, "documentation_url": DOCS_RATE, "status": str(status)}
        return FaultAnswer(status, {"Retry-After": str(fault.retry_after)}, body)
    if fault.kind in ("primary_limit", "secondary_limit_reset"):
        # GitHub's other way of saying when: no Retry-After, the limit used up until the reset time.
        headers = {
            "x-ratelimit-limit": "5000",
            "x-ratelimit-remaining": "0",
            "x-ratelimit-used": "5000",
            "x-ratelimit-reset": str(epoch + fault.reset_in),
            "x-ratelimit-resource": "core",
        }
        message = PRIMARY_MESSAGE if fault.kind == "primary_limit" else SECONDARY_MESSAGE
        return FaultAnswer(
            403, headers, {"message": message, "documentation_url": DOCS_RATE, "status": "403"}
        )
    return None
