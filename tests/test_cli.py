"""`python -m pmaction run` in a child process against the sandbox: settings, errors in the CLI's words."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
from conftest import SandboxFactory
from helpers import incident_page, scenario, timeline_rows, writes

from pmaction.cli import CLI_WORDS, in_cli_words
from pmaction.demo import child_env
from pmaction.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ".github/postmortem.yml"


def pmaction_run(
    sb: Sandbox, home: Path, *args: str, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``pmaction run`` as a person types it, with the token in $GITHUB_TOKEN and the sandbox's URLs."""
    child = child_env(os.environ, home)  # loopback only; no input env var of the caller's shell
    child["GITHUB_TOKEN"] = sb.token
    child.update(env or {})
    command = [
        *(sys.executable, "-m", "pmaction", "run", "--repo", sb.repo),
        *("--api-url", sb.api_url, "--server-url", sb.server_url, "--now", sb.now().isoformat()),
        *args,
    ]
    return subprocess.run(
        command, env=child, capture_output=True, text=True, timeout=120, cwd=home, check=False
    )


def error_line(done: subprocess.CompletedProcess[str]) -> str:
    [line] = [line for line in done.stderr.splitlines() if line.strip()]
    return line


FAST = ("--set", "seconds_between_writes=0")  # the sandbox has no secondary rate limit


def test_a_timezone_env_var_is_honoured_and_a_flag_beats_it(sandbox: SandboxFactory, tmp_path: Path) -> None:
    sb = sandbox(scenario())
    done = pmaction_run(sb, tmp_path, "--issue", "12", *FAST, env={"TIMEZONE": "Europe/Berlin"})
    assert done.returncode == 0, done.stdout + done.stderr
    _, page = incident_page(sb)
    assert any("2026-03-01 10:05 CET" in row for row in timeline_rows(page))  # bob's 09:05 UTC comment

    done = pmaction_run(
        sb, tmp_path, "--issue", "12", *FAST, "--set", "timezone=UTC", env={"TIMEZONE": "Europe/Berlin"}
    )
    assert done.returncode == 0, done.stdout + done.stderr
    _, page = incident_page(sb)
    assert any("2026-03-01 09:05 UTC" in row for row in timeline_rows(page))


def test_an_env_var_beats_the_config_file(sandbox: SandboxFactory, tmp_path: Path) -> None:
    sb = sandbox(scenario(files={CONFIG: "review_after: 1 month\n"}))
    done = pmaction_run(sb, tmp_path, "--issue", "12", *FAST, env={"REVIEW_AFTER": "10 days"})
    assert done.returncode == 0, done.stdout + done.stderr
    [milestone] = sb.repo_state()["milestones"]
    assert str(milestone["due_on"]).startswith("2026-03-11")


def test_an_unknown_set_key_is_one_line_naming_the_closest_key_and_exit_2(
    sandbox: SandboxFactory, tmp_path: Path
) -> None:
    sb = sandbox(scenario())
    done = pmaction_run(sb, tmp_path, "--issue", "12", "--set", "reveiw_after=2 months")
    assert done.returncode == 2
    assert error_line(done) == "error: --set reveiw_after: unknown option; did you mean review_after?"
    assert sb.requests() == []


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("colour=red", "error: --set colour: unknown option; known options: incident_label, review_after"),
        ("template=x.j2", "error: --set template: set in the config file only (.github/postmortem.yml)"),
        ("github_token=ghp_x", "error: --set github_token: keep the token off the command line"),
        ("review_after", "error: --set 'review_after': write INPUT=VALUE"),
    ],
    ids=["unknown", "file-only", "token", "no-equals"],
)
def test_set_refuses_what_is_no_input(
    sandbox: SandboxFactory, tmp_path: Path, item: str, message: str
) -> None:
    sb = sandbox(scenario())
    done = pmaction_run(sb, tmp_path, "--issue", "12", "--set", item)
    assert done.returncode == 2
    assert error_line(done).startswith(message)
    assert "ghp_x" not in done.stdout + done.stderr
    assert sb.requests() == []


def test_a_missing_config_file_is_one_line_naming_the_path(sandbox: SandboxFactory, tmp_path: Path) -> None:
    sb = sandbox(scenario(files={CONFIG: "review_after: 1 month\n"}))
    workspace = tmp_path / "checkout"
    workspace.mkdir()
    done = pmaction_run(
        sb, tmp_path, "--issue", "12", "--config-file", ".github/pm.yml", "--workspace", str(workspace)
    )
    assert done.returncode == 2
    assert error_line(done) == (
        f"error: --config-file .github/pm.yml: no such file in --workspace {workspace} nor in {sb.repo}; "
        "check the path"
    )
    assert writes(sb) == 0


def test_a_config_file_named_on_the_command_line_is_read_from_the_workspace_or_the_repository(
    sandbox: SandboxFactory, tmp_path: Path
) -> None:
    sb = sandbox(scenario(files={".github/pm.yml": "review_after: 1 month\n"}))
    done = pmaction_run(sb, tmp_path, "--issue", "12", *FAST, "--config-file", ".github/pm.yml")
    assert done.returncode == 0, done.stdout + done.stderr
    [milestone] = sb.repo_state()["milestones"]
    assert str(milestone["due_on"]).startswith("2026-04-01")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "error: command 'sync' needs --issue: pass the incident's issue number, e.g. --issue 42"),
        (
            ("--command", "nag", "--issue", "12"),
            "error: command 'nag' covers every incident and takes no --issue: drop --issue, or use "
            "--command sync to update #12",
        ),
    ],
    ids=["sync-without-issue", "nag-with-issue"],
)
def test_errors_name_the_flags_not_the_inputs(
    sandbox: SandboxFactory, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    sb = sandbox(scenario())
    done = pmaction_run(sb, tmp_path, *args)
    assert done.returncode == 1
    assert error_line(done) == message
    assert writes(sb) == 0


def test_an_empty_token_names_the_variable_and_token_env(sandbox: SandboxFactory, tmp_path: Path) -> None:
    sb = sandbox(scenario())
    done = pmaction_run(sb, tmp_path, "--issue", "12", "--token-env", "PM_TOKEN", env={"PM_TOKEN": ""})
    assert done.returncode == 1
    line = error_line(done)
    assert line.startswith("error: PM_TOKEN is empty: export a token") and "--token-env" in line
    assert "github_token" not in line
    assert sb.requests() == []


def test_a_rejected_token_names_the_variable_and_token_env(sandbox: SandboxFactory, tmp_path: Path) -> None:
    sb = sandbox(scenario())
    done = pmaction_run(sb, tmp_path, "--issue", "12", env={"GITHUB_TOKEN": "ghp_wrong"})
    assert done.returncode == 1
    line = error_line(done)
    assert "(401" in line and "export a valid token in GITHUB_TOKEN" in line and "--token-env" in line
    assert "github_token" not in line and "ghp_wrong" not in done.stdout + done.stderr


def test_run_help_documents_the_urls_and_the_env_vars() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pmaction", "run", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    assert "--api-url API_URL REST API base URL (default: $GITHUB_API_URL" in text
    assert "--server-url SERVER_URL web and wiki base URL (default: $GITHUB_SERVER_URL" in text
    assert "TIMEZONE=Europe/Berlin" in text


def test_every_engine_phrase_the_cli_rewords_is_one_the_engine_says() -> None:
    # Literals split over lines ("a " f"b") are joined first, as Python joins them.
    engine = "\n".join(p.read_text() for p in (ROOT / "pmaction").rglob("*.py") if p.name != "cli.py")
    joined = " ".join(engine.replace('"\n', '"').replace('" f"', "").replace('" "', "").split())
    joined = joined.replace('" f"', "").replace('" "', "")
    for engine_words, _ in CLI_WORDS:
        assert engine_words in joined, engine_words


def test_the_wiki_refusing_the_token_is_said_in_the_cli_words() -> None:
    message = "The token was refused by the wiki of o/r (401): check the github_token input."
    assert in_cli_words(message, "GITHUB_TOKEN") == (
        "The token was refused by the wiki of o/r (401): check the token in GITHUB_TOKEN (--token-env)."
    )
