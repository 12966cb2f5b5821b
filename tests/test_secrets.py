"""The token appears nowhere but in the one ``::add-mask::`` line: not in the log, the job summary, the
outputs, the wiki's commits and pages, the issues, nor in any file a run leaves in its temp directory
or home. Each run is ``python -m entrypoint`` in a child process, exactly as the Actions runner starts it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import labeled_payload, scenario

from pmaction.demo import RunOutcome, run_action
from pmaction.sandbox import Sandbox

BODY = (
    "Primary database went away.\n\n### Action items\n\n- [ ] Write a failover runbook @alice #prevent P1\n"
)


def secret_forms(token: str) -> list[str]:
    """Every way a careless program could write the token: raw, in a URL, as a Basic header."""
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    return [token, basic, base64.b64encode(token.encode()).decode()]


def run_in_child(
    sb: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, payload: dict[str, Any]
) -> RunOutcome:
    temp_root = tmp_path / "tmp"
    temp_root.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp_root))  # the child's tempfile (wiki clones) lands here
    return run_action(sb, "issues", payload, tmp_path / "run")


def leaks(sb: Sandbox, tmp_path: Path, outcome: RunOutcome) -> list[str]:
    """Every place the token shows up, except the single add-mask line."""
    found: list[str] = []
    forms = secret_forms(sb.token)
    log_lines = outcome.stdout.splitlines()
    masks = [line for line in log_lines if line == f"::add-mask::{sb.token}"]
    if len(masks) != 1:
        found.append(f"expected one ::add-mask:: line, found {len(masks)}")
    for number, line in enumerate(log_lines, 1):
        if line not in masks and any(form in line for form in forms):
            found.append(f"log line {number}: {line[:80]}")
    for path in sorted(tmp_path.rglob("*")):
        if path.is_file():
            data = path.read_bytes().decode("utf-8", errors="replace")
            if any(form in data for form in forms):
                found.append(f"file {path.relative_to(tmp_path)}")
    state = sb.state()  # issues, comments, milestones, labels, wiki pages and commits
    if any(form in json.dumps(state) for form in forms):
        found.append("the sandbox state (issues, comments, wiki pages or commits)")
    answers = json.dumps([r.get("request_body") for r in sb.requests(bodies=True)])
    if any(form in answers for form in forms):
        found.append("a request body sent to the API")
    return found


@pytest.fixture
def start(sandbox: Callable[..., Sandbox]) -> Callable[..., Sandbox]:
    return sandbox


def test_a_successful_run_never_writes_the_token(
    start: Callable[..., Sandbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sb = start(scenario(issue={"body": BODY}))

    outcome = run_in_child(sb, tmp_path, monkeypatch, labeled_payload(sb, 12))

    assert outcome.code == 0, outcome.stdout
    assert len(sb.repo_state()["wiki"]["commits"]) == 2  # it did push: the commit was checked too
    assert leaks(sb, tmp_path, outcome) == []
    assert list((tmp_path / "tmp").iterdir()) == []  # no wiki clone left behind


def test_a_run_failing_on_a_missing_wiki_never_writes_the_token(
    start: Callable[..., Sandbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sb = start("wiki-missing")

    outcome = run_in_child(sb, tmp_path, monkeypatch, labeled_payload(sb, 1))

    assert outcome.code == 1
    assert "open the repository's Wiki tab once" in outcome.stdout
    assert leaks(sb, tmp_path, outcome) == []
    assert list((tmp_path / "tmp").iterdir()) == []


def test_a_run_failing_on_the_api_and_the_git_server_never_writes_the_token(
    start: Callable[..., Sandbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sb = start(scenario(issue={"body": BODY}))
    payload = labeled_payload(sb, 12)
    sb.add_faults(
        [
            {"method": "*", "route": "git:info-refs", "kind": "status", "status": 500, "times": 1},
            {
                "method": "POST",
                "route": "/repos/{owner}/{repo}/issues/{issue_number}/comments",
                "kind": "drop",
            },
        ]
    )

    outcome = run_in_child(sb, tmp_path, monkeypatch, payload)

    assert outcome.code == 1
    assert (
        "closed the connection without answering while trying to create the status comment" in outcome.stdout
    )
    assert leaks(sb, tmp_path, outcome) == []


def test_the_leak_check_itself_catches_a_token_in_a_file_a_log_line_or_a_basic_header(
    start: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = start(scenario())
    basic = secret_forms(sb.token)[1]
    (tmp_path / "left-behind").mkdir()
    (tmp_path / "left-behind" / "config").write_text(
        f"[http]\n\textraheader = AUTHORIZATION: basic {basic}\n"
    )
    outcome = RunOutcome(0, f"::add-mask::{sb.token}\ncloning with {sb.token}\n", {}, "")

    found = leaks(sb, tmp_path, outcome)

    assert found == ["log line 2: cloning with " + sb.token, "file left-behind/config"]
