"""The wiki behaves like GitHub's over smart HTTP, with real git: clone, push, and the ways it refuses."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path
from typing import Any

import pytest
import requests

from pmaction.sandbox import Sandbox

# The git backend is a separate module (pmaction/sandbox/gitwiki.py); until it exists there is no wiki.
pytest.importorskip("pmaction.sandbox.gitwiki", reason="pmaction.sandbox.gitwiki not there yet")

SCENARIO: dict[str, Any] = {
    "now": "2026-03-01T10:00:00Z",
    "repo": "octo-org/octo-repo",
    "wiki_pages": {"Home.md": "Welcome\n"},
    "tokens": [
        {"token": "ghs_full", "permissions": {"issues": "write", "contents": "write", "metadata": "read"}},
        {"token": "ghs_readonly", "permissions": {"issues": "write", "contents": "read", "metadata": "read"}},
    ],
}


def git(
    *args: str, cwd: Path | None = None, token: str | None = "ghs_full"
) -> subprocess.CompletedProcess[str]:
    auth: list[str] = []
    if token is not None:
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        auth = ["-c", f"http.extraheader=AUTHORIZATION: basic {basic}"]
    return subprocess.run(["git", *auth, *args], cwd=cwd, capture_output=True, text=True, timeout=30)


def wiki_url(sb: Sandbox) -> str:
    return f"{sb.server_url}/{sb.repo}.wiki.git"


def commit_page(clone: Path, name: str, text: str, message: str) -> None:
    (clone / name).write_text(text)
    subprocess.run(["git", "add", "-A"], cwd=clone, check=True)
    subprocess.run(["git", "commit", "-qm", message], cwd=clone, check=True)


def test_the_bot_clones_edits_and_pushes_the_wiki(sandbox: Any, tmp_path: Path) -> None:
    sb = sandbox(SCENARIO)
    clone = tmp_path / "wiki"
    cloned = git("clone", "-q", wiki_url(sb), str(clone))
    assert cloned.returncode == 0, cloned.stderr
    assert (clone / "Home.md").read_text() == "Welcome\n"
    commit_page(clone, "Incident-12-DB-outage.md", "# Timeline\n", "Add incident 12 timeline")
    pushed = git("push", "-q", "origin", "HEAD:master", cwd=clone)
    assert pushed.returncode == 0, pushed.stderr
    assert sb.wiki_files() == {"Home.md": "Welcome\n", "Incident-12-DB-outage.md": "# Timeline\n"}
    wiki = sb.repo_state()["wiki"]
    assert wiki["status"] == "created"
    assert wiki["commits"][0]["message"] == "Add incident 12 timeline"
    routes = [(e["route"], e["status"], e["kind"]) for e in sb.requests()]
    assert ("git:upload-pack", 200, "git") in routes and ("git:receive-pack", 200, "git") in routes


def test_a_human_edit_makes_the_bots_stale_push_non_fast_forward(sandbox: Any, tmp_path: Path) -> None:
    sb = sandbox(SCENARIO)
    clone = tmp_path / "wiki"
    assert git("clone", "-q", wiki_url(sb), str(clone)).returncode == 0
    sb.push_wiki_page("Home.md", "Edited in the browser\n", author="Human <h@example.com>")
    commit_page(clone, "Page.md", "bot\n", "bot page")
    rejected = git("push", "origin", "HEAD:master", cwd=clone)
    assert rejected.returncode != 0
    assert "rejected" in rejected.stderr
    assert sb.wiki_files()["Home.md"] == "Edited in the browser\n"
    assert sb.repo_state()["wiki"]["commits"][0]["author"].startswith("Human")


def test_no_or_bad_credentials_get_a_basic_challenge(sandbox: Any, tmp_path: Path) -> None:
    sb = sandbox(SCENARIO)
    answer = requests.get(wiki_url(sb) + "/info/refs", params={"service": "git-upload-pack"}, timeout=5)
    assert answer.status_code == 401 and answer.headers["WWW-Authenticate"] == 'Basic realm="GitHub"'
    refused = git("clone", "-q", wiki_url(sb), str(tmp_path / "w"), token="ghs_wrong")
    assert refused.returncode != 0


def test_a_never_created_wiki_is_not_found(sandbox: Any, tmp_path: Path) -> None:
    sb = sandbox({**SCENARIO, "wiki_pages": {}, "wiki": "missing"})
    result = git("clone", "-q", wiki_url(sb), str(tmp_path / "w"))
    assert result.returncode != 0
    assert "not found" in result.stderr.lower()
    assert sb.repo_state()["wiki"] == {"status": "missing", "files": {}, "commits": []}


def test_a_disabled_wiki_is_not_found_and_the_repo_says_so(sandbox: Any, tmp_path: Path) -> None:
    sb = sandbox({**SCENARIO, "wiki_pages": {}, "has_wiki": False})
    assert "not found" in git("clone", "-q", wiki_url(sb), str(tmp_path / "w")).stderr.lower()
    repo = requests.get(
        f"{sb.api_url}/repos/{sb.repo}", headers={"Authorization": "token ghs_full"}, timeout=5
    )
    assert repo.json()["has_wiki"] is False
    assert sb.repo_state()["wiki"]["status"] == "disabled"


def test_push_without_contents_write_is_denied_to_the_bot(sandbox: Any, tmp_path: Path) -> None:
    sb = sandbox(SCENARIO)
    clone = tmp_path / "wiki"
    assert git("clone", "-q", wiki_url(sb), str(clone), token="ghs_readonly").returncode == 0
    commit_page(clone, "Page.md", "x\n", "page")
    denied = git("push", "origin", "HEAD:master", cwd=clone, token="ghs_readonly")
    assert denied.returncode != 0
    assert "Permission to octo-org/octo-repo.wiki.git denied to github-actions[bot]." in denied.stderr
    assert "Page.md" not in sb.wiki_files()


def test_git_routes_take_faults_too(sandbox: Any, tmp_path: Path) -> None:
    sb = sandbox(SCENARIO)
    clone = tmp_path / "wiki"
    assert git("clone", "-q", wiki_url(sb), str(clone)).returncode == 0
    commit_page(clone, "Page.md", "x\n", "page")
    sb.add_faults([{"method": "POST", "route": "git:receive-pack", "kind": "status", "status": 502}])
    failed = git("push", "origin", "HEAD:master", cwd=clone)
    assert failed.returncode != 0 and "Page.md" not in sb.wiki_files()
    assert git("push", "-q", "origin", "HEAD:master", cwd=clone).returncode == 0
    assert "Page.md" in sb.wiki_files()


def test_a_push_applied_but_unanswered_still_lands(sandbox: Any, tmp_path: Path) -> None:
    sb = sandbox(SCENARIO)
    clone = tmp_path / "wiki"
    assert git("clone", "-q", wiki_url(sb), str(clone)).returncode == 0
    commit_page(clone, "Page.md", "x\n", "page")
    sb.add_faults([{"method": "POST", "route": "git:receive-pack", "kind": "drop_after_apply"}])
    assert git("push", "origin", "HEAD:master", cwd=clone).returncode != 0
    assert sb.wiki_files()["Page.md"] == "x\n"
