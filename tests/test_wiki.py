"""pmaction's wiki writer against the sandbox's real git wiki: clone, edit, commit as the bot, push."""

from __future__ import annotations

import base64
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pmaction.sandbox import Sandbox
from pmaction.wiki.git import (
    BOT_EMAIL,
    BOT_NAME,
    WikiOutcome,
    scrub,
    unified_diff,
    update_wiki,
    wiki_disabled_outcome,
    wiki_head,
    wiki_remote,
)
from pmaction.wiki.git_clone import WikiClone

TOKEN = "ghs_SeCrEt0123456789"
READONLY = "ghs_ReadOnly0123456789"
PAGE = "Incident-12-DB-outage.md"
SCENARIO: dict[str, Any] = {
    "now": "2026-03-01T10:00:00Z",
    "repo": "octo-org/octo-repo",
    "wiki_pages": {"Home.md": "Welcome\n", "Runbook.md": "Restart the DB.\n"},
    "tokens": [
        {"token": TOKEN, "permissions": {"issues": "write", "contents": "write", "metadata": "read"}},
        {"token": READONLY, "permissions": {"issues": "write", "contents": "read", "metadata": "read"}},
    ],
}
SECRETS = (TOKEN, base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode())


@pytest.fixture
def sb(sandbox: Any) -> Sandbox:
    started: Sandbox = sandbox(SCENARIO)
    return started


@pytest.fixture
def clones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The writer's temporary clones land here, so a test can look inside them mid-run."""
    root = tmp_path / "clones"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


def write(sb: Sandbox, pages: dict[str, str], token: str = TOKEN, **kw: Any) -> WikiOutcome:
    return update_wiki(
        wiki_remote(sb.server_url, sb.repo), token, lambda files: pages, message="pmaction: #12", **kw
    )


def git_routes(sb: Sandbox) -> list[str]:
    return [e["route"] for e in sb.requests() if e["kind"] == "git"]


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def test_the_first_write_creates_the_page_as_the_bot_and_keeps_the_others(sb: Sandbox) -> None:
    outcome = write(sb, {PAGE: "# DB outage\n"})
    assert outcome.status == "pushed", outcome.message
    assert outcome.changed == (PAGE,)
    assert sb.wiki_files() == {
        "Home.md": "Welcome\n",
        "Runbook.md": "Restart the DB.\n",
        PAGE: "# DB outage\n",
    }
    head = sb.repo_state()["wiki"]["commits"][0]
    assert head == {"sha": outcome.commit, "message": "pmaction: #12", "author": f"{BOT_NAME} <{BOT_EMAIL}>"}
    assert (
        "Incident-12-DB-outage" in outcome.message
        and outcome.commit
        and outcome.commit[:7] in outcome.message
    )


def test_edit_sees_every_page_and_only_changed_pages_are_committed(sb: Sandbox) -> None:
    seen: list[dict[str, str]] = []

    def edit(files: dict[str, str]) -> dict[str, str]:
        seen.append(files)
        return {"Home.md": files["Home.md"], PAGE: "# New\n"}  # Home handed back as it was

    outcome = update_wiki(wiki_remote(sb.server_url, sb.repo), TOKEN, edit, message="m")
    assert seen == [{"Home.md": "Welcome\n", "Runbook.md": "Restart the DB.\n"}]
    assert outcome.status == "pushed" and outcome.changed == (PAGE,)


def test_a_second_run_with_nothing_new_makes_no_commit_and_no_push(sb: Sandbox) -> None:
    assert write(sb, {PAGE: "# DB outage\n"}).status == "pushed"
    commits = len(sb.repo_state()["wiki"]["commits"])
    sb.clear_requests()
    again = write(sb, {PAGE: "# DB outage\n"})
    head = sb.repo_state()["wiki"]["commits"][0]["sha"]  # newest first
    assert again == WikiOutcome("unchanged", "The wiki of octo-org/octo-repo is already up to date.", head)
    assert len(sb.repo_state()["wiki"]["commits"]) == commits
    assert "git:receive-pack" not in git_routes(sb)


def test_a_person_saving_between_our_clone_and_push_keeps_their_edit_and_ours_is_reapplied(
    sb: Sandbox,
) -> None:
    calls: list[dict[str, str]] = []

    def edit(files: dict[str, str]) -> dict[str, str]:
        calls.append(files)
        if len(calls) == 1:  # someone saves the Runbook in the browser while we work on our clone
            sb.push_wiki_page(
                "Runbook.md", "Restart the DB, then page Carol.\n", author="Carol <carol@example.com>"
            )
        return {PAGE: f"# DB outage\nRunbook says: {files['Runbook.md']}"}

    outcome = update_wiki(wiki_remote(sb.server_url, sb.repo), TOKEN, edit, message="pmaction: #12")
    assert outcome.status == "pushed", outcome.message
    assert "after 2 attempts" in outcome.message
    assert len(calls) == 2 and calls[1]["Runbook.md"] == "Restart the DB, then page Carol.\n"
    files = sb.wiki_files()
    assert files["Runbook.md"] == "Restart the DB, then page Carol.\n"
    assert files[PAGE] == "# DB outage\nRunbook says: Restart the DB, then page Carol.\n"
    authors = [c["author"] for c in sb.repo_state()["wiki"]["commits"]]
    assert authors[:2] == [f"{BOT_NAME} <{BOT_EMAIL}>", "Carol <carol@example.com>"]  # on top, not over


def test_a_wiki_that_keeps_moving_gives_up_after_max_attempts_without_forcing(sb: Sandbox) -> None:
    def edit(files: dict[str, str]) -> dict[str, str]:
        sb.push_wiki_page("Home.md", files["Home.md"] + "+\n")
        return {PAGE: "x\n"}

    outcome = update_wiki(wiki_remote(sb.server_url, sb.repo), TOKEN, edit, message="m", max_attempts=2)
    assert outcome.status == "failed"
    assert "still refused the push after 2 attempts" in outcome.message and outcome.message.endswith(
        "re-run."
    )
    assert PAGE not in sb.wiki_files() and sb.wiki_files()["Home.md"] == "Welcome\n+\n+\n"


def test_a_never_created_wiki_is_reported_with_the_fix(sandbox: Any) -> None:
    sb = sandbox({**SCENARIO, "wiki_pages": {}, "wiki": "missing"})
    outcome = write(sb, {PAGE: "x\n"})
    assert outcome == WikiOutcome(
        "missing",
        "The wiki of octo-org/octo-repo has not been created yet: open the repository's Wiki tab once and "
        "save any page, then re-run.",
    )


def test_a_token_without_contents_write_is_told_which_permission_to_add(sb: Sandbox) -> None:
    outcome = write(sb, {PAGE: "x\n"}, token=READONLY)
    assert outcome.status == "forbidden"
    assert outcome.message == (
        "The token cannot push to the wiki of octo-org/octo-repo: "
        "give the job `permissions: contents: write`."
    )
    assert PAGE not in sb.wiki_files()


def test_a_wrong_token_is_refused_without_prompting(sb: Sandbox) -> None:
    # A credential prompt would hang until git's timeout and come back "failed", not "forbidden".
    outcome = write(sb, {PAGE: "x\n"}, token="ghs_wrong", git_timeout=5)
    assert outcome.status == "forbidden" and "401" in outcome.message


def test_disabled_wikis_have_their_own_outcome() -> None:
    outcome = wiki_disabled_outcome("octo-org/octo-repo")
    assert outcome.status == "disabled" and "Settings → General → Features → Wikis" in outcome.message


def test_the_token_never_reaches_a_url_the_clone_config_the_commit_or_a_message(
    sb: Sandbox, clones: Path
) -> None:
    seen_in_clone: list[str] = []

    def edit(files: dict[str, str]) -> dict[str, str]:
        (clone,) = clones.glob("pmaction-wiki-*")
        config = (clone / ".git" / "config").read_text()
        assert "http://127.0.0.1" in config and "extraheader" not in config
        seen_in_clone.extend(
            p.read_text(errors="replace") for p in (clone / ".git").rglob("*") if p.is_file()
        )
        return {PAGE: "x\n"}

    outcome = update_wiki(wiki_remote(sb.server_url, sb.repo), TOKEN, edit, message="m")
    assert outcome.status == "pushed" and seen_in_clone
    commit = subprocess.run(
        ["git", f"--git-dir={sb.wiki_dir()}", "cat-file", "-p", str(outcome.commit)],
        capture_output=True,
        text=True,
    )
    failures = [write(sb, {PAGE: "y\n"}, token=READONLY), write(sb, {PAGE: "y\n"}, token=TOKEN + "x")]
    assert_no_secret(
        *seen_in_clone, commit.stdout, outcome.message, outcome.diff, *(f.message for f in failures)
    )
    assert not list(clones.iterdir())  # every clone is removed afterwards


def test_git_errors_are_scrubbed_of_the_token_in_every_form() -> None:
    basic = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    noisy = f"fatal: https://x-access-token:{TOKEN}@h/ and AUTHORIZATION: basic {basic} and {TOKEN}"
    assert scrub(noisy, TOKEN) == "fatal: https://***@h/ and AUTHORIZATION: basic *** and ***"


def test_a_dry_run_shows_the_diff_and_pushes_nothing(sb: Sandbox) -> None:
    sb.clear_requests()
    outcome = write(sb, {PAGE: "# DB outage\n", "Home.md": "Welcome\nSee the incidents.\n"}, dry_run=True)
    assert outcome.status == "dry_run" and outcome.commit is None
    assert outcome.changed == ("Home.md", PAGE)
    assert outcome.diff == (
        "--- a/Home.md\n+++ b/Home.md\n@@ -1 +1,2 @@\n Welcome\n+See the incidents.\n"
        f"--- /dev/null\n+++ b/{PAGE}\n@@ -0,0 +1 @@\n+# DB outage\n"
    )
    assert "git:receive-pack" not in git_routes(sb)
    assert PAGE not in sb.wiki_files() and len(sb.repo_state()["wiki"]["commits"]) == 1


def test_a_diff_marks_a_missing_final_newline() -> None:
    assert unified_diff({"A.md": "a\n"}, {"A.md": "b"}).endswith("+b\n\\ No newline at end of file\n")


def test_pages_in_folders_or_hidden_files_are_refused_and_nothing_is_pushed(sb: Sandbox) -> None:
    for name in ("sub/Page.md", ".hidden"):
        outcome = write(sb, {name: "x\n"})
        assert outcome.status == "failed" and "Refusing to write" in outcome.message
    assert len(sb.repo_state()["wiki"]["commits"]) == 1


def test_a_server_error_on_push_is_retried(sb: Sandbox) -> None:
    sb.add_faults([{"method": "POST", "route": "git:receive-pack", "kind": "status", "status": 502}])
    sb.clear_requests()
    outcome = write(sb, {PAGE: "x\n"})
    assert outcome.status == "pushed", outcome.message
    assert git_routes(sb).count("git:receive-pack") == 2
    assert sb.wiki_files()[PAGE] == "x\n"


def test_a_push_applied_but_unanswered_is_reported_as_pushed_once(sb: Sandbox) -> None:
    sb.add_faults([{"method": "POST", "route": "git:receive-pack", "kind": "drop_after_apply"}])
    sb.clear_requests()
    outcome = write(sb, {PAGE: "x\n"})
    assert git_routes(sb).count("git:receive-pack") == 1  # looked again, saw it landed, did not push twice
    assert outcome.status == "pushed" and outcome.changed == (PAGE,), outcome.message
    commits = sb.repo_state()["wiki"]["commits"]
    assert len(commits) == 2 and commits[0]["sha"] == outcome.commit


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def test_an_unreachable_server_fails_fast_with_a_hint(sb: Sandbox) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    outcome = update_wiki(wiki_remote(f"http://127.0.0.1:{port}", sb.repo), TOKEN, lambda f: {}, message="m")
    assert outcome.status == "failed"
    assert outcome.message.startswith("Could not reach the wiki of octo-org/octo-repo: ")
    assert outcome.message.endswith("(check GITHUB_SERVER_URL or re-run).")


def test_a_server_that_never_answers_times_out(silent_port: int) -> None:
    started = time.monotonic()
    remote = wiki_remote(f"http://127.0.0.1:{silent_port}", "octo-org/octo-repo")
    outcome = update_wiki(remote, TOKEN, lambda f: {}, message="m", git_timeout=0.5)
    assert outcome.status == "failed" and "timed out after 0.5 s" in outcome.message
    assert time.monotonic() - started < 3


def test_a_wiki_repo_without_master_gets_its_first_commit(sb: Sandbox) -> None:
    wiki_dir = sb.wiki_dir()
    assert wiki_dir is not None
    shutil.rmtree(wiki_dir)
    subprocess.run(["git", "init", "-q", "--bare", "--initial-branch=master", str(wiki_dir)], check=True)
    outcome = write(sb, {"Home.md": "Hello\n"})
    assert outcome.status == "pushed", outcome.message
    assert sb.wiki_files() == {"Home.md": "Hello\n"}


def test_the_wiki_head_is_told_from_the_ref_advertisement_alone(sandbox: Any) -> None:
    sb = sandbox(SCENARIO)
    pushed = write(sb, {PAGE: "# DB outage\n"})
    sb.clear_requests()
    head = wiki_head(wiki_remote(sb.server_url, sb.repo), TOKEN)
    assert head == pushed.commit == sb.repo_state()["wiki"]["commits"][0]["sha"]
    assert git_routes(sb) == ["git:info-refs", "git:upload-pack"]  # ls-refs: nothing fetched

    missing = sandbox({**SCENARIO, "wiki_pages": {}, "wiki": "missing"})
    assert wiki_head(wiki_remote(missing.server_url, missing.repo), TOKEN) is None


def test_an_early_clone_is_taken_by_the_write_or_removed(sandbox: Any) -> None:
    sb = sandbox(SCENARIO)
    remote = wiki_remote(sb.server_url, sb.repo)
    early = WikiClone(remote, TOKEN)
    outcome = update_wiki(remote, TOKEN, lambda files: {PAGE: files["Runbook.md"]}, message="m", early=early)
    assert outcome.status == "pushed" and not early.work.exists()  # the write removed it when done
    # The early clone was the first round's: one clone (ls-refs and fetch) and the push, no second clone.
    assert git_routes(sb).count("git:upload-pack") == 2 and git_routes(sb).count("git:receive-pack") == 1

    spare = WikiClone(remote, TOKEN)
    spare.discard()  # the sync ended before its wiki write
    assert not spare.work.exists()
    broken = WikiClone(wiki_remote(sb.server_url, "octo-org/no-such-repo"), TOKEN)
    assert broken.take() is None and not broken.work.exists()  # the write clones itself and says why
