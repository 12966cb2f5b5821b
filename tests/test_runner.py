"""The adapter speaks the runner's language: outputs, summary, workflow commands, masking."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from runner_rule import assert_only_own_commands, commands_in

from entrypoint.runner import Runner, escape_data, fit_summary, output_lines
from entrypoint.settings import read_input, read_inputs


def test_single_line_output() -> None:
    assert output_lines("milestone_number", "7") == "milestone_number=7\n"


def test_multi_line_output_uses_a_heredoc_whose_delimiter_is_not_in_the_value() -> None:
    value = "line one\nline two"
    text = output_lines("overdue_reviews", value)
    first, *middle, last, trailing = text.split("\n")
    assert first.startswith("overdue_reviews<<ghadelimiter_")
    delimiter = first.split("<<", 1)[1]
    assert last == delimiter and trailing == ""
    assert "\n".join(middle) == value
    assert delimiter not in value


def test_outputs_and_summary_are_appended_to_the_runner_files(tmp_path: Path) -> None:
    out, summary = tmp_path / "out", tmp_path / "summary"
    out.write_text("earlier=1\n")
    runner = Runner(stream=io.StringIO(), output_path=out, summary_path=summary)
    runner.set_output("created_issues", "[3,4]")
    runner.add_summary("## Post-mortem\n")
    runner.add_summary("more\n")
    assert out.read_text() == "earlier=1\ncreated_issues=[3,4]\n"
    assert summary.read_text() == "## Post-mortem\nmore\n"


def test_workflow_commands_escape_newlines_and_percent() -> None:
    stream = io.StringIO()
    runner = Runner(stream=stream)
    runner.warning("50% done\nsecond line", title="a: b, c")
    assert stream.getvalue() == "::warning title=a%3A b%2C c::50%25 done%0Asecond line\n"
    assert escape_data("\r") == "%0D"


def test_the_token_is_masked_first_and_scrubbed_everywhere(tmp_path: Path) -> None:
    stream = io.StringIO()
    out, summary = tmp_path / "out", tmp_path / "summary"
    runner = Runner(stream=stream, output_path=out, summary_path=summary)
    runner.mask("ghs_secret123")
    runner.info("token is ghs_secret123")
    runner.error("failed with ghs_secret123")
    runner.set_output("x", "ghs_secret123")
    runner.add_summary("ghs_secret123")
    lines = stream.getvalue().splitlines()
    assert lines[0] == "::add-mask::ghs_secret123"
    rest = "\n".join(lines[1:]) + out.read_text() + summary.read_text()
    assert "ghs_secret123" not in rest


def test_summary_is_cut_at_the_limit_on_a_line_boundary() -> None:
    text = "".join(f"| row {i} |\n" for i in range(1000))
    cut = fit_summary(text, limit=500)
    assert len(cut.encode()) <= 500
    assert "summary cut" in cut
    assert "| row 0 |" in cut


def test_inputs_are_read_as_INPUT_NAME_then_NAME() -> None:
    env = {"INPUT_INCIDENT_LABEL": "sev", "REVIEW_AFTER": "3 weeks", "INPUT_DRY-RUN": "true"}
    assert read_input(env, "incident_label") == "sev"
    assert read_input(env, "review_after") == "3 weeks"
    assert read_input(env, "dry_run") == "true"  # a hyphenated spelling still arrives
    assert read_inputs({"INPUT_TIMEZONE": " UTC "})["timezone"] == "UTC"


# --- people's text never becomes a workflow command -------------------------------------------------------

HOSTILE = [
    "DB down\n::error title=pwn::injected\n::stop-commands::x",
    "ok\r::stop-commands::y",
    "\n::add-mask::error",
    "  \t::warning::indented",
    "\u2028::error::after a line separator",
    "\r\n::endgroup::",
    "text ##[error]legacy form mid-line",
    "##[add-mask]error",
    "::error::at the very start",
]
INJECTED = ("injected", "x", "y", "error", "indented", "after a line separator", "legacy form mid-line")


def every_kind_of_line(text: str) -> str:
    stream = io.StringIO()
    runner = Runner(stream=stream)
    runner.mask("ghs_token")
    runner.info(f"#12 {text}: 1 comment(s)")
    runner.info(text)
    runner.notice(text)
    runner.warning(text, title=text)
    runner.debug(text)
    runner.error(text, title=text)
    with runner.group(text):
        runner.info(f"dry run: wiki diff\n {text}\n+{text}")
    runner.set_output("x", text)  # no GITHUB_OUTPUT: printed as a log line
    runner.add_summary(text)  # no GITHUB_STEP_SUMMARY: printed as log lines
    return stream.getvalue()


@pytest.mark.parametrize("text", HOSTILE)
def test_no_line_of_peoples_text_is_a_command_the_runner_would_obey(text: str) -> None:
    printed = every_kind_of_line(text)
    assert_only_own_commands(printed, token="ghs_token", injected=INJECTED)
    names = [command.name for command in commands_in(printed)]
    assert names == ["add-mask", "notice", "warning", "debug", "error", "group", "endgroup"]


def test_a_continuation_line_that_would_start_a_command_is_marked_and_kept_readable() -> None:
    stream = io.StringIO()
    Runner(stream=stream).info("DB down\n::error title=pwn::injected\r  ::stop-commands::x\nplain")
    assert stream.getvalue().split("\n") == [
        "DB down",
        "\\::error title=pwn::injected",
        "  \\::stop-commands::x",
        "plain",
        "",
    ]


def test_the_legacy_form_is_defused_anywhere_in_a_line() -> None:
    stream = io.StringIO()
    Runner(stream=stream).info("see ##[error]this and ##[warning]that")
    assert stream.getvalue() == "see ##[\\error]this and ##[\\warning]that\n"
    assert commands_in(stream.getvalue()) == []


def test_commands_keep_their_escaping_and_the_summary_file_is_markdown_as_given(tmp_path: Path) -> None:
    stream = io.StringIO()
    summary = tmp_path / "summary"
    runner = Runner(stream=stream, summary_path=summary)
    runner.error("50% done\n::error::x", title="a: b, c")
    runner.add_summary("## Post-mortem\n::error::x\n")
    assert stream.getvalue() == "::error title=a%3A b%2C c::50%25 done%0A::error::x\n"
    assert summary.read_text() == "## Post-mortem\n::error::x\n"
