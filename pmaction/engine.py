"""One run of pmaction: settings in, a command chosen from the event, a Result out.

Adapter (entrypoint/ or cli) → ``run`` → a command of ``pmaction.commands`` → the steps of the process →
the GitHub and wiki edges. This module knows nothing of the Actions runner's environment variables.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pmaction.commands import command
from pmaction.errors import ConfigError, PmactionError
from pmaction.github.client import ApiSettings, GitHub
from pmaction.github.errors import quiet_library_logs
from pmaction.reporter import Reporter
from pmaction.run.clock import Clock
from pmaction.run.config import Config, build_config, parse_config_file
from pmaction.run.context import RunContext
from pmaction.run.plan import plan_for
from pmaction.run.result import Result
from pmaction.run.session import Session


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
        dry_run=config.dry_run,
    )


def run(ctx: RunContext, inputs: Mapping[str, str], reporter: Reporter, clock: Clock | None = None) -> Result:
    """Run pmaction once. Raises PmactionError for failures that stop the whole run."""
    quiet_library_logs()
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
    handler = command(plan.command)
    if handler is None:
        raise PmactionError(f"command {plan.command!r} is not available in this version of pmaction")
    try:
        handler(session, plan.issue_number)
    except PmactionError as exc:
        # Keep what was done so far: the adapter lists it beside the failure, and a rerun finishes the rest.
        exc.partial = result
        raise
    return result
