"""The sandbox's wiki repos, served by real ``git http-backend`` behind a tiny stdlib server."""

from __future__ import annotations

import gzip
import os
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from pmaction.sandbox.gitwiki import (
    commit_log,
    handle_git_request,
    init_wiki_repo,
    push_page,
    read_master_files,
)

WIKI_PATH = "/octo-org/octo-repo.wiki.git"


@dataclass
class WikiServer:
    url: str
    repo_dir: Path
    seen: list[dict[str, str]] = field(default_factory=list)  # method, path, headers of each request


@pytest.fixture
def wiki(tmp_path: Path) -> Iterator[WikiServer]:
    """One created wiki at /octo-org/octo-repo.wiki.git on 127.0.0.1, no authentication."""
    repo_dir = tmp_path / "wikis" / "octo-org+octo-repo.wiki.git"
    init_wiki_repo(repo_dir, {"Home.md": "Welcome\n"})
    seen: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _serve(self) -> None:
            path, _, query = self.path.partition("?")
            seen.append(
                {"method": self.command, "path": path, **{k.lower(): v for k, v in self.headers.items()}}
            )
            if not path.startswith(WIKI_PATH + "/"):
                self.send_error(404, "Repository not found.")
                return
            handle_git_request(self, repo_dir, path, query, "github-actions[bot]")

        do_GET = do_POST = _serve

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield WikiServer(f"http://127.0.0.1:{server.server_address[1]}{WIKI_PATH}", repo_dir, seen)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def git(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    # conftest's network_guard already gave os.environ a tmp HOME, dead proxies and no system config.
    env = {**os.environ, "LC_ALL": "C"}
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=30)


def clone(wiki: WikiServer, into: Path) -> Path:
    done = git("clone", "-q", wiki.url, str(into))
    assert done.returncode == 0, done.stderr
    return into


def commit(work: Path, name: str, content: str | bytes, message: str) -> None:
    target = work / name
    target.write_bytes(content) if isinstance(content, bytes) else target.write_text(content)
    assert git("add", "-A", cwd=work).returncode == 0
    done = git("commit", "-qm", message, cwd=work)
    assert done.returncode == 0, done.stderr


def push(work: Path) -> subprocess.CompletedProcess[str]:
    return git("push", "origin", "HEAD:master", cwd=work)


# ------------------------------------------------------------------ the repo on disk


def test_a_new_wiki_has_its_pages_on_master_in_one_commit(tmp_path: Path) -> None:
    repo = tmp_path / "o+r.wiki.git"
    init_wiki_repo(repo, {"Home.md": "Hi\n", "Incident-1.md": "# One\n"})
    assert read_master_files(repo) == {"Home.md": "Hi\n", "Incident-1.md": "# One\n"}
    log = commit_log(repo)
    assert len(log) == 1 and len(log[0]["sha"]) == 40
    head = subprocess.run(
        ["git", f"--git-dir={repo}", "symbolic-ref", "HEAD"], capture_output=True, text=True
    )
    assert head.stdout.strip() == "refs/heads/master"


def test_a_wiki_created_without_pages_still_has_a_home_page_like_githubs(tmp_path: Path) -> None:
    repo = tmp_path / "o+r.wiki.git"
    init_wiki_repo(repo, {})
    assert read_master_files(repo) == {"Home.md": "Welcome to the wiki!\n"}


def test_a_person_editing_a_page_makes_a_commit_that_keeps_the_other_pages(tmp_path: Path) -> None:
    repo = tmp_path / "o+r.wiki.git"
    init_wiki_repo(repo, {"Home.md": "Hi\n", "Other.md": "keep me\n"})
    push_page(repo, "Home.md", "Hi, edited\n", author="Carol <carol@example.com>", message="Updated Home")
    push_page(repo, "New-page.md", "ünïcode ✓\n")
    assert read_master_files(repo) == {
        "Home.md": "Hi, edited\n",
        "Other.md": "keep me\n",
        "New-page.md": "ünïcode ✓\n",
    }
    log = commit_log(repo)
    assert [e["message"] for e in log] == ["Edit page", "Updated Home", log[2]["message"]]
    assert log[1]["author"] == "Carol <carol@example.com>"
    assert log[0]["author"] == "Human Editor <human@example.com>"
    assert len(commit_log(repo, limit=2)) == 2


def test_page_names_with_folders_are_refused_as_github_flattens_them(tmp_path: Path) -> None:
    repo = tmp_path / "o+r.wiki.git"
    init_wiki_repo(repo, {})
    with pytest.raises(ValueError, match="not a wiki page"):
        push_page(repo, "sub/Page.md", "x\n")


# ------------------------------------------------------------------ over smart HTTP


def test_the_wiki_clones_and_takes_a_push(wiki: WikiServer, tmp_path: Path) -> None:
    work = clone(wiki, tmp_path / "w")
    assert (work / "Home.md").read_text() == "Welcome\n"
    commit(work, "Incident-7.md", "# Timeline\n", "Add incident 7")
    done = push(work)
    assert done.returncode == 0, done.stderr
    assert read_master_files(wiki.repo_dir)["Incident-7.md"] == "# Timeline\n"
    assert commit_log(wiki.repo_dir)[0]["message"] == "Add incident 7"
    assert {s["path"].rsplit("/", 1)[1] for s in wiki.seen} >= {"refs", "git-upload-pack", "git-receive-pack"}


def test_a_push_over_one_mib_arrives_chunked_and_lands(wiki: WikiServer, tmp_path: Path) -> None:
    work = clone(wiki, tmp_path / "w")
    big = os.urandom(1536 * 1024)  # incompressible, so the pack really is over git's 1 MiB post buffer
    commit(work, "diagram.bin", big, "Add a big diagram")
    done = push(work)
    assert done.returncode == 0, done.stderr
    pushes = [s for s in wiki.seen if s["path"].endswith("/git-receive-pack") and s["method"] == "POST"]
    assert any(s.get("transfer-encoding") == "chunked" for s in pushes)
    landed = subprocess.run(
        ["git", f"--git-dir={wiki.repo_dir}", "cat-file", "blob", "master:diagram.bin"], capture_output=True
    )
    assert landed.stdout == big


def test_a_stale_clone_cannot_overwrite_a_persons_edit(wiki: WikiServer, tmp_path: Path) -> None:
    work = clone(wiki, tmp_path / "w")
    push_page(wiki.repo_dir, "Home.md", "Edited in the browser\n", author="Human <h@example.com>")
    commit(work, "Bot.md", "bot\n", "bot page")
    rejected = push(work)
    assert rejected.returncode != 0 and "[rejected]" in rejected.stderr
    assert read_master_files(wiki.repo_dir) == {"Home.md": "Edited in the browser\n"}


def test_of_two_racing_pushes_one_lands_and_the_other_is_refused(wiki: WikiServer, tmp_path: Path) -> None:
    a, b = clone(wiki, tmp_path / "a"), clone(wiki, tmp_path / "b")
    commit(a, "A.md", "a\n", "from a")
    commit(b, "B.md", "b\n", "from b")
    start = threading.Barrier(2)
    results: dict[str, int] = {}

    def race(name: str, work: Path) -> None:
        start.wait()
        results[name] = push(work).returncode

    threads = [threading.Thread(target=race, args=item) for item in (("A.md", a), ("B.md", b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    winners = [name for name, code in results.items() if code == 0]
    assert len(results) == 2 and len(winners) == 1
    assert set(read_master_files(wiki.repo_dir)) == {"Home.md", *winners}
    assert len(commit_log(wiki.repo_dir)) == 2  # nothing lost, nothing merged behind anyone's back
    # The loser's next push is a plain non-fast-forward refusal, not a corruption.
    loser = a if winners == ["B.md"] else b
    assert git("fetch", "-q", "origin", cwd=loser).returncode == 0
    again = push(loser)
    assert again.returncode != 0 and "non-fast-forward" in again.stderr


def test_gzip_and_chunked_request_bodies_are_decoded(wiki: WikiServer) -> None:
    head = commit_log(wiki.repo_dir)[0]["sha"]
    want = f"want {head}\n"
    request = f"{len(want) + 4:04x}{want}00000009done\n".encode()
    headers = {"Content-Type": "application/x-git-upload-pack-request"}
    session = requests.Session()
    session.trust_env = False  # loopback only
    zipped = session.post(
        wiki.url + "/git-upload-pack",
        data=gzip.compress(request),
        headers={**headers, "Content-Encoding": "gzip"},
        timeout=10,
    )
    chunked = session.post(
        wiki.url + "/git-upload-pack", data=iter([request[:10], request[10:]]), headers=headers, timeout=10
    )
    for answer in (zipped, chunked):
        assert answer.status_code == 200
        assert answer.headers["Content-Type"] == "application/x-git-upload-pack-result"
        assert b"PACK" in answer.content
    assert wiki.seen[-1].get("transfer-encoding") == "chunked"


def test_unknown_services_get_the_backends_own_refusal(wiki: WikiServer) -> None:
    session = requests.Session()
    session.trust_env = False
    answer = session.get(wiki.url + "/info/refs", params={"service": "git-frobnicate"}, timeout=10)
    assert answer.status_code == 403
