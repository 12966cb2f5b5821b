"""Wikis for the sandbox: bare git repos on disk, served over smart HTTP by real ``git http-backend``.

GitHub wikis have no REST API, only git; running the real backend means clone, fetch, push and the
non-fast-forward refusal behave exactly as git behaves against GitHub. Pages are edited "by people"
with plumbing commands on the bare repo, so no work tree is ever needed.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import tempfile
from http.server import BaseHTTPRequestHandler
from pathlib import Path

BRANCH = "master"  # GitHub renders only master, whatever the main repository's default branch is
WELCOME = {"Home.md": "Welcome to the wiki!\n"}
CREATOR = "GitHub <noreply@github.com>"
BACKEND_TIMEOUT = 120.0


class GitWikiError(RuntimeError):
    """A git command on a sandbox wiki failed (a bug in the sandbox or its caller)."""


def _git_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    # Nothing from the developer's git config may change what the sandbox serves.
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "HOME": tempfile.gettempdir(),
        "LC_ALL": "C",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
    }
    env.update(extra or {})
    return env


def _git(repo_dir: Path, *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None) -> bytes:
    done = subprocess.run(
        ["git", f"--git-dir={repo_dir}", *args],
        input=stdin,
        capture_output=True,
        env=_git_env(env),
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        raise GitWikiError(f"git {' '.join(args[:2])} failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def _identity(person: str) -> dict[str, str]:
    name, _, email = person.partition("<")
    name, email = name.strip() or "Someone", email.rstrip(">").strip() or "someone@example.com"
    return {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
    }


def _head(repo_dir: Path) -> str | None:
    done = subprocess.run(
        ["git", f"--git-dir={repo_dir}", "rev-parse", "--verify", "-q", f"refs/heads/{BRANCH}"],
        capture_output=True,
        env=_git_env(),
        timeout=60,
        check=False,
    )
    return done.stdout.decode().strip() or None


def _commit_tree(repo_dir: Path, entries: list[str], parent: str | None, author: str, message: str) -> None:
    """Write a tree from ``ls-tree``-style lines, commit it on master (compare-and-swap on the old tip)."""
    tree = (
        _git(repo_dir, "mktree", "-z", stdin=b"".join(e.encode() + b"\0" for e in entries)).decode().strip()
    )
    parents = ["-p", parent] if parent else []
    commit = (
        _git(repo_dir, "commit-tree", tree, *parents, "-m", message, env=_identity(author)).decode().strip()
    )
    # The old value makes a concurrent push between our read and this write fail instead of vanishing.
    _git(repo_dir, "update-ref", f"refs/heads/{BRANCH}", commit, parent or "0" * 40)


def _blob(repo_dir: Path, text: str) -> str:
    return _git(repo_dir, "hash-object", "-w", "--stdin", stdin=text.encode()).decode().strip()


def init_wiki_repo(repo_dir: Path, pages: dict[str, str]) -> None:
    """A created wiki as GitHub has it: a bare repo, HEAD on master, one commit holding ``pages``.

    A wiki only exists once someone saved a first page, so an empty ``pages`` still gets Home.md.
    """
    repo_dir.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["git", "init", "-q", "--bare", f"--initial-branch={BRANCH}", str(repo_dir)],
        capture_output=True,
        env=_git_env(),
        timeout=60,
        check=True,
    )
    entries = [
        f"100644 blob {_blob(repo_dir, text)}\t{name}" for name, text in sorted((pages or WELCOME).items())
    ]
    _commit_tree(repo_dir, entries, None, CREATOR, "Initial Home page")


def push_page(
    repo_dir: Path,
    name: str,
    text: str,
    author: str = "Human Editor <human@example.com>",
    message: str = "Edit page",
) -> None:
    """A person edits a page on the wiki: a real commit on master, other pages untouched."""
    if "/" in name or not name or name.startswith("."):
        raise ValueError(f"{name!r} is not a wiki page file name")
    parent = _head(repo_dir)
    listing = _git(repo_dir, "ls-tree", "-z", parent).decode() if parent else ""
    entries = [e for e in listing.split("\0") if e and e.split("\t", 1)[1] != name]
    entries.append(f"100644 blob {_blob(repo_dir, text)}\t{name}")
    _commit_tree(repo_dir, entries, parent, author, message)


def read_master_files(repo_dir: Path) -> dict[str, str]:
    """Every file at master, path -> text (an empty repo has none)."""
    head = _head(repo_dir)
    if head is None:
        return {}
    listing = _git(repo_dir, "ls-tree", "-r", "-z", head).decode()
    blobs: list[tuple[str, str]] = []
    for entry in filter(None, listing.split("\0")):
        meta, path = entry.split("\t", 1)
        _mode, kind, sha = meta.split()
        if kind == "blob":
            blobs.append((path, sha))
    if not blobs:
        return {}
    # One cat-file process for all blobs: "<sha> blob <size>\n<content>\n" per object.
    raw = _git(repo_dir, "cat-file", "--batch", stdin="".join(f"{sha}\n" for _, sha in blobs).encode())
    files: dict[str, str] = {}
    pos = 0
    for path, _sha in blobs:
        header_end = raw.index(b"\n", pos)
        size = int(raw[pos:header_end].split()[2])
        files[path] = raw[header_end + 1 : header_end + 1 + size].decode("utf-8", errors="replace")
        pos = header_end + 1 + size + 1
    return files


def commit_log(repo_dir: Path, limit: int = 50) -> list[dict[str, str]]:
    """Newest first: sha, message (trimmed), author ("Name <email>")."""
    head = _head(repo_dir)
    if head is None:
        return []
    raw = _git(repo_dir, "log", f"-n{int(limit)}", "--format=%H%x1f%an <%ae>%x1f%B%x1e", head).decode()
    log: list[dict[str, str]] = []
    for record in raw.split("\x1e"):
        if record.strip():
            sha, author, message = record.strip("\n").split("\x1f", 2)
            log.append({"sha": sha, "message": message.strip(), "author": author})
    return log


# ---------------------------------------------------------------------------- smart HTTP


def _repo_relative(path_info: str) -> str:
    """``/owner/repo.wiki.git/info/refs`` or ``/info/refs`` -> ``/info/refs``."""
    marker = path_info.find(".git/")
    if marker >= 0:
        return path_info[marker + len(".git") :]
    return "" if path_info.endswith(".git") else path_info


def _read_chunked(handler: BaseHTTPRequestHandler) -> bytes:
    out = bytearray()
    while True:
        line = handler.rfile.readline(1024)
        size = int(line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while handler.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return bytes(out)
        out += handler.rfile.read(size)
        handler.rfile.readline(1024)  # CRLF closing the chunk


def read_request_body(handler: BaseHTTPRequestHandler) -> bytes:
    """The request body, de-chunked (git chunks pushes over 1 MiB) and gunzipped (big fetch requests)."""
    if "chunked" in (handler.headers.get("Transfer-Encoding") or "").lower():
        body = _read_chunked(handler)
    else:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length > 0 else b""
    if (handler.headers.get("Content-Encoding") or "").lower() in ("gzip", "x-gzip"):
        body = gzip.decompress(body)
    return body


def _split_cgi(output: bytes) -> tuple[int, str, list[tuple[str, str]], bytes]:
    """CGI output -> (status, reason, headers, body); ``Status:`` sets the status, 200 otherwise."""
    ends = [(i, len(sep)) for sep in (b"\r\n\r\n", b"\n\n") if (i := output.find(sep)) >= 0]
    if not ends:
        return 502, "Bad Gateway", [("Content-Type", "text/plain")], b"git http-backend gave no headers\n"
    cut, width = min(ends)
    head, body = output[:cut], output[cut + width :]
    status, reason, headers = 200, "OK", []
    for line in head.decode("latin-1").splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "status":
            code, _, text = value.strip().partition(" ")
            status, reason = int(code), text or reason
        elif key.strip():
            headers.append((key.strip(), value.strip()))
    return status, reason, headers, body


def _run_backend(env: dict[str, str], body: bytes) -> tuple[int, str, list[tuple[str, str]], bytes]:
    plain = [("Content-Type", "text/plain")]
    try:
        done = subprocess.run(
            ["git", "http-backend"], input=body, capture_output=True, env=env, timeout=BACKEND_TIMEOUT
        )
    except subprocess.TimeoutExpired:
        return 504, "Gateway Timeout", plain, b"git http-backend timed out\n"
    if not done.stdout and done.returncode != 0:
        return 500, "Internal Server Error", plain, done.stderr or b"git http-backend failed\n"
    return _split_cgi(done.stdout)


def handle_git_request(
    handler: BaseHTTPRequestHandler, repo_dir: Path, path_info: str, query: str, remote_user: str
) -> int:
    """Serve one smart-HTTP request for the bare repo ``repo_dir`` with ``git http-backend``; returns
    the HTTP status written. Authentication and authorisation are the caller's job."""
    body = read_request_body(handler)
    env = _git_env(
        {
            "GIT_PROJECT_ROOT": str(repo_dir.parent),
            "PATH_INFO": f"/{repo_dir.name}{_repo_relative(path_info)}",
            "QUERY_STRING": query,
            "REQUEST_METHOD": handler.command,
            "CONTENT_TYPE": handler.headers.get("Content-Type") or "",
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_USER": remote_user,  # receive-pack refuses anonymous pushes
            "REMOTE_ADDR": str(handler.client_address[0]),
            "GIT_HTTP_EXPORT_ALL": "1",
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": "http.receivepack",
            "GIT_CONFIG_VALUE_0": "true",
        }
    )
    protocol = handler.headers.get("Git-Protocol")
    if protocol:
        env["GIT_PROTOCOL"] = protocol  # lets clients speak protocol v2, as GitHub allows
    status, reason, headers, payload = _run_backend(env, body)
    handler.send_response(status, reason)
    for key, value in headers:
        if key.lower() not in ("content-length", "transfer-encoding", "connection"):
            handler.send_header(key, value)
    handler.send_header("Content-Length", str(len(payload)))
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(payload)
    return status
