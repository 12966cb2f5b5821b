"""One run of pmaction: settings in, a command chosen from the event, a Result out.

Adapter → ``run`` → command (sync / nag / report) → process modules → GitHub and wiki edges.
This module knows nothing of the Actions runner's environment variables.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pmaction.errors import ConfigError, PmactionError
from pmaction.github.client import BOT_LOGIN, ApiSettings, GitHub
from pmaction.run.clock import Clock
from pmaction.run.config import Config, build_config, parse_config_file
from pmaction.run.reporter import Reporter
from pmaction.text import markers


@dataclass(frozen=True)
class Event:
    name: str  # GITHUB_EVENT_NAME, or "cli"
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunContext:
    repo: str  # owner/name
    api_url: str
    server_url: str
    token: str = field(repr=False)
    event: Event = field(default_factory=lambda: Event("workflow_dispatch"))
    workspace: Path | None = None
    actor: str | None = None
    run_url: str | None = None


@dataclass
class Result:
    """What a run produced: outputs for the workflow, Markdown for the job summary, and a status."""

    command: str = "none"
    outputs: dict[str, str] = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)
    done: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    exit_code: int = 0

    def fail(self, message: str) -> None:
        self.failed.append(message)
        self.exit_code = 1

    def summary_markdown(self) -> str:
        parts = list(self.summary)
        if self.done or self.failed:
            lines = ["### What this run did", ""]
            lines += [f"- ✅ {item}" for item in self.done] or ["- nothing changed"]
            lines += [f"- ❌ {item}" for item in self.failed]
            parts.append("\n".join(lines))
        return "\n\n".join(parts).strip() + "\n" if parts else ""


@dataclass
class Session:
    """Everything a command needs, built once per run."""

    ctx: RunContext
    config: Config
    github: GitHub
    reporter: Reporter
    clock: Clock
    result: Result


Command = Callable[[Session, int | None], None]
COMMANDS: dict[str, Command] = {}


def command(name: str) -> Callable[[Command], Command]:
    """Register a command under ``name`` (sync, nag, report)."""

    def register(fn: Command) -> Command:
        COMMANDS[name] = fn
        return fn

    return register


@dataclass(frozen=True)
class Plan:
    command: str | None  # None: nothing to do for this event
    issue_number: int | None = None
    reason: str = ""


def _issue_of(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    issue = payload.get("issue")
    return issue if isinstance(issue, Mapping) else {}


def _has_label(issue: Mapping[str, Any], label: str) -> bool:
    names = {
        str(item.get("name", "")).lower() for item in issue.get("labels") or [] if isinstance(item, Mapping)
    }
    return label.lower() in names


def plan_for(config: Config, event: Event) -> Plan:
    """Decide what this run does from the command input and the event (pure)."""
    payload = event.payload
    if config.command in ("nag", "report"):
        if config.issue_number is not None:
            raise ConfigError(
                f"command '{config.command}' covers every incident and takes no issue_number: clear "
                f"issue_number, or set command to sync to update #{config.issue_number}"
            )
        return Plan(config.command)
    if config.command == "sync":
        number = config.issue_number or _issue_of(payload).get("number")
        if not number:
            raise ConfigError(
                "command 'sync' needs issue_number: set the issue_number input to the incident's number"
            )
        return Plan("sync", int(number))
    # command == auto: follow the event.
    name = event.name
    if name in ("issues", "issue_comment"):
        issue = _issue_of(payload)
        number = issue.get("number")
        if not number:
            raise ConfigError(f"the {name} event payload has no issue: check the workflow's `on:` triggers")
        if issue.get("pull_request"):
            return Plan(None, int(number), f"#{number} is a pull request, not an incident issue: skipped")
        action = str(payload.get("action") or "")
        if name == "issues" and action == "unlabeled":
            label = str((payload.get("label") or {}).get("name") or "")
            if label.lower() == config.incident_label.lower():
                return Plan("sync", int(number))
        if not _has_label(issue, config.incident_label):
            return Plan(
                None,
                int(number),
                f"#{number} has no '{config.incident_label}' label: nothing to do "
                "(add the label to start a post-mortem)",
            )
        if name == "issue_comment":
            sender = str((payload.get("sender") or {}).get("login") or "")
            body = str((payload.get("comment") or {}).get("body") or "")
            if sender == BOT_LOGIN and markers.ends_with_own_comment_marker(body):
                return Plan(None, int(number), "the comment is pmaction's own: skipped")
        return Plan("sync", int(number))
    if name == "gollum":
        return Plan("sync-wiki")
    if name == "schedule":
        return Plan("nag")
    if name in ("workflow_dispatch", "cli"):
        inputs = payload.get("inputs") if isinstance(payload.get("inputs"), Mapping) else {}
        number = config.issue_number or (inputs or {}).get("issue_number")
        if number:
            return Plan("sync", int(str(number).lstrip("#")))
        return Plan("nag")
    raise ConfigError(
        f"pmaction does not handle the '{name}' event: trigger it on issues, issue_comment, gollum, "
        "schedule or workflow_dispatch"
    )


def load_file_config(ctx: RunContext, inputs: Mapping[str, str], github: GitHub | None) -> dict[str, Any]:
    """Read the repo's config file from the checked-out workspace, else with one contents-API request."""
    path = (inputs.get("config_file") or ".github/postmortem.yml").strip()
    if not path:
        return {}
    text: str | None = None
    if ctx.workspace is not None and (ctx.workspace / path).is_file():
        text = (ctx.workspace / path).read_text(encoding="utf-8", errors="replace")
    elif github is not None:
        text = github.file_text(path)
    if text is None:
        return {}
    return parse_config_file(text, path)


def api_settings(ctx: RunContext, config: Config) -> ApiSettings:
    return ApiSettings(
        api_url=ctx.api_url,
        token=ctx.token,
        seconds_between_requests=config.seconds_between_requests,
        seconds_between_writes=config.seconds_between_writes,
        request_timeout=config.request_timeout,
        max_wait_seconds=config.max_wait_seconds,
    )


def run(ctx: RunContext, inputs: Mapping[str, str], reporter: Reporter, clock: Clock | None = None) -> Result:
    """Run pmaction once. Raises PmactionError for failures that stop the whole run."""
    # Commands register themselves on import; imported here so the engine module has no cycle.
    import pmaction.commands.other  # noqa: F401

    clock = clock or Clock()
    result = Result()
    if not ctx.token:
        raise ConfigError(
            "github_token is empty: pass `github_token: ${{ github.token }}` (the default) or a PAT"
        )
    if "/" not in ctx.repo:
        raise ConfigError(f"repository {ctx.repo!r} is not owner/name: set GITHUB_REPOSITORY or --repo")
    base = build_config(inputs)
    github = GitHub(api_settings(ctx, base), ctx.repo)
    config = build_config(inputs, load_file_config(ctx, inputs, github))
    if config != base:
        github = GitHub(api_settings(ctx, config), ctx.repo)
    plan = plan_for(config, ctx.event)
    if plan.command is None:
        reporter.notice(plan.reason)
        result.command = "skip"
        result.summary.append(f"pmaction: {plan.reason}")
        return result
    session = Session(ctx=ctx, config=config, github=github, reporter=reporter, clock=clock, result=result)
    result.command = plan.command
    handler = COMMANDS.get(plan.command)
    if handler is None:
        raise PmactionError(f"command {plan.command!r} is not available in this version of pmaction")
    try:
        handler(session, plan.issue_number)
    except PmactionError as exc:
        # Keep what was done so far: the adapter lists it beside the failure, and a rerun finishes the rest.
        exc.partial = result
        raise
    return result


def outputs_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)
