"""GitHub Enterprise Server from the command line: the wiki goes where the API is, never to github.com."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SandboxFactory
from helpers import incident_page, scenario

from pmaction.cli import UsageError, endpoints
from pmaction.demo import child_env


@pytest.mark.parametrize(
    ("api", "server", "expected"),
    [
        (None, None, ("https://api.github.com", "https://github.com")),
        ("https://ghe.example/api/v3", None, ("https://ghe.example/api/v3", "https://ghe.example")),
        ("https://ghe.example/api/v3/", None, ("https://ghe.example/api/v3", "https://ghe.example")),
        (
            "https://ghe.example/api/v3",
            "https://web.example/",
            ("https://ghe.example/api/v3", "https://web.example"),
        ),
    ],
)
def test_the_server_url_follows_the_api_url(
    api: str | None, server: str | None, expected: tuple[str, str]
) -> None:
    assert endpoints(api, server) == expected


def test_an_enterprise_api_url_without_api_v3_is_a_hint_not_a_not_found() -> None:
    with pytest.raises(UsageError, match=r"--api-url https://ghe.example: .* https://HOST/api/v3"):
        endpoints("https://ghe.example", None)


def test_with_only_an_api_url_the_wiki_push_goes_to_that_server(
    sandbox: SandboxFactory, tmp_path: Path
) -> None:
    sb = sandbox(scenario())
    env = child_env(os.environ, tmp_path)
    env["GITHUB_TOKEN"] = sb.token
    command = [sys.executable, "-m", "pmaction", "run", "--repo", sb.repo, "--api-url", sb.api_url]
    command += ["--issue", "12", "--set", "seconds_between_writes=0", "--now", sb.now().isoformat()]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert incident_page(sb)[0].startswith("Postmortem-2026-03-01-12-")
    assert any(r["route"] == "git:receive-pack" for r in sb.requests())


def test_a_skipped_run_says_why_once(sandbox: SandboxFactory, tmp_path: Path) -> None:
    sb = sandbox(scenario(issue={"labels": []}))
    env = child_env(os.environ, tmp_path)
    env["GITHUB_TOKEN"] = sb.token
    command = [
        sys.executable,
        "-m",
        "pmaction",
        "run",
        "--repo",
        sb.repo,
        "--api-url",
        sb.api_url,
        "--issue",
        "12",
    ]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (done.stdout + done.stderr).count("nothing to do") == 1, done.stdout
