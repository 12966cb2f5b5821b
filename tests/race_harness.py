"""N runs of ``python -m entrypoint`` on one fresh incident at once, and the invariants they must leave.

Each run is a child process started exactly as the runner starts it (every action.yml input at its
default, a real event payload); the starts are spread over ``spread`` seconds. ``check_invariants`` reads
only what lands on the sandbox (issues, milestones, comments, wiki files) and a nag run's outputs, and
returns every broken invariant as a sentence, so one trial reports all it found.

Used by ``tests/test_concurrency_n.py``; ``PMACTION_RACE_TRIALS=10`` (or more) runs the 10-trial harness.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers import run_event

from pmaction.demo import child_env, parse_outputs
from pmaction.run.context import Event
from pmaction.run.options import action_defaults
from pmaction.sandbox import Sandbox
from pmaction.sandbox.events import load_payload, retarget_payload
from pmaction.text.markers import parse_page_marker

REPO = "octo-org/octo-repo"
COMMENT = "Replica promoted by hand at 09:20."
ITEMS = ("Write a failover runbook", "Alarm on replica lag", "Drill the failover quarterly")
BODY = (
    "Primary database went away at 08:55 UTC.\n\n"
    "### Action items\n\n"
    "- [ ] Write a failover runbook @alice #prevent P1\n"
    "- [ ] Alarm on replica lag @bob #detect P2\n"
    "- [ ] Drill the failover quarterly @alice #mitigate P2\n"
)
ITEM_MARKER = re.compile(r"<!-- pmaction:item [^ ]+#12 key=([0-9a-f]{12}) -->\s*$")


def fresh_incident() -> dict[str, Any]:
    """#12 was just labelled and bob commented: no run has touched it yet."""
    return {
        "now": "2026-03-01T10:00:00Z",
        "repo": REPO,
        "collaborators": ["alice", "bob"],
        "labels": [{"name": "incident", "color": "d73a4a"}],
        "wiki_pages": {"Home.md": "Welcome!\n"},
        "issues": [
            {
                "number": 12,
                "title": "DB outage",
                "body": BODY,
                "user": "alice",
                "labels": ["incident"],
                "created_at": "2026-03-01T09:00:00Z",
                "comments": [{"user": "bob", "created_at": "2026-03-01T09:30:00Z", "body": COMMENT}],
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


@dataclass(frozen=True)
class Child:
    code: int
    log: str
    outputs: dict[str, str]


def _issue(sb: Sandbox, number: int) -> dict[str, Any]:
    return next(i for i in sb.repo_state()["issues"] if i["number"] == number)


def payloads(sb: Sandbox) -> list[tuple[str, dict[str, Any]]]:
    """The three events a fresh incident fires at once: the label, bob's comment, a maintainer's dispatch."""
    issue = _issue(sb, 12)
    rest = {k: v for k, v in issue.items() if k not in ("comments", "events")}

    def aimed(name: str, **extra: Any) -> dict[str, Any]:
        out = retarget_payload(
            load_payload(name),
            full_name=sb.repo,
            issue=rest,
            server_url=sb.server_url,
            api_url=sb.api_url,
            label=extra.pop("label", None),
            repository=sb.repo_state()["repo"],
        )
        out.update(extra)
        return out

    comment = issue["comments"][-1]
    return [
        ("issues", aimed("issues.labeled", label="incident")),
        ("issue_comment", aimed("issue_comment.created", comment=comment)),
        ("workflow_dispatch", aimed("workflow_dispatch", inputs={"command": "sync", "issue_number": "12"})),
    ]


def _env(
    sb: Sandbox, workdir: Path, event: str, payload: dict[str, Any], inputs: dict[str, str]
) -> dict[str, str]:
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "event.json").write_text(json.dumps(payload), encoding="utf-8")
    (workdir / "output").write_text("")
    (workdir / "summary.md").write_text("")
    env = child_env(os.environ, workdir)
    env.update({f"INPUT_{name.upper()}": value for name, value in action_defaults().items()})
    env.update({f"INPUT_{name.upper()}": value for name, value in inputs.items()})
    env.update(
        {
            "INPUT_GITHUB_TOKEN": sb.token,
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": event,
            "GITHUB_EVENT_PATH": str(workdir / "event.json"),
            "GITHUB_REPOSITORY": sb.repo,
            "GITHUB_API_URL": sb.api_url,
            "GITHUB_SERVER_URL": sb.server_url,
            "GITHUB_OUTPUT": str(workdir / "output"),
            "GITHUB_STEP_SUMMARY": str(workdir / "summary.md"),
            "PMACTION_NOW": sb.now().isoformat(),
        }
    )
    return env


def run_at_once(sb: Sandbox, workdir: Path, *, spread: float, seed: int) -> list[Child]:
    """The three runs, started in a random order within ``spread`` seconds of each other."""
    rng = random.Random(seed)
    events = payloads(sb)
    rng.shuffle(events)
    offsets = sorted(rng.uniform(0, spread) for _ in events)
    offsets = [offset - offsets[0] for offset in offsets]
    inputs = {"seconds_between_writes": "0"}
    envs = [
        _env(sb, workdir / f"run{n}", event, payload, inputs) for n, (event, payload) in enumerate(events)
    ]
    procs: list[subprocess.Popen[str]] = []
    start = time.monotonic()
    for env, offset in zip(envs, offsets, strict=True):
        time.sleep(max(0.0, start + offset - time.monotonic()))
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "entrypoint"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
    children = []
    for n, proc in enumerate(procs):
        out, _ = proc.communicate(timeout=120)
        outputs = parse_outputs((workdir / f"run{n}" / "output").read_text(encoding="utf-8"))
        children.append(Child(proc.returncode, out, outputs))
    return children


def _page(sb: Sandbox) -> str:
    for text in sb.wiki_files().values():
        ref = parse_page_marker(text.split("\n", 1)[0])
        if ref and ref.number == 12:
            return text
    return ""


def check_invariants(sb: Sandbox, children: list[Child], workdir: Path) -> list[str]:
    """Every broken invariant after the race, as one sentence each (empty: all hold)."""
    broken: list[str] = []
    for n, child in enumerate(children):
        if child.code != 0 or "Traceback" in child.log:
            broken.append(f"run {n} ended {child.code}: {child.log[-600:]}")
    state = sb.repo_state()
    milestones = state["milestones"]
    if len(milestones) != 1:
        return [*broken, f"{len(milestones)} milestones"]
    milestone = milestones[0]
    counted = milestone["open_issues"] + milestone["closed_issues"]
    if counted != len(ITEMS):
        broken.append(f"the milestone counts {counted} issues for {len(ITEMS)} items")
    broken += _backlog_invariants(state["issues"], milestone["number"])
    incident = next(i for i in state["issues"] if i["number"] == 12)
    broken += _link_invariants(state["issues"], incident["body"])
    status = [c for c in incident["comments"] if "<!-- pmaction:status " in c["body"]]
    if len(status) != 1:
        broken.append(f"{len(status)} status comments")
    else:
        for title in ITEMS:
            if status[0]["body"].count(title) != 1:
                broken.append(f"the status comment lists {title!r} {status[0]['body'].count(title)} times")
    broken += _page_invariants(sb)
    broken += _nag_invariants(sb, workdir)
    return broken


def _backlog_invariants(issues: list[dict[str, Any]], milestone: int) -> list[str]:
    broken: list[str] = []
    by_key: dict[str, list[dict[str, Any]]] = {}
    for issue in issues:
        found = ITEM_MARKER.search(issue.get("body") or "")
        if found:
            by_key.setdefault(found.group(1), []).append(issue)
    if len(by_key) != len(ITEMS):
        broken.append(f"{len(by_key)} items have issues, {len(ITEMS)} were agreed")
    for made in by_key.values():
        made.sort(key=lambda i: i["number"])
        survivor, *others = made
        in_milestone = (survivor.get("milestone") or {}).get("number")
        if survivor["state"] != "open" or in_milestone != milestone:
            broken.append(
                f"#{survivor['number']} (the first) is {survivor['state']}, milestone {in_milestone}"
            )
        for other in others:
            if other["state"] != "closed" or other["state_reason"] != "duplicate" or other.get("milestone"):
                broken.append(
                    f"duplicate #{other['number']} is {other['state']}/{other['state_reason']}, "
                    f"milestone {(other.get('milestone') or {}).get('number')}"
                )
    return broken


def _link_invariants(issues: list[dict[str, Any]], body: str) -> list[str]:
    """Each item's line in the incident body links the item's first issue, never a copy."""
    first: dict[str, int] = {}
    for issue in sorted(issues, key=lambda i: i["number"]):
        if ITEM_MARKER.search(issue.get("body") or ""):
            first.setdefault(issue["title"], issue["number"])
    broken = []
    for title in ITEMS:
        line = next((line for line in body.split("\n") if title in line), "")
        if not line.endswith(f"(#{first.get(title)})"):
            broken.append(f"the body links {title!r} as {line!r}, its first issue is #{first.get(title)}")
    return broken


def _page_invariants(sb: Sandbox) -> list[str]:
    broken: list[str] = []
    page = _page(sb)
    if page.count(COMMENT) != 1:
        broken.append(f"bob's comment is on the page {page.count(COMMENT)} times")
    for title in ITEMS:
        if page.count(title) != 1:
            broken.append(f"the page shows {title!r} {page.count(title)} times")
    rows = [line for line in page.split("\n") if line.startswith("|")]
    repeated = [row for row, n in Counter(rows).items() if n > 1 and not set(row) <= set("|- ")]
    if repeated:
        broken.append(f"repeated page rows: {repeated}")
    report = sb.wiki_files().get("Post-mortem-report.md", "")
    row = next((line for line in report.split("\n") if "[#12 " in line), "")
    if f"| 0 of {len(ITEMS)} |" not in row:
        broken.append(f"the report's row for #12: {row!r}")
    return broken


def _nag_invariants(sb: Sandbox, workdir: Path) -> list[str]:
    """Two months and a day later, the nag reports 0 of 3 items closed (a duplicate is no progress). Run in
    this process: the race is what needs real processes, and a start-up less keeps the trial short."""
    sb.set_clock("2026-05-03T10:00:00Z")
    nag = run_event(sb, Event("schedule", {"schedule": "0 9 * * *"}))
    if nag.result.exit_code != 0:
        return [f"the nag ended {nag.result.exit_code}: {nag.result.failed}"]
    overdue = json.loads(nag.result.outputs.get("overdue_reviews", "[]"))
    totals = [(o["closed_items"], o["total_items"]) for o in overdue]
    return [] if totals == [(0, len(ITEMS))] else [f"the nag's overdue_reviews counts {totals}"]
