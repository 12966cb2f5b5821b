"""The GitHub Actions entry point: ``python -m entrypoint`` (the container's ENTRYPOINT)."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from entrypoint.runner import Runner
from entrypoint.settings import load_environment, read_input
from pmaction.engine import run
from pmaction.errors import PmactionError
from pmaction.run.clock import Clock, parse_now


def main(env: Mapping[str, str] | None = None) -> int:
    env = dict(os.environ if env is None else env)
    runner = Runner()
    # Mask first, before anything could print the token.
    runner.mask(read_input(env, "github_token") or env.get("GITHUB_TOKEN", ""))
    runner.mask(read_input(env, "slack_token") or "")
    try:
        code = _run(env, runner)
    except Exception as exc:  # a bug: still one line, and never a traceback with secrets in it
        runner.error(
            f"pmaction crashed ({type(exc).__name__}: {exc}); please report it with this line",
            title="pmaction: internal error",
        )
        return 1
    except KeyboardInterrupt:  # SIGINT: the job was cancelled
        runner.error("pmaction was interrupted; re-run to finish: what was done is found again, not repeated")
        return 130
    # A runner file that could not be written fails the step: later steps would miss its outputs.
    return 1 if runner.broken_files else code


def _run(env: Mapping[str, str], runner: Runner) -> int:
    try:
        environment = load_environment(env)
        runner.output_path = environment.output_path
        runner.summary_path = environment.summary_path
        clock = Clock(fixed=parse_now(environment.now)) if environment.now else Clock()
        result = run(environment.context, environment.inputs, runner, clock)
    except PmactionError as exc:
        runner.error(str(exc), title=exc.title)
        partial = exc.partial
        if partial is not None:
            for name, value in partial.outputs.items():
                runner.set_output(name, value)
            partial.fail(f"{exc} (re-run to finish: what was done is found again, not repeated)")
            runner.add_summary(partial.summary_markdown())
        else:
            runner.add_summary(f"### pmaction failed\n\n{exc}\n")
        return 1
    for name, value in result.outputs.items():
        runner.set_output(name, value)
    runner.add_summary(result.summary_markdown())
    for message in result.failed:
        runner.error(message, title="pmaction")
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
