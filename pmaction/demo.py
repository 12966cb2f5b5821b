"""`pmaction demo`: the whole post-mortem story on a local sandbox, with no token and no network.

Each step changes the sandbox the way people would (a label, comments, a wiki edit, agreed items,
two months passing) and then runs the action exactly as the runner does: ``python -m entrypoint``
in a child process with the runner's environment variables and a real event payload.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import requests

from pmaction.run.options import INPUT_OPTIONS, action_defaults
from pmaction.sandbox import Sandbox
from pmaction.sandbox.events import load_payload, retarget_payload
from pmaction.text.markers import last_line, parse_page_marker, parse_reminders, parse_status_marker

DEMO_ISSUE = 41
DEAD_PROXY = (
    "http://127.0.0.1:9"  # a closed loopback port: a forgotten URL fails fast, never leaves the machine
)


@dataclass(frozen=True)
class RunOutcome:
    code: int
    stdout: str
    outputs: dict[str, str]
    summary: str


def child_env(base: Mapping[str, str], home: Path) -> dict[str, str]:
    """Environment for child processes (the entrypoint, git): loopback only, no user git config, and no
    input from the caller's shell (``TIMEZONE``, ``DRY_RUN``... would be read as the step's ``env:``)."""
    options = {option.env_var for option in INPUT_OPTIONS}
    env = {
        key: value
        for key, value in base.items()
        if not key.startswith(("INPUT_", "GITHUB_")) and key not in options
    }
    env.update(
        {
            "HTTPS_PROXY": DEAD_PROXY,
            "HTTP_PROXY": DEAD_PROXY,
            "https_proxy": DEAD_PROXY,
            "http_proxy": DEAD_PROXY,
            "NO_PROXY": "127.0.0.1,localhost,::1",
            "no_proxy": "127.0.0.1,localhost,::1",
            "HOME": str(home),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def parse_outputs(text: str) -> dict[str, str]:
    """Read a $GITHUB_OUTPUT file (name=value and heredoc entries)."""
    outputs: dict[str, str] = {}
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, index + 1)
            outputs[name] = "\n".join(lines[index + 1 : end])
            index = end + 1
            continue
        if "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
        index += 1
    return outputs


def run_action(
    sandbox: Sandbox,
    event_name: str,
    payload: Mapping[str, Any],
    workdir: Path,
    *,
    inputs: Mapping[str, str] | None = None,
    now: datetime | None = None,
    step_env: Mapping[str, str] | None = None,
) -> RunOutcome:
    """Run ``python -m entrypoint`` as the runner does: ``inputs`` is the with: block, ``step_env`` env:."""
    workdir.mkdir(parents=True, exist_ok=True)
    event_path = workdir / "event.json"
    event_path.write_text(json.dumps(payload), encoding="utf-8")
    output_path, summary_path = workdir / "output", workdir / "summary.md"
    output_path.write_text("")
    summary_path.write_text("")
    workspace = workdir / "workspace"
    workspace.mkdir(exist_ok=True)
    env = child_env(os.environ, workdir)
    # The runner passes every input, each unset one at its action.yml default, as INPUT_<NAME>.
    for name, default in action_defaults().items():
        env[f"INPUT_{name.upper()}"] = default
    env["INPUT_GITHUB_TOKEN"] = sandbox.token
    env["INPUT_SECONDS_BETWEEN_WRITES"] = "0"  # the sandbox has no secondary rate limit to respect
    for name, value in (inputs or {}).items():
        env[f"INPUT_{name.upper()}"] = value
    env.update(step_env or {})
    env.update(
        {
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": event_name,
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_REPOSITORY": sandbox.repo,
            "GITHUB_API_URL": sandbox.api_url,
            "GITHUB_SERVER_URL": sandbox.server_url,
            "GITHUB_GRAPHQL_URL": sandbox.api_url + "/graphql",
            "GITHUB_OUTPUT": str(output_path),
            "GITHUB_STEP_SUMMARY": str(summary_path),
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_ACTOR": "alice",
            "GITHUB_RUN_ID": "1",
            "PMACTION_NOW": (now or sandbox.now()).isoformat(),
        }
    )
    proc = subprocess.run(
        [sys.executable, "-m", "entrypoint"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=workspace,
        check=False,
    )
    return RunOutcome(
        code=proc.returncode,
        stdout=proc.stdout + proc.stderr,
        outputs=parse_outputs(output_path.read_text(encoding="utf-8")),
        summary=summary_path.read_text(encoding="utf-8"),
    )


class Person:
    """A teammate acting on the sandbox with their own token (their writes are authored by them)."""

    def __init__(self, sandbox: Sandbox, login: str, token: str) -> None:
        self.sandbox, self.login = sandbox, login
        self.session = requests.Session()
        self.session.trust_env = False  # loopback only; never a proxy
        self.session.headers.update(
            {"Authorization": f"token {token}", "Accept": "application/vnd.github+json"}
        )

    def _url(self, path: str) -> str:
        return f"{self.sandbox.api_url}/repos/{self.sandbox.repo}{path}"

    def comment(self, number: int, body: str) -> dict[str, Any]:
        response = self.session.post(self._url(f"/issues/{number}/comments"), json={"body": body}, timeout=10)
        response.raise_for_status()
        return dict(response.json())

    def edit_issue(self, number: int, **fields: Any) -> dict[str, Any]:
        response = self.session.patch(self._url(f"/issues/{number}"), json=fields, timeout=10)
        response.raise_for_status()
        return dict(response.json())

    def issue(self, number: int) -> dict[str, Any]:
        response = self.session.get(self._url(f"/issues/{number}"), timeout=10)
        response.raise_for_status()
        return dict(response.json())


def _payload(sandbox: Sandbox, name: str, issue: dict[str, Any] | None, **overlay: Any) -> dict[str, Any]:
    """A real webhook payload (npm @octokit/webhooks-examples) aimed at sandbox data."""
    label = overlay.pop("label", None)
    payload = retarget_payload(
        load_payload(name),
        full_name=sandbox.repo,
        issue=issue,
        server_url=sandbox.server_url,
        api_url=sandbox.api_url,
        label=label,
        repository=sandbox.repo_state()["repo"],  # as GitHub sends it: the repository as it is
    )
    payload.update(overlay)  # e.g. the comment just made, or the wiki pages just edited
    return payload


def _step(number: int, total: int, text: str, started: float) -> None:
    print(f"[{number}/{total}] {text} ({time.monotonic() - started:.1f} s)", flush=True)


def _check(outcome: RunOutcome, what: str) -> None:
    if outcome.code != 0:
        print(outcome.stdout, file=sys.stderr)
        raise RuntimeError(f"the action failed during '{what}' (exit {outcome.code}); its log is above")


def _human_wiki_edit(page: str) -> str:
    """What a teammate adds on the wiki: a row of their own, contributing factors, agreed items."""
    lines = page.split("\n")
    out: list[str] = []
    in_timeline = False
    added_row = False
    for line in lines:
        out.append(line)
        if line.strip() == "## Timeline":
            in_timeline = True
        elif in_timeline and not added_row and line.startswith("|") and "08:52" in line:
            out.append(
                "| 2026-03-03 08:58 UTC | carol | Support tickets about missing confirmations arrive | wiki |"
            )
            added_row = True
        elif line.strip() == "## Contributing factors":
            out += [
                "",
                "- The deploy changed the consumer's prefetch from 50 to 1; nobody reviewed the config diff.",
                "- The queue-lag alert waits 10 minutes before paging.",
            ]
        elif line.strip() == "## Action items":
            out += [
                "",
                "- [ ] Review consumer config changes like code @bob #prevent P1",
                "- [ ] Page on queue lag after 3 minutes @carol #detect P2 due:2026-04-15",
                "- Idea, not agreed yet: autoscale the consumer on lag",
            ]
    return "\n".join(out)


@dataclass
class _Story:
    """The demo's running state: the sandbox, the people, where each run writes, and what was made."""

    sb: Sandbox
    work: Path
    started: float
    alice: Person
    bob: Person
    total: int = 8
    done: int = 0
    created: list[int] = field(default_factory=list)
    milestone: str = "?"

    def run(self, event: str, payload: Mapping[str, Any], what: str) -> RunOutcome:
        self.done += 1
        # The incident channel is read through the sandbox's Slack stand-in, with its bot token.
        outcome = run_action(
            self.sb,
            event,
            payload,
            self.work / str(self.done),
            inputs={"slack_token": self.sb.slack_token},
            step_env={"SLACK_API_URL": self.sb.slack_api_url},
        )
        _check(outcome, what)
        return outcome

    def say(self, text: str) -> None:
        _step(self.done, self.total, text, self.started)


def run_demo(out: Path, *, latency_ms: int = 0) -> int:
    started = time.monotonic()
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    scenario = resources.files("pmaction.sandbox").joinpath("scenarios/demo.yml").read_text(encoding="utf-8")
    with (
        tempfile.TemporaryDirectory(prefix="pmaction-demo-") as tmp,
        Sandbox.start(scenario, latency_ms=latency_ms) as sb,
    ):
        print(f"sandbox GitHub at {sb.api_url}, wiki at {sb.server_url}/{sb.repo}.wiki.git", flush=True)
        story = _Story(
            sb, Path(tmp), started, Person(sb, "alice", "demo_alice_pat"), Person(sb, "bob", "demo_bob_pat")
        )
        for chapter in (_announce, _observe, _edit_wiki, _declare_over, _agree_in_issue, _close_item, _nag):
            chapter(story)
        _write_results(sb, out, story.work)
        story.done += 1
        story.say(f"results written to {out}")
    print(f"done in {time.monotonic() - started:.1f} s: open {out / 'wiki'} to read the pages", flush=True)
    return 0


def _announce(story: _Story) -> None:
    """The incident is announced: the issue gets the incident label."""
    sb = story.sb
    story.run(
        "issues", _payload(sb, "issues.labeled", story.alice.issue(DEMO_ISSUE), label="incident"), "label"
    )
    story.say(f"incident #{DEMO_ISSUE} labelled: wiki page, review milestone and status comment created")


def _observe(story: _Story) -> None:
    """Observations arrive as comments, one back-dated with /timeline."""
    sb = story.sb
    sb.set_clock("2026-03-03T09:45:00Z")
    story.bob.comment(
        DEMO_ISSUE, "Rolled payments-consumer back to 2026.03.02-4; confirmations flowing again #mitigated"
    )
    sb.set_clock("2026-03-03T10:05:00Z")
    comment = story.alice.comment(
        DEMO_ISSUE,
        "/timeline Queue lag back under 5 seconds, backlog drained #resolved | 2026-03-03 09:58 UTC",
    )
    payload = _payload(sb, "issue_comment.created", story.alice.issue(DEMO_ISSUE), comment=comment)
    story.run("issue_comment", payload, "comments arrive")
    story.say("two observations commented (one back-dated with /timeline): page refreshed")


def _edit_wiki(story: _Story) -> None:
    """A teammate edits the wiki page: their own row, contributing factors, agreed action items."""
    sb = story.sb
    files = sb.wiki_files()
    page_name = next(name for name, text in files.items() if parse_page_marker(text.split("\n", 1)[0]))
    sb.set_clock("2026-03-04T14:00:00Z")
    sb.push_wiki_page(
        page_name,
        _human_wiki_edit(files[page_name]),
        author="Carol <carol@example.com>",
        message="Add factors and action items",
    )
    pages = [{"page_name": page_name[:-3], "title": page_name[:-3], "action": "edited"}]
    outcome = story.run("gollum", _payload(sb, "gollum", None, pages=pages), "wiki edited")
    story.created += json.loads(outcome.outputs.get("created_issues", "[]"))
    story.say(
        f"wiki page edited by carol: {len(story.created)} agreed item(s) became backlog issues "
        f"{story.created}"
    )


def _declare_over(story: _Story) -> None:
    """The incident is declared over: the issue is closed."""
    sb = story.sb
    sb.set_clock("2026-03-04T15:00:00Z")
    story.alice.edit_issue(DEMO_ISSUE, state="closed", state_reason="completed")
    story.run("issues", _payload(sb, "issues.closed", story.alice.issue(DEMO_ISSUE)), "declared over")
    story.say("incident declared over (issue closed): durations computed")


def _agree_in_issue(story: _Story) -> None:
    """The meeting agrees one more item, written in the issue."""
    sb, alice = story.sb, story.alice
    body = str(alice.issue(DEMO_ISSUE)["body"]).replace(
        "### Action items\n\n_No response_",
        "### Action items\n\n- [ ] Load-test the consumer with prefetch=1 @alice #test P2",
    )
    alice.edit_issue(DEMO_ISSUE, body=body)
    outcome = story.run("issues", _payload(sb, "issues.edited", alice.issue(DEMO_ISSUE)), "items agreed")
    story.created += json.loads(outcome.outputs.get("created_issues", "[]"))
    story.milestone = outcome.outputs.get("milestone_number", "?")
    story.say(f"an item agreed in the issue: backlog is now {sorted(story.created)}")


def _close_item(story: _Story) -> None:
    """Weeks later one item is done: closing its issue ticks it on the page (issues.closed for the item)."""
    if not story.created:
        return
    sb, number = story.sb, story.created[0]
    sb.set_clock("2026-04-10T11:00:00Z")
    story.bob.edit_issue(number, state="closed", state_reason="completed")
    story.run("issues", _payload(sb, "issues.closed", story.bob.issue(number)), "item closed")
    story.say(f"backlog issue #{number} closed: ticked on the page and counted in the status comment")


def _nag(story: _Story) -> None:
    """Two months pass and the review has not happened: the scheduled run nags."""
    story.sb.set_clock(datetime.fromisoformat("2026-03-03T09:00:00+00:00") + timedelta(days=66))
    outcome = story.run("schedule", {"schedule": "17 8 * * 1-5"}, "nag")
    overdue = json.loads(outcome.outputs.get("overdue_reviews", "[]"))
    story.say(
        f"two months later: review milestone {story.milestone} is overdue, the nag fired "
        f"({len(overdue)} overdue review(s))"
    )


def _write_results(sb: Sandbox, out: Path, work: Path) -> None:
    wiki = out / "wiki"
    wiki.mkdir(exist_ok=True)
    for name, text in sb.wiki_files().items():
        (wiki / name).write_text(text, encoding="utf-8")
    state = sb.repo_state()
    issues = [
        {
            "number": i["number"],
            "title": i["title"],
            "state": i["state"],
            "labels": [label["name"] if isinstance(label, dict) else label for label in i.get("labels", [])],
            "milestone": (i.get("milestone") or {}).get("title")
            if isinstance(i.get("milestone"), dict)
            else i.get("milestone"),
        }
        for i in state.get("issues", [])
    ]
    (out / "issues.json").write_text(json.dumps(issues, indent=2) + "\n", encoding="utf-8")
    (out / "milestones.json").write_text(
        json.dumps(state.get("milestones", []), indent=2, default=str) + "\n", encoding="utf-8"
    )
    incident = next((i for i in state.get("issues", []) if i["number"] == DEMO_ISSUE), None)
    comments = incident.get("comments", []) if incident else []
    for comment in comments:
        body = str(comment.get("body", ""))
        if parse_reminders(body):
            (out / "nag-comment.md").write_text(body, encoding="utf-8")
        elif parse_status_marker(last_line(body)):
            (out / "status-comment.md").write_text(body, encoding="utf-8")
    summaries = [
        f"## Run {step.name}\n\n{(step / 'summary.md').read_text(encoding='utf-8')}"
        for step in sorted(work.iterdir())
        if (step / "summary.md").is_file()
    ]
    (out / "job-summaries.md").write_text("\n\n".join(summaries), encoding="utf-8")
