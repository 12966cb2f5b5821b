"""What the parts of the benchmark share: running pmaction on the sandbox, its request log, the report.

Imported by ``bench/run.py`` (which puts this folder on ``sys.path``) and, through it, by
tests/test_request_counts.py.
"""

from __future__ import annotations

import contextlib
import math
import os
import platform
import tempfile
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pmaction.demo import child_env
from pmaction.engine import run
from pmaction.reporter import CollectingReporter
from pmaction.run.clock import Clock
from pmaction.run.context import Event, RunContext
from pmaction.run.result import Result
from pmaction.sandbox import Sandbox

REPO = "octo-org/octo-repo"
INCIDENT = 12
API = "/repos/{owner}/{repo}"
Route = tuple[str, str, str]  # (kind, method, route)


def pages(count: int) -> int:
    return math.ceil(count / 100)


def isolate_children() -> None:
    """git children of in-process runs: loopback only, no user config (a dead proxy catches strays)."""
    home = Path(tempfile.mkdtemp(prefix="pmaction-bench-home-"))
    os.environ.update(child_env(os.environ, home))


def run_inprocess(sb: Sandbox, event: Event, *, token: str | None = None, **inputs: str) -> Result:
    """One run in this process, without write spacing (the in-process runs count requests, not seconds)."""
    ctx = RunContext(
        repo=sb.repo, api_url=sb.api_url, server_url=sb.server_url, token=token or sb.token, event=event
    )
    result = run(ctx, {"seconds_between_writes": "0", **inputs}, CollectingReporter(), Clock(fixed=sb.now()))
    if result.exit_code:
        raise RuntimeError(f"pmaction failed: {result.failed}")
    return result


def settled_requests(sb: Sandbox) -> list[dict[str, Any]]:
    """The request log once it stops growing (git entries are logged just after their answer)."""
    log = sb.requests()
    for _ in range(20):
        time.sleep(0.02)
        again = sb.requests()
        if len(again) == len(log):
            return again
        log = again
    return log


def by_route(log: Sequence[Mapping[str, Any]]) -> Counter[Route]:
    return Counter((str(r["kind"]), str(r["method"]), str(r["route"])) for r in log)


def api_total(counts: Counter[Route]) -> int:
    return sum(n for key, n in counts.items() if key[0] == "api")


def git_total(counts: Counter[Route]) -> int:
    return sum(n for key, n in counts.items() if key[0] == "git")


def writes(counts: Counter[Route]) -> int:
    return sum(n for (kind, method, _), n in counts.items() if kind == "api" and method != "GET")


def pushes(counts: Counter[Route]) -> int:
    return counts["git", "POST", "git:receive-pack"]


def counted(log: Sequence[Mapping[str, Any]]) -> int:
    """API requests GitHub counts against the primary rate limit (a 304 is not counted)."""
    return sum(1 for r in log if r["kind"] == "api" and r.get("counted"))


def not_modified(log: Sequence[Mapping[str, Any]]) -> int:
    return sum(1 for r in log if r["kind"] == "api" and r["status"] == 304)


def excess(measured: Counter[Route], minimum: Counter[Route]) -> dict[Route, int]:
    """Per route, measured minus minimum, where they differ."""
    keys = set(measured) | set(minimum)
    return {key: measured[key] - minimum[key] for key in sorted(keys) if measured[key] != minimum[key]}


# --- report --------------------------------------------------------------------------------------------


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min)"


def machine() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()} ({platform.system()})"


def mark(ok: bool) -> str:
    return "✅" if ok else "❌ missed"


def route_name(key: Route) -> str:
    kind, method, route = key
    return f"{method} {route}" if kind == "api" else f"{method} {route} (git)"


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def table(self, head: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        self.add("| " + " | ".join(head) + " |", "|" + "---|" * len(head))
        self.add(*("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows))
        self.add("")
