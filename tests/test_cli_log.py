"""`pmaction run` prints people's text (titles, item lines, the summary) by the runner's one neutralising
rule (pmaction/reporter.log_lines), as the Actions adapter does: the CLI may run inside a job too."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import SandboxFactory
from helpers import scenario
from test_cli import FAST, pmaction_run

from pmaction.reporter import log_lines, safe_for_log

# A line the runner would obey: "::name::" after leading whitespace, or the legacy "##[name]" anywhere.
_OBEYED = re.compile(r"^[\s\u200b-\u200d\u2060\ufeff]*::|##\[(?!\\)")


def test_the_cli_never_prints_a_line_the_runner_would_obey(sandbox: SandboxFactory, tmp_path: Path) -> None:
    title = "DB down\n::error title=pwn::injected\r::stop-commands::x\n##[error]legacy"
    body = "## Action items\n\n- [ ] Fix it ::warning::item @alice\n- Maybe ##[group]later\n"
    sb = sandbox(scenario(issue={"title": title, "body": body}))

    done = pmaction_run(sb, tmp_path, "--issue", "12", *FAST)

    assert done.returncode == 0, done.stdout + done.stderr
    printed = re.split(r"\r\n|\r|\n", done.stdout + done.stderr)
    assert any("pwn" in line for line in printed)  # the title is printed, as text
    assert [line for line in printed if _OBEYED.search(line)] == []


def test_one_rule_for_the_adapter_and_the_cli() -> None:
    from entrypoint import runner

    assert runner.log_lines is log_lines
    assert log_lines(" ::error::x\r##[set-output]y") == [" \\::error::x", "##[\\set-output]y"]
    assert safe_for_log("a\n::b::c") == "a\n\\::b::c"
