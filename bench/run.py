"""pmaction's cost against the physical minimum: API requests per command, wall time, render time.

    python bench/run.py [--quick] [--out docs/benchmarks.md]

Everything runs against the local sandbox (``pmaction.sandbox``), never the network. Request counts
come from the sandbox's request log; each scenario's *minimum* comes from the formulas below, reasoned
from what the command must read and write, not from what the code happens to do today.

Sync minimum (one incident, ``c`` comments, ``e`` events, ``m`` milestones in the repo):

    reads   config file 1           (no checkout in the job: one contents-API read, 404 when absent)
            repository 1, issue 1
            comments ceil(c/100)    (0 when the issue says it has none)
            events max(1, ceil(e/100))
            milestones max(1, ceil(m/100))   (our review milestone is found by its marker)
            backlog listing: max(1, ceil(b/100)) only when the review milestone already holds issues;
                    a milestone created in this run is provably empty
            labels list 1, assignable check 1 per distinct owner   (only when issues are created)
    writes  milestone 1 (when there is none), label creates (labels the new items need and the repo
            lacks), 1 issue per new agreed item, body: re-read 1 + edit 1 (when items get linked),
            status comment 1 (when missing or changed)
    git     clone 3 (advertisement, ls-refs, fetch: git's default protocol v2), push 2 when a page changes

Nag minimum (``M`` open milestones, ``n`` reviews needing a reminder):

    config 1 + milestones max(1, ceil(M/100)) + recent comments 1 (when a review is soon/overdue)
    + 2 per reminder (open-items listing, only when GitHub's count says there are open items, + comment)

The incident's assignees are recorded on the milestone by sync, so the nag reads no incident issue
(a milestone without that record costs one GET of its incident). Target: ceil(M/100) + 2 n + NAG_CONSTANT.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from pmaction.demo import child_env, run_action
from pmaction.engine import run
from pmaction.github.data import Comment, Issue, IssueEvent, Repo
from pmaction.incident.model import Incident
from pmaction.incident.severity import severity
from pmaction.reporter import CollectingReporter
from pmaction.run.clock import Clock
from pmaction.run.context import Event, RunContext
from pmaction.run.result import Result
from pmaction.sandbox import Sandbox
from pmaction.text.markers import owners_marker as owners_line
from pmaction.text.markers import review_marker as milestone_marker
from pmaction.timeline.build import build_timeline
from pmaction.wiki.page import refresh_page, render_page
from pmaction.wiki.render import PageContext

REPO = "octo-org/octo-repo"
INCIDENT = 12
NOW = "2026-03-01T10:00:00Z"
NAG_NOW = "2026-05-10T09:00:00Z"
TYPES = ("mitigate", "prevent", "detect", "process", "test")
OWNERS = ("alice", "bob", "carol")  # carol is no collaborator: assignable check says no, as in real teams
ACTION_LABEL = "postmortem-action"
SYNC_SLACK = 2  # target: sync <= minimum + 2
NAG_CONSTANT = 2  # config file, recent-comments page
NAG_RATIO_TARGET = 10.0  # nag needs >= 10x fewer requests than a per-issue scan at M = 500
WALL_FACTOR, WALL_SLACK_S, FIRST_REQUEST_S = 1.3, 0.5, 0.35
RENDER_TARGET_S = 0.5

Route = tuple[str, str, str]  # (kind, method, route)

# Requests above the minimum that are understood, with their cause; bench output and tests use this.
KNOWN_EXTRA: dict[Route, str] = {}


# --- scenarios -----------------------------------------------------------------------------------------


def item_lines(k: int) -> list[str]:
    """``k`` agreed items: owners, types and priorities cycle, so labels and owners repeat."""
    return [f"- [ ] Fix weak spot number {i} @{OWNERS[i % 3]} #{TYPES[i % 5]} P{i % 4}" for i in range(k)]


def needed_labels(k: int) -> set[str]:
    labels = {f"type:{TYPES[i % 5]}" for i in range(k)} | {f"priority:p{i % 4}" for i in range(k)}
    return labels | {ACTION_LABEL} if k else set()


def sync_scenario(c: int, k: int) -> dict[str, Any]:
    """Incident #12, just labelled: ``c`` comments by collaborators, ``k`` agreed items in the body."""
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    body = "Primary database went away at 08:55 UTC."
    if k:
        body += "\n\n## Action items\n\n" + "\n".join(item_lines(k)) + "\n"
    comments = [
        {
            "user": ("alice", "bob")[i % 2],
            "created_at": (start + timedelta(seconds=3 * i + 5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "body": f"Observation {i}: error rate still {i % 7 + 1}%",
        }
        for i in range(c)
    ]
    return {
        "now": NOW,
        "repo": REPO,
        "collaborators": ["alice", "bob"],
        "labels": [{"name": "incident", "color": "d73a4a"}],
        "wiki_pages": {"Home.md": "Welcome\n"},
        "issues": [
            {
                "number": INCIDENT,
                "title": "DB outage: primary failover took 40 minutes",
                "body": body,
                "user": "alice",
                "labels": ["incident"],
                "created_at": "2026-03-01T09:00:00Z",
                "comments": comments,
                "events": [
                    {
                        "event": "labeled",
                        "label": "incident",
                        "actor": "alice",
                        "created_at": "2026-03-01T09:01:00Z",
                    }
                ],
            }
        ],
    }


def nag_scenario(m: int, items: int = 5) -> dict[str, Any]:
    """``m`` open review milestones, ``items`` backlog issues each (the first closed); every tenth overdue."""
    today = datetime.fromisoformat(NAG_NOW).date()
    milestones: list[dict[str, Any]] = []
    issues: list[dict[str, Any]] = []
    number = 1
    for index in range(m):
        incident = number
        number += 1
        due = today - timedelta(days=5) if index % 10 == 0 else today + timedelta(days=30)
        milestones.append(
            {
                "number": index + 1,
                "title": f"Post-mortem review: #{incident} outage {index}",
                # As sync leaves it: the incident's owners recorded, then the marker.
                "description": "\n".join(
                    [f"Review of #{incident}", owners_line(["alice"]), milestone_marker(REPO, incident)]
                ),
                "due_on": f"{due.isoformat()}T12:00:00Z",
                "state": "open",
                "created_at": "2026-03-01T10:00:00Z",
                "creator": "github-actions[bot]",
            }
        )
        issues.append(
            {
                "number": incident,
                "title": f"Outage {index}",
                "user": "alice",
                "labels": ["incident"],
                "assignees": ["alice"],
                "state": "closed",
                "closed_at": "2026-03-02T10:00:00Z",
                "created_at": "2026-03-01T09:00:00Z",
            }
        )
        for j in range(items):
            closed = {"state": "closed", "closed_at": "2026-03-20T10:00:00Z"} if j == 0 else {}
            issues.append(
                {
                    "number": number,
                    "title": f"Item {j} of #{incident}",
                    "user": "github-actions[bot]",
                    "milestone": index + 1,
                    "labels": [ACTION_LABEL],
                    "assignees": ["bob"],
                    "created_at": "2026-03-01T10:00:00Z",
                    **closed,
                }
            )
            number += 1
    return {
        "now": NAG_NOW,
        "repo": REPO,
        "collaborators": ["alice", "bob"],
        "labels": ["incident", ACTION_LABEL],
        "milestones": milestones,
        "issues": issues,
    }


# --- minimum formulas ----------------------------------------------------------------------------------


def pages(count: int) -> int:
    return math.ceil(count / 100)


@dataclass(frozen=True)
class SyncInputs:
    """What a sync must read and write, as seen before it runs."""

    comments: int
    events: int
    milestones: int
    review_exists: bool
    review_issues: int  # issues already in the review milestone
    new_items: int  # agreed items that need a backlog issue
    owners: int  # distinct owners of those items
    labels_to_create: int
    links_body: bool  # body items get "(#n)" appended
    status_write: bool  # status comment created or changed
    page_changes: bool


def sync_minimum(x: SyncInputs) -> Counter[Route]:
    api = "/repos/{owner}/{repo}"
    need: Counter[Route] = Counter()
    need["api", "GET", api + "/contents/{path}"] += 1
    need["api", "GET", api] += 1
    need["api", "GET", api + "/issues/{issue_number}"] += 1
    need["api", "GET", api + "/issues/{issue_number}/comments"] += pages(x.comments)
    need["api", "GET", api + "/issues/{issue_number}/events"] += max(1, pages(x.events))
    need["api", "GET", api + "/milestones"] += max(1, pages(x.milestones))
    if x.review_exists and x.review_issues:
        need["api", "GET", api + "/issues"] += max(1, pages(x.review_issues))
    if not x.review_exists:
        need["api", "POST", api + "/milestones"] += 1
    if x.new_items:
        need["api", "GET", api + "/labels"] += 1
        need["api", "GET", api + "/assignees/{assignee}"] += x.owners
        need["api", "POST", api + "/labels"] += x.labels_to_create
        need["api", "POST", api + "/issues"] += x.new_items
    if x.links_body:
        need["api", "GET", api + "/issues/{issue_number}"] += 1  # re-read: someone may have edited it
        need["api", "PATCH", api + "/issues/{issue_number}"] += 1
    if x.status_write:
        need["api", "POST", api + "/issues/{issue_number}/comments"] += 1
    need["git", "GET", "git:info-refs"] += 1
    need["git", "POST", "git:upload-pack"] += 2
    if x.page_changes:
        need["git", "GET", "git:info-refs"] += 1
        need["git", "POST", "git:receive-pack"] += 1
    return +need


def first_sync_inputs(c: int, k: int) -> SyncInputs:
    return SyncInputs(
        comments=c,
        events=1,
        milestones=0,
        review_exists=False,
        review_issues=0,
        new_items=k,
        owners=len({OWNERS[i % 3] for i in range(k)}),
        labels_to_create=len(needed_labels(k)),
        links_body=k > 0,
        status_write=True,
        page_changes=True,
    )


def rerun_inputs(c: int, k: int) -> SyncInputs:
    """Nothing changed since the first sync: its status comment and k backlog issues now exist."""
    return SyncInputs(
        comments=c + 1,
        events=1,
        milestones=1,
        review_exists=True,
        review_issues=k,
        new_items=0,
        owners=0,
        labels_to_create=0,
        links_body=False,
        status_write=False,
        page_changes=False,
    )


def overdue_count(m: int) -> int:
    return len(range(0, m, 10))


def nag_minimum(m: int, due: int, incidents: int) -> Counter[Route]:
    api = "/repos/{owner}/{repo}"
    need: Counter[Route] = Counter()
    need["api", "GET", api + "/contents/{path}"] += 1
    need["api", "GET", api + "/milestones"] += max(1, pages(m))
    if due:
        need["api", "GET", api + "/issues/comments"] += 1
        need["api", "GET", api + "/issues"] += due
        need["api", "POST", api + "/issues/{issue_number}/comments"] += due
    return need


def nag_target(m: int, due: int) -> int:
    return pages(m) + 2 * due + NAG_CONSTANT


# --- running pmaction ----------------------------------------------------------------------------------


def isolate_children() -> None:
    """git children of in-process runs: loopback only, no user config (a dead proxy catches strays)."""
    home = Path(tempfile.mkdtemp(prefix="pmaction-bench-home-"))
    os.environ.update(child_env(os.environ, home))


def run_inprocess(sb: Sandbox, event: Event, **inputs: str) -> Result:
    ctx = RunContext(repo=sb.repo, api_url=sb.api_url, server_url=sb.server_url, token=sb.token, event=event)
    result = run(ctx, {"seconds_between_writes": "0", **inputs}, CollectingReporter(), Clock(fixed=sb.now()))
    if result.exit_code:
        raise RuntimeError(f"pmaction failed: {result.failed}")
    return result


def run_sync(sb: Sandbox, number: int = INCIDENT) -> Result:
    return run_inprocess(sb, Event("workflow_dispatch"), command="sync", issue_number=str(number))


def run_nag(sb: Sandbox) -> Result:
    return run_inprocess(sb, Event("schedule", {"schedule": "17 8 * * 1-5"}))


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


def excess(measured: Counter[Route], minimum: Counter[Route]) -> dict[Route, int]:
    """Per route, measured minus minimum, where they differ."""
    keys = set(measured) | set(minimum)
    return {key: measured[key] - minimum[key] for key in sorted(keys) if measured[key] != minimum[key]}


# --- the figures ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncFigures:
    c: int
    k: int
    measured: Counter[Route]
    minimum: Counter[Route]
    rerun: Counter[Route]
    rerun_minimum: Counter[Route]
    seconds: float

    @property
    def ok(self) -> bool:
        api_ok = api_total(self.measured) <= api_total(self.minimum) + SYNC_SLACK
        return api_ok and writes(self.rerun) == 0 and pushes(self.rerun) == 0


def measure_sync(c: int, k: int) -> SyncFigures:
    with Sandbox.start(sync_scenario(c, k)) as sb:
        started = time.perf_counter()
        run_sync(sb)
        seconds = time.perf_counter() - started
        first = by_route(settled_requests(sb))
        sb.clear_requests()
        run_sync(sb)
        rerun = by_route(settled_requests(sb))
    return SyncFigures(
        c, k, first, sync_minimum(first_sync_inputs(c, k)), rerun, sync_minimum(rerun_inputs(c, k)), seconds
    )


def per_issue_scan(sb: Sandbox) -> int:
    """A stale-style scanner: every open milestone, its issues, each open item's comments. Requests made."""
    http = requests.Session()
    http.trust_env = False  # loopback only
    http.headers.update({"Authorization": f"token {sb.token}", "Accept": "application/vnd.github+json"})
    count = 0

    def listing(url: str, params: dict[str, str]) -> Iterator[dict[str, Any]]:
        nonlocal count
        next_url: str | None = url
        query: dict[str, str] | None = {**params, "per_page": "100"}
        while next_url:
            response = http.get(next_url, params=query, timeout=30)
            count += 1
            response.raise_for_status()
            yield from response.json()
            next_url = response.links.get("next", {}).get("url")
            query = None  # the Link URL carries the query

    base = f"{sb.api_url}/repos/{sb.repo}"
    for milestone in list(listing(f"{base}/milestones", {"state": "open"})):
        items = listing(f"{base}/issues", {"milestone": str(milestone["number"]), "state": "all"})
        for item in list(items):
            if item["state"] == "open":
                for _ in listing(f"{base}/issues/{item['number']}/comments", {}):
                    pass
    return count


@dataclass(frozen=True)
class NagFigures:
    m: int
    due: int
    measured: Counter[Route]
    minimum: Counter[Route]
    target: int
    scan: int | None  # requests of the per-issue scan, None when not run
    seconds: float
    scan_seconds: float

    @property
    def total(self) -> int:
        return api_total(self.measured)

    @property
    def ratio(self) -> float | None:
        return self.scan / self.total if self.scan else None


def measure_nag(m: int, *, scan: bool) -> NagFigures:
    with Sandbox.start(nag_scenario(m)) as sb:
        started = time.perf_counter()
        run_nag(sb)
        seconds = time.perf_counter() - started
        measured = by_route(settled_requests(sb))
        due = overdue_count(m)
        scan_count, scan_seconds = None, 0.0
        if scan:
            sb.clear_requests()
            started = time.perf_counter()
            scan_count = per_issue_scan(sb)
            scan_seconds = time.perf_counter() - started
            logged = len(settled_requests(sb))
            if logged != scan_count:
                raise RuntimeError(f"per-issue scan: {scan_count} requests sent, {logged} logged")
    return NagFigures(
        m, due, measured, nag_minimum(m, due, m), nag_target(m, due), scan_count, seconds, scan_seconds
    )


@dataclass(frozen=True)
class WallFigures:
    name: str
    latency_ms: int
    requests: int
    wall: float
    first_request: float  # process start to the first request's arrival
    served: float  # sum of the requests' time in the server (latency included)
    between: float  # client time between one answer and the next request (work, connections, git)
    after_last: float  # last answer to process exit

    @property
    def budget(self) -> float:
        return WALL_FACTOR * self.requests * self.latency_ms / 1000 + WALL_SLACK_S

    @property
    def ok(self) -> bool:
        return self.wall <= self.budget


def timed_action(
    sb: Sandbox,
    latency_ms: int,
    workdir: Path,
    name: str,
    event: str,
    payload: Mapping[str, Any],
    inputs: Mapping[str, str],
) -> WallFigures:
    """``python -m entrypoint`` as the runner starts it; first request time from the sandbox log."""
    sb.clear_requests()
    spawned = time.time()  # wall clock: the log's `at` is the server's time.time() at receipt
    outcome = run_action(sb, event, payload, workdir, inputs=inputs)
    wall = time.time() - spawned
    if outcome.code:
        raise RuntimeError(f"{name}: the action failed\n{outcome.stdout}")
    log = sorted(settled_requests(sb), key=lambda r: float(r["at"]))
    starts = [float(r["at"]) - spawned for r in log]
    ends = [start + float(r["duration_ms"]) / 1000 for start, r in zip(starts, log, strict=True)]
    between = sum(max(0.0, nxt - end) for end, nxt in zip(ends, starts[1:], strict=False))
    served = sum(end - start for start, end in zip(starts, ends, strict=True))
    return WallFigures(name, latency_ms, len(log), wall, starts[0], served, between, wall - ends[-1])


def measure_wall(latency_ms: int, work: Path, repeat: int) -> list[WallFigures]:
    """Each run ``repeat`` times on a fresh sandbox; the fastest counts (the machine may be shared)."""
    sync_inputs = {"command": "sync", "issue_number": str(INCIDENT)}
    schedule = {"schedule": "17 8 * * 1-5"}
    runs: dict[str, list[WallFigures]] = {}
    for rep in range(repeat):
        with Sandbox.start(sync_scenario(100, 5), latency_ms=latency_ms) as sb:
            sync: tuple[str, dict[str, Any], dict[str, str]] = ("workflow_dispatch", {}, sync_inputs)
            for name in ("sync c=100 k=5", "sync re-run, unchanged"):
                figures = timed_action(sb, latency_ms, work / f"{name[:7]}-{rep}", name, *sync)
                runs.setdefault(name, []).append(figures)
        with Sandbox.start(nag_scenario(100), latency_ms=latency_ms) as sb:
            figures = timed_action(sb, latency_ms, work / f"nag-{rep}", "nag M=100", "schedule", schedule, {})
            runs.setdefault("nag M=100", []).append(figures)
    return [
        dataclasses.replace(
            min(found, key=lambda f: f.wall),
            first_request=min(f.first_request for f in found),
        )
        for found in runs.values()
    ]


def render_context(n: int) -> PageContext:
    """A timeline of ``n`` comment entries (plus the announced entry), as sync would build it."""
    repo = Repo(REPO, f"https://github.com/{REPO}", False, True)
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    issue = Issue(
        INCIDENT,
        "DB outage",
        "Primary went away.",
        "open",
        "https://x/12",
        start,
        None,
        "alice",
        ("incident",),
    )
    comments = [
        Comment(
            i + 1,
            ("alice", "bob")[i % 2],
            "COLLABORATOR",
            start + timedelta(seconds=7 * i),
            start + timedelta(seconds=7 * i),
            f"Observation {i}: queue lag {i % 50} s" + (" #detected" if i == 3 else ""),
            f"https://x/12#issuecomment-{i + 1}",
        )
        for i in range(n)
    ]
    events = [IssueEvent(10**9, "labeled", "alice", start, label="incident")]
    timeline = build_timeline(Incident(repo, issue, comments, events))
    return PageContext(repo, issue, timeline, severity(issue), UTC)


@dataclass(frozen=True)
class RenderFigures:
    n: int
    render: float
    refresh: float
    size: int


def best_of(repeat: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    best, value = math.inf, None
    for _ in range(repeat):
        started = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - started)
    return best, value


def measure_render(n: int, repeat: int) -> RenderFigures:
    ctx = render_context(n)
    render_s, page = best_of(repeat, lambda: render_page(ctx))
    refresh_s, again = best_of(repeat, lambda: refresh_page(page, ctx))
    if again != page:
        raise RuntimeError(f"refresh_page changed its own output at n={n}")
    return RenderFigures(n, render_s, refresh_s, len(page))


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


def report_sync(report: Report, figures: Sequence[SyncFigures]) -> None:
    report.add("## Sync of a new incident", "")
    report.add(
        f"`c` comments, `k` agreed items in the issue body. Target: API requests <= minimum + {SYNC_SLACK}; "
        "re-run with nothing changed: 0 writes, 0 wiki pushes.",
        "",
    )
    rows = []
    for f in figures:
        api, api_min = api_total(f.measured), api_total(f.minimum)
        rows.append(
            [
                f.c,
                f.k,
                api,
                api_min,
                f"{api / api_min:.2f}",
                f"{git_total(f.measured)} / {git_total(f.minimum)}",
                f"{api_total(f.rerun)} / {api_total(f.rerun_minimum)}",
                writes(f.rerun),
                pushes(f.rerun),
                f"{f.seconds:.2f}",
                mark(f.ok),
            ]
        )
        if not f.ok:
            report.missed.append(f"sync c={f.c} k={f.k}: {api} API requests, minimum {api_min}")
    report.table(
        [
            "c",
            "k",
            "API requests",
            "minimum",
            "ratio",
            "git (measured / min)",
            "re-run API (measured / min)",
            "re-run writes",
            "re-run pushes",
            "time (s, no latency)",
            "target",
        ],
        rows,
    )
    report.add("### By method and route (measured / minimum; first sync)", "")
    keys = sorted(
        {key for f in figures for key in (*f.measured, *f.minimum)}, key=lambda k: (k[0], k[2], k[1])
    )
    head = ["request", *(f"c={f.c} k={f.k}" for f in figures)]
    rows = []
    for key in keys:
        cells = []
        for f in figures:
            got, need = f.measured[key], f.minimum[key]
            cells.append(f"{got}" if got == need else f"**{got} / {need}**")
        rows.append([f"`{route_name(key)}`", *cells])
    report.table(head, rows)
    extras: dict[Route, list[str]] = {}
    for f in figures:
        for key, diff in excess(f.measured, f.minimum).items():
            extras.setdefault(key, []).append(f"c={f.c} k={f.k}: {diff:+d}")
        for key, diff in excess(f.rerun, f.rerun_minimum).items():
            extras.setdefault(key, []).append(f"re-run c={f.c} k={f.k}: {diff:+d}")
    if extras:
        report.add("### Requests above the minimum", "")
        for key, where in extras.items():
            cause = KNOWN_EXTRA.get(key, "not yet explained")
            report.add(f"- `{route_name(key)}` ({', '.join(where)}): {cause}")
        report.add("")


def report_nag(report: Report, figures: Sequence[NagFigures]) -> None:
    report.add("## Nag over open reviews", "")
    report.add(
        "`M` open review milestones, 5 backlog items each (1 closed), every tenth review overdue. Target: "
        f"requests <= ceil(M/100) + 2 x overdue + {NAG_CONSTANT}, and >= {NAG_RATIO_TARGET:.0f}x fewer than "
        "the per-issue scan at M = 500.",
        "",
    )
    rows = []
    for f in figures:
        ok = f.total <= f.target
        if f.m == 500:
            ok = ok and f.ratio is not None and f.ratio >= NAG_RATIO_TARGET
        if not ok:
            incident_pages = min(f.due, pages(f.m))
            report.missed.append(
                f"nag M={f.m}: {f.total} requests, target {f.target}, minimum {api_total(f.minimum)}; "
                f"over target by {f.total - f.target}: the incident-assignee listing "
                f"(GET /repos/{{owner}}/{{repo}}/issues?labels=incident&state=all) took "
                f"{incident_pages} pages, the target counts 1"
                + (
                    f"; per-issue scan only {f.ratio:.1f}x more"
                    if f.ratio and f.ratio < NAG_RATIO_TARGET
                    else ""
                )
            )
        rows.append(
            [
                f.m,
                f.due,
                f.total,
                api_total(f.minimum),
                f.target,
                f.measured["api", "GET", "/repos/{owner}/{repo}/issues"],
                f"{f.seconds:.2f}",
                f.scan if f.scan is not None else "not run",
                f"{f.ratio:.1f}x" if f.ratio else "",
                f"{f.scan_seconds:.2f}" if f.scan is not None else "",
                mark(ok),
            ]
        )
    report.table(
        [
            "M",
            "overdue",
            "nag requests",
            "minimum",
            "target",
            "of which GET /issues",
            "nag time (s)",
            "per-issue scan",
            "scan / nag",
            "scan time (s)",
            "target",
        ],
        rows,
    )


def report_wall(report: Report, figures: Sequence[WallFigures]) -> None:
    report.add("## Wall time with injected latency", "")
    report.add(
        "`python -m entrypoint` in a child process, as the runner starts it; the fastest of the repeats. "
        f"Targets: wall <= {WALL_FACTOR} x "
        f"requests x latency + {WALL_SLACK_S} s; process start to first request <= {FIRST_REQUEST_S} s "
        "(median of the runs). Requests include git. The first request is timed by the sandbox's receipt "
        "time (`at` in its log) against the wall clock just before the spawn. Overhead = wall - requests x "
        "latency = start to first request + server time beyond the latency + client time between requests "
        "(PyGithub, page rendering, git processes) + last answer to exit.",
        "",
    )
    rows = []
    for f in figures:
        floor = f.requests * f.latency_ms / 1000
        rows.append(
            [
                f.name,
                f.latency_ms,
                f.requests,
                f"{floor:.2f}",
                f"{f.wall:.2f}",
                f"{f.wall - floor:.2f}",
                f"{f.served - floor:.2f}",
                f"{f.between:.2f}",
                f"{f.after_last:.2f}",
                f"{f.budget:.2f}",
                f"{f.first_request:.3f}",
                mark(f.ok),
            ]
        )
        if not f.ok:
            report.missed.append(f"wall time {f.name}: {f.wall:.2f} s, budget {f.budget:.2f} s")
    report.table(
        [
            "run",
            "latency (ms)",
            "requests",
            "requests x latency (s)",
            "wall (s)",
            "overhead (s)",
            "of which: server beyond latency",
            "client between requests",
            "last answer to exit",
            "budget (s)",
            "start to first request (s)",
            "target",
        ],
        rows,
    )
    first = statistics.median(f.first_request for f in figures)
    ok = first <= FIRST_REQUEST_S
    report.add(f"Start to first request, median: {first:.3f} s {mark(ok)}", "")
    if not ok:
        report.missed.append(f"start to first request: median {first:.3f} s > {FIRST_REQUEST_S} s")


def report_render(report: Report, figures: Sequence[RenderFigures]) -> None:
    report.add("## Render and merge of a timeline", "")
    report.add(
        "`render_page` of a fresh page, then `refresh_page` on its own output (best of the repeats). "
        f"Target: 5,000-entry render <= {RENDER_TARGET_S} s, linear growth (about 10x per 10x).",
        "",
    )
    rows = []
    by_n = {f.n: f for f in figures}
    for f in figures:
        growth = ""
        tenth = by_n.get(f.n // 10)
        if tenth is not None and f.n % 10 == 0:
            growth = f"{(f.render + f.refresh) / (tenth.render + tenth.refresh):.1f}x"
        rows.append(
            [
                f"{f.n:,}",
                f"{f.render:.3f}",
                f"{f.refresh:.3f}",
                f"{f.render + f.refresh:.3f}",
                f"{(f.render + f.refresh) / f.n * 1e6:.0f}",
                growth,
                f"{f.size / 1024:.0f} KiB",
            ]
        )
    report.table(
        [
            "entries",
            "render_page (s)",
            "refresh_page (s)",
            "both (s)",
            "µs per entry",
            "growth per 10x",
            "page",
        ],
        rows,
    )
    at5000 = next((f for f in figures if f.n == 5000), None)
    if at5000 is not None:
        ok = at5000.render <= RENDER_TARGET_S
        both = at5000.render + at5000.refresh
        report.add(
            f"5,000 entries: render_page {at5000.render:.3f} s {mark(ok)} (the target); render_page + "
            f"refresh_page {both:.3f} s, {'within' if both <= RENDER_TARGET_S else 'over'} "
            f"{RENDER_TARGET_S} s. A merge builds the rows more than once (template, blocks, table); "
            "page.py remembers each rendered row, so the repeats cost a dictionary lookup.",
            "",
        )
        if not ok:
            report.missed.append(f"render of 5,000 entries: {at5000.render:.3f} s")
    for large in figures:
        small = by_n.get(large.n // 10)
        if small is not None and small.n >= 1000 and large.n % 10 == 0:
            ratio = (large.render + large.refresh) / (small.render + small.refresh)
            if ratio > 13:
                report.missed.append(f"render growth {small.n}->{large.n}: {ratio:.1f}x (not linear)")


# --- main ----------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a smaller grid (about 20 s)")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent.parent / "docs/benchmarks.md"
    )
    parser.add_argument("--latency-ms", type=int, default=50)
    args = parser.parse_args(argv)
    isolate_children()
    started = time.perf_counter()
    comments = (10, 100) if args.quick else (10, 100, 1000)
    items = (0, 5) if args.quick else (0, 5, 50)
    reviews = (10, 100, 500) if args.quick else (10, 100, 500, 1000)
    sizes = (100, 1000, 5000) if args.quick else (100, 1000, 5000, 10000)

    report = Report()
    report.add(
        "# Benchmarks",
        "",
        f"Written by `python bench/run.py{' --quick' if args.quick else ''}` on "
        f"{date.today().isoformat()}. Machine: {machine()}; {load()} at start.",
        "",
        "Request counts come from the sandbox's request log; minimums from the formulas in `bench/run.py` "
        "(what each command must read and write). Runs use `seconds_between_writes: 0` (the action's default "
        "of 1 s between writes respects GitHub's secondary limit and would dominate wall time).",
        "",
    )
    sync_figures = [measure_sync(c, k) for c in comments for k in items]
    print(f"sync grid done ({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    report_sync(report, sync_figures)
    nag_figures = [measure_nag(m, scan=True) for m in reviews]
    print(f"nag grid done ({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    report_nag(report, nag_figures)
    with tempfile.TemporaryDirectory(prefix="pmaction-bench-") as tmp:
        wall = measure_wall(args.latency_ms, Path(tmp), 1 if args.quick else 3)
    print(f"wall time done ({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    report_wall(report, wall)
    render_page(render_context(10))  # compile the template once, outside the timings
    report_render(report, [measure_render(n, 3) for n in sizes])
    report.add("## Missed targets", "")
    report.add(*(f"- {line}" for line in report.missed) if report.missed else ["None."])
    report.add("", f"Total benchmark time: {time.perf_counter() - started:.0f} s; {load()} at the end.")
    text = "\n".join(report.lines) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
