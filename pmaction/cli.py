"""Command line: ``pmaction run`` for local runs with a token; ``pmaction demo`` for the story offline.

``pmaction run`` takes settings the way the action does, in this order: its flags and ``--set`` win over
env vars of the inputs' names in upper case (``TIMEZONE=Europe/Berlin pmaction run ...``), which win over
the repository's config file, which wins over the defaults (pmaction/run/options.py).
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from pmaction import __version__
from pmaction.engine import api_settings, run
from pmaction.errors import PmactionError
from pmaction.github.client import GitHub
from pmaction.reporter import PlainReporter, safe_for_log
from pmaction.run.clock import Clock, parse_now
from pmaction.run.config import build_config
from pmaction.run.context import Event, RunContext
from pmaction.run.options import COMMAND_NAMES, INPUT_OPTIONS, OPTIONS, env_inputs
from pmaction.run.result import Result

# Inputs --set may give: the token stays in an env var (--token-env), never on a command line.
SETTABLE = tuple(option.name for option in INPUT_OPTIONS if not option.secret)

# The engine's messages name the action's inputs; at the command line the same fix is a flag. Most specific
# first; tests/test_cli.py runs the cases, so a reworded engine message shows up there.
CLI_WORDS: tuple[tuple[str, str], ...] = (
    (
        "needs issue_number: set the issue_number input to the incident's number",
        "needs --issue: pass the incident's issue number, e.g. --issue 42",
    ),
    (
        "takes no issue_number: clear issue_number, or set command to sync",
        "takes no --issue: drop --issue, or use --command sync",
    ),
    ("set issue_number to an issue", "pass an issue's number to --issue"),
    ("set the issue_number input", "pass --issue N"),
    (
        "pass a valid token in github_token (the default ${{ github.token }} works)",
        "export a valid token in {token_env}, or name the variable holding one with --token-env",
    ),
    ("check the github_token input", "check the token in {token_env} (--token-env)"),
    ("point config_file at a YAML file", "point --config-file at a YAML file"),
)


class UsageError(Exception):
    """A command line that cannot work: one line, exit code 2."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pmaction", description="Blameless post-mortem bookkeeping for GitHub."
    )
    parser.add_argument("--version", action="version", version=f"pmaction {__version__}")
    sub = parser.add_subparsers(dest="cmd", required=True)
    _add_run(sub)
    demo_p = sub.add_parser("demo", help="the whole post-mortem story on a local sandbox, no token needed")
    demo_p.add_argument("--out", type=Path, default=Path("pmaction-demo"), help="folder for the results")
    demo_p.add_argument("--latency-ms", type=int, default=0, help="simulated API latency")
    return parser


def _add_run(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run_p = sub.add_parser(
        "run",
        help="run a command against a repository (token from $GITHUB_TOKEN)",
        description="Run one pmaction command against a repository, with a token from the environment.",
        epilog=(
            "Every action input is also read from an env var of its name in upper case, e.g. "
            "TIMEZONE=Europe/Berlin or REVIEW_AFTER='6 weeks'. Flags and --set win over those env vars, "
            "env vars over the config file, the config file over the defaults."
        ),
    )
    run_p.add_argument("--repo", required=True, help="owner/name")
    run_p.add_argument("--command", default="sync", choices=[c for c in COMMAND_NAMES if c != "auto"])
    run_p.add_argument("--issue", type=int, help="incident issue number (sync)")
    run_p.add_argument(
        "--api-url",
        default=os.environ.get("GITHUB_API_URL") or None,
        help="REST API base URL (default: $GITHUB_API_URL, else https://api.github.com); on GitHub "
        "Enterprise Server https://HOST/api/v3",
    )
    run_p.add_argument(
        "--server-url",
        default=os.environ.get("GITHUB_SERVER_URL") or None,
        help="web and wiki base URL (default: $GITHUB_SERVER_URL, else derived from --api-url: "
        "https://github.com, or https://HOST for https://HOST/api/v3)",
    )
    run_p.add_argument("--token-env", default="GITHUB_TOKEN", help="environment variable holding the token")
    run_p.add_argument(
        "--slack-token-env",
        default="SLACK_TOKEN",
        help="environment variable holding the Slack bot token (xoxb-…) that reads the incident's channel "
        "(default: $SLACK_TOKEN; unset: no Slack rows)",
    )
    run_p.add_argument("--dry-run", action="store_true", help="print planned writes; write nothing")
    run_p.add_argument(
        "--config-file", help="config file path in the repository (an error if it does not exist)"
    )
    run_p.add_argument(
        "--workspace", type=Path, help="local checkout to read the config file and template from"
    )
    run_p.add_argument("--now", help="pretend it is this ISO 8601 time (reminders, review dates)")
    run_p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="INPUT=VALUE",
        help=f"any action input except the token: {', '.join(SETTABLE)}",
    )


GITHUB_API = "https://api.github.com"
GHES_API_SUFFIX = "/api/v3"


def endpoints(api_url: str | None, server_url: str | None) -> tuple[str, str]:
    """(API URL, server URL): the server URL derived from the API URL when not given, so a GitHub
    Enterprise Server token never goes to github.com with the wiki push."""
    api = (api_url or GITHUB_API).strip().rstrip("/")
    if server_url:
        return api, server_url.strip().rstrip("/")
    if api == GITHUB_API:
        return api, "https://github.com"
    if api.endswith(GHES_API_SUFFIX):
        return api, api.removesuffix(GHES_API_SUFFIX)
    raise UsageError(
        f"--api-url {api}: GitHub Enterprise Server's REST API is at https://HOST{GHES_API_SUFFIX}; "
        "pass that, or give the web and wiki host with --server-url"
    )


def _closest(name: str) -> str:
    close = difflib.get_close_matches(name, SETTABLE, n=1)
    return f"did you mean {close[0]}?" if close else f"known options: {', '.join(SETTABLE)}"


def parse_set(item: str) -> tuple[str, str]:
    """``--set NAME=VALUE`` as (option name, value); a name that is no input is a UsageError."""
    key, sep, value = item.partition("=")
    if not sep:
        raise UsageError(f"--set {item!r}: write INPUT=VALUE")
    name = key.strip().lower().replace("-", "_")
    option = OPTIONS.get(name)
    if option is None:
        raise UsageError(f"--set {key.strip()}: unknown option; {_closest(name)}")
    if option.secret:
        raise UsageError(f"--set {name}: keep the token off the command line; export it, see --token-env")
    if not option.is_input:
        raise UsageError(f"--set {name}: set in the config file only (.github/postmortem.yml)")
    return name, value


def cli_inputs(args: argparse.Namespace, env: Mapping[str, str]) -> dict[str, str]:
    """Env vars of the inputs' names, then the flags and --set over them."""
    inputs = env_inputs(env)
    inputs.pop("github_token", None)  # the token comes from --token-env
    inputs.pop("slack_token", None)  # and the Slack token from --slack-token-env, into the run context only
    inputs["command"] = args.command
    if args.issue:
        inputs["issue_number"] = str(args.issue)
    if args.dry_run:
        inputs["dry_run"] = "true"
    if args.config_file:
        inputs["config_file"] = args.config_file
    for item in args.set:
        name, value = parse_set(item)
        inputs[name] = value
    return inputs


def in_cli_words(message: str, token_env: str) -> str:
    for engine_words, cli_words in CLI_WORDS:
        message = message.replace(engine_words, cli_words.format(token_env=token_env))
    return message


def check_config_file(ctx: RunContext, inputs: Mapping[str, str]) -> None:
    """A config file named on purpose must exist: the action's silent fallback would hide a typo here.

    This costs one contents-API read more than the run itself makes, only when the file is not local."""
    if not inputs.get("config_file"):
        return
    config = build_config(inputs)  # validates the path first
    path = config.config_file
    if ctx.workspace is not None and (ctx.workspace / path).is_file():
        return
    if GitHub(api_settings(ctx, config), ctx.repo).file_text(path) is not None:
        return
    local = f"in --workspace {ctx.workspace} nor " if ctx.workspace is not None else ""
    raise UsageError(f"--config-file {path}: no such file {local}in {ctx.repo}; check the path")


def _report(result: Result, token_env: str) -> None:
    # Outputs, summary and failures carry people's text: printed by the one rule the reporter uses.
    for name, value in result.outputs.items():
        print(safe_for_log(f"{name}={value}"))
    summary = result.summary_markdown()
    if summary and result.command != "skip":  # a skipped run's reason was just printed as a notice
        print(safe_for_log(summary))
    for message in result.failed:
        print(safe_for_log(f"error: {in_cli_words(message, token_env)}"), file=sys.stderr)


@dataclass
class MaskedStream:
    """A stream that prints every secret as ``***`` (the CLI's ::add-mask::): no message can show a token."""

    stream: TextIO
    secrets: tuple[str, ...]

    def write(self, text: str) -> int:
        for secret in sorted(filter(None, self.secrets), key=len, reverse=True):
            text = text.replace(secret, "***")
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()


def _run(args: argparse.Namespace) -> int:
    token = os.environ.get(args.token_env, "").strip()
    slack_token = os.environ.get(args.slack_token_env, "").strip()
    secrets = (token, slack_token)
    out, err = MaskedStream(sys.stdout, secrets), MaskedStream(sys.stderr, secrets)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        return _run_masked(args, token, slack_token)


def _run_masked(args: argparse.Namespace, token: str, slack_token: str) -> int:
    try:
        api_url, server_url = endpoints(args.api_url, args.server_url)
        ctx = RunContext(
            repo=args.repo,
            api_url=api_url,
            server_url=server_url,
            token=token,
            event=Event("cli", {}),
            workspace=args.workspace,
            slack_token=slack_token,
        )
        inputs = cli_inputs(args, os.environ)
        if not token:
            print(
                f"error: {args.token_env} is empty: export a token that may write issues and the wiki, "
                "or name the variable holding one with --token-env",
                file=sys.stderr,
            )
            return 1
        clock = Clock(fixed=parse_now(args.now)) if args.now else Clock()
        check_config_file(ctx, inputs)
        result = run(ctx, inputs, PlainReporter(stream=sys.stdout), clock)
    except UsageError as exc:
        print(safe_for_log(f"error: {exc}"), file=sys.stderr)
        return 2
    except (PmactionError, ValueError) as exc:
        print(safe_for_log(f"error: {in_cli_words(str(exc), args.token_env)}"), file=sys.stderr)
        return 1
    _report(result, args.token_env)
    return result.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.cmd == "run":
        return _run(args)
    if args.cmd == "demo":
        try:
            from pmaction.demo import run_demo
        except ModuleNotFoundError:
            # The runtime image leaves the sandbox out (.dockerignore): say where the demo lives.
            print(
                "error: pmaction demo needs the sandbox, which the action's image leaves out: "
                "run it from a checkout (pip install -e '.[sandbox]' && pmaction demo)",
                file=sys.stderr,
            )
            return 2
        return run_demo(args.out, latency_ms=args.latency_ms)
    return 2


if __name__ == "__main__":
    sys.exit(main())
