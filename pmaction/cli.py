"""Command line: ``pmaction run`` for local runs with a token; ``pmaction demo`` for the story offline."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from pmaction import __version__
from pmaction.engine import run
from pmaction.errors import PmactionError
from pmaction.reporter import PlainReporter
from pmaction.run.clock import Clock, parse_now
from pmaction.run.context import Event, RunContext
from pmaction.run.options import COMMAND_NAMES


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pmaction", description="Blameless post-mortem bookkeeping for GitHub."
    )
    parser.add_argument("--version", action="version", version=f"pmaction {__version__}")
    sub = parser.add_subparsers(dest="cmd", required=True)

    run_p = sub.add_parser("run", help="run a command against a repository (token from $GITHUB_TOKEN)")
    run_p.add_argument("--repo", required=True, help="owner/name")
    run_p.add_argument("--command", default="sync", choices=[c for c in COMMAND_NAMES if c != "auto"])
    run_p.add_argument("--issue", type=int, help="incident issue number (sync)")
    run_p.add_argument("--api-url", default=os.environ.get("GITHUB_API_URL", "https://api.github.com"))
    run_p.add_argument("--server-url", default=os.environ.get("GITHUB_SERVER_URL", "https://github.com"))
    run_p.add_argument("--token-env", default="GITHUB_TOKEN", help="environment variable holding the token")
    run_p.add_argument("--dry-run", action="store_true", help="print planned writes; write nothing")
    run_p.add_argument("--config-file", help="config file path in the repository")
    run_p.add_argument(
        "--workspace", type=Path, help="local checkout to read the config file and template from"
    )
    run_p.add_argument("--now", help="pretend it is this ISO 8601 time (reminders, review dates)")
    run_p.add_argument("--set", action="append", default=[], metavar="INPUT=VALUE", help="any action input")

    demo_p = sub.add_parser("demo", help="the whole post-mortem story on a local sandbox, no token needed")
    demo_p.add_argument("--out", type=Path, default=Path("pmaction-demo"), help="folder for the results")
    demo_p.add_argument("--latency-ms", type=int, default=0, help="simulated API latency")
    return parser


def _run(args: argparse.Namespace) -> int:
    token = os.environ.get(args.token_env, "")
    inputs: dict[str, str] = {"command": args.command}
    if args.issue:
        inputs["issue_number"] = str(args.issue)
    if args.dry_run:
        inputs["dry_run"] = "true"
    if args.config_file:
        inputs["config_file"] = args.config_file
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep:
            print(f"error: --set {item!r}: write INPUT=VALUE", file=sys.stderr)
            return 2
        inputs[key.strip()] = value
    ctx = RunContext(
        repo=args.repo,
        api_url=args.api_url.rstrip("/"),
        server_url=args.server_url.rstrip("/"),
        token=token,
        event=Event("cli", {}),
        workspace=args.workspace,
    )
    reporter = PlainReporter()
    try:
        clock = Clock(fixed=parse_now(args.now)) if args.now else Clock()
        result = run(ctx, inputs, reporter, clock)
    except (PmactionError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for name, value in result.outputs.items():
        print(f"{name}={value}")
    summary = result.summary_markdown()
    if summary:
        print(summary)
    for message in result.failed:
        print(f"error: {message}", file=sys.stderr)
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
                "run it from a checkout (pip install -e . && pmaction demo)",
                file=sys.stderr,
            )
            return 2
        return run_demo(args.out, latency_ms=args.latency_ms)
    return 2


if __name__ == "__main__":
    sys.exit(main())
