"""`python -m entrypoint` run exactly as the Actions runner runs it, against the sandbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from helpers import labeled_payload

from entrypoint.settings import read_inputs
from pmaction.demo import child_env, run_action, run_demo
from pmaction.run.options import action_defaults

INCIDENT = {
    "now": "2026-03-01T10:00:00Z",
    "repo": "octo-org/octo-repo",
    "collaborators": ["alice", "bob"],
    "labels": [{"name": "incident", "color": "d73a4a"}],
    "issues": [
        {
            "number": 12,
            "title": "DB outage",
            "body": "### Timeline\n\n08:55 UTC - primary goes away #started\n",
            "user": "alice",
            "labels": ["incident"],
            "created_at": "2026-03-01T09:00:00Z",
            "comments": [{"user": "bob", "created_at": "2026-03-01T09:05:00Z", "body": "Paging the DBA."}],
        }
    ],
}


def test_a_labeled_event_runs_to_a_clean_end_with_outputs_and_summary(sandbox: Any, tmp_path: Path) -> None:
    sb = sandbox(INCIDENT)
    outcome = run_action(sb, "issues", labeled_payload(sb), tmp_path)
    assert outcome.code == 0, outcome.stdout
    page_url = outcome.outputs["wiki_page_url"]
    assert page_url.startswith(f"{sb.server_url}/octo-org/octo-repo/wiki/Postmortem-2026-03-01-12-DB-outage")
    assert outcome.outputs["milestone_number"] == "1"
    assert json.loads(outcome.outputs["created_issues"]) == []
    assert "## Post-mortem: [#12 DB outage]" in outcome.summary
    assert "::error" not in outcome.stdout
    page = next(
        text
        for name, text in sb.wiki_files().items()
        if name.startswith("Postmortem-") and name.endswith(".md")
    )
    assert "Paging the DBA." in page and "primary goes away" in page


def test_the_token_is_masked_first_and_appears_nowhere_else(sandbox: Any, tmp_path: Path) -> None:
    sb = sandbox({**INCIDENT, "wiki": "missing"})  # a failing run prints the most
    outcome = run_action(sb, "issues", labeled_payload(sb), tmp_path)
    assert outcome.code == 1
    lines = outcome.stdout.splitlines()
    assert lines[0] == f"::add-mask::{sb.token}"
    rest = "\n".join(lines[1:]) + outcome.summary + json.dumps(outcome.outputs)
    assert sb.token not in rest


def test_a_failure_is_one_error_line_that_names_the_fix_and_exit_code_1(sandbox: Any, tmp_path: Path) -> None:
    sb = sandbox({**INCIDENT, "wiki": "missing"})
    outcome = run_action(sb, "issues", labeled_payload(sb), tmp_path)
    errors = [line for line in outcome.stdout.splitlines() if line.startswith("::error")]
    assert outcome.code == 1
    assert len(errors) == 1
    assert "open the repository's Wiki tab once and save any page" in errors[0]
    # The issue-side steps still ran.
    state = sb.repo_state()
    assert len(state["milestones"]) == 1
    assert any("pmaction:status" in c["body"] for c in state["issues"][0]["comments"])


def test_an_unsupported_event_is_refused_with_the_events_it_handles(sandbox: Any, tmp_path: Path) -> None:
    sb = sandbox(INCIDENT)
    outcome = run_action(sb, "push", {"ref": "refs/heads/main"}, tmp_path)
    assert outcome.code == 1
    expected = "::error title=pmaction%3A configuration::pmaction does not handle the 'push' event"
    assert expected in outcome.stdout
    assert [r for r in sb.requests() if r["method"] != "GET"] == []


def test_a_bad_input_stops_before_any_request(sandbox: Any, tmp_path: Path) -> None:
    sb = sandbox(INCIDENT)
    payload = labeled_payload(sb)
    sb.clear_requests()
    outcome = run_action(sb, "issues", payload, tmp_path, inputs={"review_after": "soon"})
    assert outcome.code == 1
    assert "review_after: 'soon' is not a period" in outcome.stdout
    assert sb.requests() == []


def test_the_demo_tells_the_whole_story(tmp_path: Path, capsys: Any) -> None:
    assert run_demo(tmp_path / "demo") == 0
    printed = capsys.readouterr().out
    assert "[1/8] incident #41 labelled" in printed
    assert "the nag fired (1 overdue review(s))" in printed
    wiki = tmp_path / "demo" / "wiki"
    page = next(wiki.glob("Postmortem-*.md")).read_text()
    human_row = "| 2026-03-03 08:58 UTC | carol | Support tickets about missing confirmations arrive | wiki |"
    assert human_row in page
    # The channel and the repository tell where it began: the announcement and a pinned thread reply in
    # #inc-checkout, the deploy ten minutes before the start, the rollback pull request; unpinned chatter not.
    rows = [line for line in page.splitlines() if line.startswith("| 2026-03-03 ")]
    announced = "| 2026-03-03 09:14 UTC | Alice Ng | Declaring an incident: payment confirmations are 10-20"
    assert any(row.startswith(announced) and "| [slack](http" in row for row in rows), rows
    reply = "| 2026-03-03 09:16 UTC | Bob Oyelaran | The 08:42 deploy changed the consumer's prefetch"
    assert any(row.startswith(reply) and "thread_ts=" in row for row in rows), rows
    deployed = "| 2026-03-03 08:42 UTC | bob | Deployment of `2026.03.03-1` to production created |"
    started = "| 2026-03-03 08:52 UTC |  | deploy 2026.03.03-1 of payments-consumer goes out #started |"
    assert any(row.startswith(deployed) for row in rows) and any(row.startswith(started) for row in rows)
    rollback = (
        "| 2026-03-03 09:41 UTC | bob | Pull request #40 merged: Roll back payments-consumer to 2026.03.02-4"
    )
    assert any(row.startswith(rollback) and "/pull/40)" in row for row in rows), rows
    assert "anyone else seeing slow CI?" not in page and "thanks, watching the tickets" not in page
    # #42 was closed (issues.closed for the backlog issue): the final page shows it ticked and counted.
    assert "- [x] Review consumer config changes like code @bob #prevent P1 ([#42](http" in page
    assert "| Backlog | 1 of 3 items closed |" in page
    nag = (tmp_path / "demo" / "nag-comment.md").read_text()
    assert "### Post-mortem review overdue" in nag and "@alice" in nag
    issues = json.loads((tmp_path / "demo" / "issues.json").read_text())
    assert [i["number"] for i in issues if "postmortem-action" in i["labels"]] == [42, 43, 44]


# --- where an input comes from, under the real runner ------------------------------------------------------
# The runner passes every action.yml input as INPUT_<NAME>, an unset one at its action.yml default (now '');
# run_action does the same. Precedence: `with:` > the step's `env:` > the config file > the default.

CONFIG = ".github/postmortem.yml"


def review_due_on(sb: Any) -> str:
    [milestone] = sb.repo_state()["milestones"]
    return str(milestone["due_on"])[:10]


@pytest.mark.parametrize(
    ("with_", "step_env", "config_file", "due_on"),
    [
        ({}, {}, None, "2026-05-01"),  # nothing set anywhere: the built-in 2 months
        ({}, {"REVIEW_AFTER": "10 days"}, None, "2026-03-11"),  # the step's env:
        ({}, {}, "review_after: 1 month\n", "2026-04-01"),  # unset input: the config file
        ({}, {"REVIEW_AFTER": "10 days"}, "review_after: 1 month\n", "2026-03-11"),  # env: beats the file
        ({"review_after": "2 months"}, {}, "review_after: 1 month\n", "2026-05-01"),  # with: at the default
        ({"review_after": "6 weeks"}, {"REVIEW_AFTER": "10 days"}, None, "2026-04-12"),  # with: beats env:
    ],
    ids=["default", "env", "file", "env-over-file", "with-at-default-over-file", "with-over-env"],
)
def test_review_after_comes_from_with_then_env_then_the_config_file_then_the_default(
    sandbox: Any,
    tmp_path: Path,
    with_: dict[str, str],
    step_env: dict[str, str],
    config_file: str | None,
    due_on: str,
) -> None:
    sb = sandbox({**INCIDENT, "files": {CONFIG: config_file}} if config_file else INCIDENT)
    outcome = run_action(sb, "issues", labeled_payload(sb), tmp_path, inputs=with_, step_env=step_env)
    assert outcome.code == 0, outcome.stdout
    assert review_due_on(sb) == due_on


def test_the_runners_own_variables_are_never_taken_for_inputs() -> None:
    runner_env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "issues",
        "GITHUB_REPOSITORY": "octo-org/octo-repo",
        "GITHUB_WORKSPACE": "/github/workspace",
        "GITHUB_ACTION": "__pmaction_pmaction",
        "GITHUB_JOB": "postmortem",
        "RUNNER_TEMP": "/home/runner/work/_temp",
        "HOME": "/github/home",
        **{f"INPUT_{name.upper()}": value for name, value in action_defaults().items()},
        "INPUT_GITHUB_TOKEN": "ghs_token",
    }
    assert read_inputs(runner_env) == {"github_token": "ghs_token"}
    assert read_inputs({**runner_env, "INPUT_GITHUB_TOKEN": "", "GITHUB_TOKEN": "ghs_env"}) == {
        "github_token": "ghs_env"  # the documented fallback
    }
    assert read_inputs({**runner_env, "TIMEZONE": " Europe/Berlin ", "DRY_RUN": ""}) == {
        "github_token": "ghs_token",
        "timezone": "Europe/Berlin",  # a step's env: of an input's name; an empty one is not set
    }


# --- the runner's environment gone wrong: one line naming the fix, never a traceback ----------------------


@dataclass(frozen=True)
class ChildRun:
    code: int
    stdout: str
    stderr: str
    output: str
    summary: str

    @property
    def errors(self) -> list[str]:
        return [line for line in self.stdout.splitlines() if line.startswith("::error")]


def run_entrypoint(
    sb: Any,
    workdir: Path,
    *,
    env: dict[str, str] | None = None,
    inputs: dict[str, str] | None = None,
    payload: dict[str, Any] | None = None,
) -> ChildRun:
    """``python -m entrypoint`` with the runner's environment, any of it replaced by ``env``."""
    workdir.mkdir(parents=True, exist_ok=True)
    event_path, output, summary = workdir / "event.json", workdir / "output", workdir / "summary.md"
    event_path.write_text(json.dumps(labeled_payload(sb) if payload is None else payload), encoding="utf-8")
    output.write_text("")
    summary.write_text("")
    child = child_env(os.environ, workdir)
    child.update({f"INPUT_{name.upper()}": value for name, value in action_defaults().items()})
    child.update({f"INPUT_{name.upper()}": value for name, value in (inputs or {}).items()})
    child.update(
        {
            "INPUT_GITHUB_TOKEN": sb.token,
            "INPUT_SECONDS_BETWEEN_WRITES": (inputs or {}).get("seconds_between_writes", "0"),
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": "issues",
            "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_REPOSITORY": sb.repo,
            "GITHUB_API_URL": sb.api_url,
            "GITHUB_SERVER_URL": sb.server_url,
            "GITHUB_OUTPUT": str(output),
            "GITHUB_STEP_SUMMARY": str(summary),
            "PMACTION_NOW": sb.now().isoformat(),
            **(env or {}),
        }
    )
    done = subprocess.run(
        [sys.executable, "-m", "entrypoint"],
        env=child,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return ChildRun(done.returncode, done.stdout, done.stderr, text_of(output), text_of(summary))


def text_of(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def one_error_naming(run: ChildRun, *fragments: str) -> str:
    assert run.code == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr and run.stderr == "", run.stderr
    [error] = run.errors
    assert "crashed" not in error, error
    for fragment in fragments:
        assert fragment in error, error
    return error


@pytest.mark.parametrize(
    ("name", "value", "fragments"),
    [
        ("GITHUB_API_URL", "127.0.0.1:9/api/v3", ("GITHUB_API_URL", "https://api.github.com")),
        ("GITHUB_SERVER_URL", "github.com", ("GITHUB_SERVER_URL", "https://github.com")),
    ],
    ids=["api-url", "server-url"],
)
def test_a_url_without_a_scheme_is_one_line_naming_the_fix(
    sandbox: Any, tmp_path: Path, name: str, value: str, fragments: tuple[str, ...]
) -> None:
    sb = sandbox(INCIDENT)
    payload = labeled_payload(sb)
    sb.clear_requests()
    run = run_entrypoint(sb, tmp_path, env={name: value}, payload=payload)
    one_error_naming(run, *fragments, repr(value))
    assert sb.requests() == []


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (None, "is a directory"),
        (b"\xff\xfe\x00binary", "is not UTF-8"),
        (b"", "is empty"),
        (b"{not json", "is not JSON"),
        (b"[1, 2]", "holds no JSON object"),
    ],
    ids=["directory", "binary", "empty", "not-json", "a-list"],
)
def test_a_payload_file_that_is_no_json_object_is_one_line_naming_the_fix(
    sandbox: Any, tmp_path: Path, content: bytes | None, fragment: str
) -> None:
    sb = sandbox(INCIDENT)
    path = tmp_path / "payload"
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    run = run_entrypoint(sb, tmp_path / "run", env={"GITHUB_EVENT_PATH": str(path)})
    error = one_error_naming(run, "GITHUB_EVENT_PATH", fragment)
    assert "the runner wrote a bad payload" not in error
    assert "point it at" in error and "unset" in error  # the fix


@pytest.mark.parametrize("name", ["GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT"])
def test_a_summary_or_output_path_that_is_a_directory_is_one_error_and_the_rest_is_still_reported(
    sandbox: Any, tmp_path: Path, name: str
) -> None:
    sb = sandbox({**INCIDENT, "wiki": "missing"})  # a failing run: its own ::error must still be printed
    folder = tmp_path / "folder"
    folder.mkdir()
    run = run_entrypoint(sb, tmp_path / "run", env={name: str(folder)})
    assert run.code == 1
    assert "Traceback" not in run.stdout + run.stderr and run.stderr == ""
    [broken] = [e for e in run.errors if name in e]
    assert "is a directory" in broken.lower() and f"do not set {name} in the step's env" in broken
    assert any("open the repository's Wiki tab once" in e for e in run.errors)  # the run's own failure
    if name == "GITHUB_OUTPUT":
        assert "## Post-mortem" in run.summary or "pmaction" in run.summary  # the summary still written
    else:
        assert "milestone_number=1" in run.output  # the outputs still written


def test_seconds_between_writes_inf_is_refused_before_any_request(sandbox: Any, tmp_path: Path) -> None:
    sb = sandbox(INCIDENT)
    payload = labeled_payload(sb)
    sb.clear_requests()
    run = run_entrypoint(sb, tmp_path, inputs={"seconds_between_writes": "inf"}, payload=payload)
    one_error_naming(run, "seconds_between_writes: 'inf'", "86400")
    assert sb.requests() == []


def test_a_config_file_that_is_not_utf8_is_one_line_saying_so_not_a_bad_time_zone(
    sandbox: Any, tmp_path: Path
) -> None:
    sb = sandbox(INCIDENT)
    config = tmp_path / "run" / "workspace" / ".github" / "postmortem.yml"
    config.parent.mkdir(parents=True)
    config.write_bytes("review_after: 6 weeks\ntimezone: Europe/Zürich\n".encode("latin-1"))
    run = run_action(sb, "issues", labeled_payload(sb), tmp_path / "run")
    assert run.code == 1
    [error] = [line for line in run.stdout.splitlines() if line.startswith("::error")]
    assert ".github/postmortem.yml:2" in error and "not UTF-8" in error and "save the file as UTF-8" in error
    assert "time zone" not in error
