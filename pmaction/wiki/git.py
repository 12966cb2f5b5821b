"""The wiki edge: read the wiki's pages, let the caller edit them, commit and push as the bot.

GitHub wikis have no REST API; a wiki is the git repo ``{server}/{owner}/{repo}.wiki.git`` and GitHub
renders only its ``master`` branch. Every attempt works in a fresh temporary clone (never the
workspace, which another uid owns). The token travels only as an HTTP header in the git process's
own configuration environment: never in a URL, never in ``.git/config``, and it is scrubbed from
anything git prints before that reaches a message. A push refused because someone else pushed
first is retried on a fresh clone with ``edit`` applied again; nothing is ever force-pushed or deleted.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from pmaction.wiki import git_limits
from pmaction.wiki.git_limits import RateLimited, limit_message, trace_environment, traced_limit
from pmaction.wiki.git_text import _basic, page_name_problem, scrub, unified_diff

BRANCH = "master"
MAX_WAIT = 60.0  # max_wait_seconds' default: the longest rate-limit wait when the caller names none
BOT_NAME = "github-actions[bot]"
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"

Status = Literal["pushed", "unchanged", "dry_run", "missing", "disabled", "forbidden", "failed"]
Edit = Callable[[dict[str, str]], dict[str, str]]
Prepare = Callable[[dict[str, str]], None]


class EarlyClone(Protocol):
    def take(self) -> tuple[Path, bool] | None: ...


@dataclass(frozen=True)
class WikiOutcome:
    """What happened to the wiki; the caller reports it (wiki trouble never stops the issue-side steps)."""

    status: Status
    message: str
    commit: str | None = None
    changed: tuple[str, ...] = ()
    diff: str = ""


class WikiError(Exception):
    """A wiki operation failed; the one-line message names the fix, ``status`` is the outcome's."""

    def __init__(self, message: str, status: Status = "failed") -> None:
        super().__init__(message)
        self.status: Status = status


class _Rejected(Exception):
    """The push was refused because master moved (someone else pushed first): re-clone and re-apply."""


class _Transient(Exception):
    """The server failed in a way a retry may fix (5xx, a dropped connection)."""

    # Set when it was the push that failed: the commit may have landed anyway.
    pushed: WikiOutcome | None = None


class _NoBranch(WikiError):
    """The wiki repo exists but has no master yet: start it (GitHub itself always has Home.md)."""


def wiki_remote(server_url: str, full_name: str) -> str:
    """The git URL of a repository's wiki (``server_url`` as GITHUB_SERVER_URL gives it)."""
    return f"{server_url.rstrip('/')}/{full_name}.wiki.git"


def wiki_disabled_outcome(full_name: str) -> WikiOutcome:
    """Over git a disabled wiki looks like a missing one; the caller knows ``has_wiki`` from the API."""
    return WikiOutcome(
        "disabled",
        f"Wikis are disabled for {full_name}: enable them in Settings → General → Features → Wikis.",
    )


def full_name_of(remote: str) -> str:
    """``https://github.com/octo-org/octo-repo.wiki.git`` -> ``octo-org/octo-repo``."""
    path = remote.rstrip("/").removesuffix(".wiki.git").removesuffix(".git")
    return "/".join(path.split("/")[-2:])


def classify_git_failure(stderr: str, full_name: str) -> Exception:
    """Map git's complaint to what the user must do. ``stderr`` is already scrubbed."""
    low = stderr.lower()
    if "couldn't find remote ref" in low:
        return _NoBranch(stderr)
    if (
        "[rejected]" in low
        or "non-fast-forward" in low
        or "fetch first" in low
        or "failed to update ref" in low
    ):
        return _Rejected(stderr)
    if "cannot lock ref" in low or "failed to lock" in low:
        return _Rejected(stderr)
    if re.search(r"\b403\b", low) or "denied" in low or "permission to" in low:
        return WikiError(
            f"The token cannot push to the wiki of {full_name}: give the job `permissions: contents: write`.",
            "forbidden",
        )
    if re.search(r"\b401\b", low) or "authentication failed" in low or "could not read username" in low:
        return WikiError(
            f"The token was refused by the wiki of {full_name} (401): check the github_token input.",
            "forbidden",
        )
    if "not found" in low or re.search(r"\b404\b", low):
        return WikiError(
            f"The wiki of {full_name} has not been created yet: open the repository's Wiki tab once "
            "and save any page, then re-run.",
            "missing",
        )
    if (
        re.search(r"\b50[0-9]\b", low)
        or "rpc failed" in low
        or "empty reply" in low
        or "reset by peer" in low
    ):
        return _Transient(stderr)
    return WikiError(_failed_message(full_name, stderr))


def _failed_message(full_name: str, detail: str) -> str:
    last = " ".join(line.strip() for line in detail.strip().splitlines()[-2:] if line.strip()) or "no detail"
    return f"Could not reach the wiki of {full_name}: {last} (check GITHUB_SERVER_URL or re-run)."


# ---------------------------------------------------------------------------- git runner


@dataclass(frozen=True)
class _Git:
    """Runs git in one clone with the bot's identity; network commands carry the token header."""

    work: Path
    token: str
    env: Mapping[str, str]
    timeout: float
    full_name: str
    author: tuple[str, str] = (BOT_NAME, BOT_EMAIL)

    def environment(self, network: bool) -> dict[str, str]:
        env = dict(self.env)
        env.update(
            {
                "GIT_TERMINAL_PROMPT": "0",  # a refused token must fail, never wait for a password
                "GIT_ASKPASS": "",
                "LC_ALL": "C",  # the failure mapping reads git's English messages
                "LANGUAGE": "C",
                # The environment beats user.name/user.email, so a runner's GIT_AUTHOR_* cannot leak in.
                "GIT_AUTHOR_NAME": self.author[0],
                "GIT_AUTHOR_EMAIL": self.author[1],
                "GIT_COMMITTER_NAME": self.author[0],
                "GIT_COMMITTER_EMAIL": self.author[1],
            }
        )
        if network:
            # GIT_CONFIG_COUNT/KEY/VALUE is git's environment form of `git -c`: the header reaches only
            # this process, never .git/config, and unlike argv it is not readable by other users.
            index = int(env.get("GIT_CONFIG_COUNT", "0") or 0)
            env[f"GIT_CONFIG_KEY_{index}"] = "http.extraheader"
            env[f"GIT_CONFIG_VALUE_{index}"] = f"AUTHORIZATION: basic {_basic(self.token)}"
            env["GIT_CONFIG_COUNT"] = str(index + 1)
            # git prints no headers: its trace is how a rate limit's Retry-After or reset is seen.
            env.update(trace_environment(str(self.trace_path)))
        return env

    @property
    def trace_path(self) -> Path:
        # Inside .git: never read as a page, removed with the clone, and deleted after each command.
        return self.work / ".git" / "http-trace"

    def _failure(self, detail: str, network: bool) -> Exception:
        """What a failed git command means; a rate limit is told apart from a refusal by its headers."""
        limit = traced_limit(self.trace_path) if network else None
        if limit is not None:
            return RateLimited(limit)
        return classify_git_failure(scrub(detail, self.token), self.full_name)

    def __call__(self, *args: str, network: bool = False) -> str:
        base = [
            "git",
            "-c",
            "credential.helper=",  # no helper may store or offer credentials
            "-c",
            "core.autocrlf=false",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "core.hooksPath=/dev/null",
        ]
        proc = subprocess.Popen(
            [*base, *args],
            cwd=self.work,
            env=self.environment(network),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # so a timeout can stop git-remote-http too
        )
        try:
            out, err = proc.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise WikiError(
                _failed_message(self.full_name, f"git {args[0]} timed out after {self.timeout:g} s")
            ) from None
        try:
            if proc.returncode != 0:
                raise self._failure(err or out, network)
        finally:
            if network:
                self.trace_path.unlink(missing_ok=True)
        return out


# ---------------------------------------------------------------------------- the writer


def _read_files(work: Path) -> dict[str, str]:
    """Every text file of the clone (relative path -> text); binary attachments are skipped."""
    files: dict[str, str] = {}
    for path in sorted(work.rglob("*")):
        rel = path.relative_to(work)
        if rel.parts[0] == ".git" or path.is_symlink() or not path.is_file():
            continue  # a symlink in someone's wiki must not make us read files outside the clone
        try:
            # Bytes, not read_text: universal newlines would turn a CRLF page into LF before the merge.
            files[rel.as_posix()] = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            continue
    return files


def _checkout(git: _Git, remote: str, *, history: bool = False) -> bool:
    """Fetch master into ``git.work`` (shallow unless ``history``); False when the remote has no master."""
    git("init", "-q", f"--initial-branch={BRANCH}")
    git("remote", "add", "origin", remote)
    refspec = f"+refs/heads/{BRANCH}:refs/remotes/origin/{BRANCH}"
    depth = [] if history else ["--depth=1"]
    try:
        git("fetch", "-q", *depth, "--no-tags", "origin", refspec, network=True)
    except _NoBranch:
        return False
    git("checkout", "-q", "-B", BRANCH, f"refs/remotes/origin/{BRANCH}")
    return True


@dataclass(frozen=True)
class WikiPages:
    """The wiki as read, with who last changed each file (the author e-mail of its newest commit)."""

    files: dict[str, str]
    last_author: dict[str, str]
    problem: str | None = None  # set when the wiki could not be read; names the fix


def read_wiki(
    remote: str, token: str, *, git_timeout: float = 60, env: Mapping[str, str] | None = None
) -> WikiPages:
    """Every page of the wiki and, from its history, who last changed each one (one clone, no write)."""
    work = Path(tempfile.mkdtemp(prefix="pmaction-wiki-"))
    git = _Git(work, token, dict(os.environ if env is None else env), git_timeout, full_name_of(remote))
    try:
        if not _checkout(git, remote, history=True):
            return WikiPages({}, {})
        return WikiPages(_read_files(work), _last_authors(git("log", "--format=%x00%ae", "--name-only")))
    except RateLimited as err:  # a read is not waited for: the next event's run reads again
        return WikiPages({}, {}, limit_message(err.limit, git.full_name, 0))
    except (WikiError, _Rejected, _Transient) as err:
        return WikiPages({}, {}, str(err))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def wiki_head(
    remote: str, token: str, *, git_timeout: float = 60, env: Mapping[str, str] | None = None
) -> str | None:
    """The commit master points at, from the ref advertisement alone (``git ls-remote``: two requests in
    protocol v2, nothing fetched); None when it cannot be told (no master yet, or any failure: the caller
    then reads the wiki as usual and reports what that finds)."""
    work = Path(tempfile.mkdtemp(prefix="pmaction-wiki-"))
    git = _Git(work, token, dict(os.environ if env is None else env), git_timeout, full_name_of(remote))
    try:
        git("init", "-q", f"--initial-branch={BRANCH}")  # only for the trace file's folder
        out = git("ls-remote", remote, f"refs/heads/{BRANCH}", network=True)
    except (WikiError, RateLimited, _Rejected, _Transient):
        return None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    sha = out.split("\t", 1)[0].strip()
    return sha if re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", sha) else None


def _last_authors(log: str) -> dict[str, str]:
    """file -> author e-mail of the newest commit naming it, from ``git log --name-only`` (newest first)."""
    found: dict[str, str] = {}
    for commit in log.split("\0")[1:]:
        email, _, names = commit.partition("\n")
        for name in names.split("\n"):
            if name.strip():
                found.setdefault(name.strip(), email.strip())
    return found


def _attempt(
    remote: str,
    edit: Edit,
    git: _Git,
    message: str,
    dry_run: bool,
    prepare: Prepare | None,
    cloned: bool | None = None,
) -> WikiOutcome:
    """One clone-edit-commit-push round (``prepare`` first, when this is the first round). ``cloned``: the
    clone was made already (an early clone, git_clone.py), with or without a master branch."""
    has_master = _checkout(git, remote) if cloned is None else cloned
    head = git("rev-parse", "HEAD").strip() if has_master else None
    before = _read_files(git.work)
    if prepare is not None:
        prepare(dict(before))
    wanted = edit(dict(before))
    changes = {name: text for name, text in wanted.items() if before.get(name) != text}
    for name in changes:
        problem = page_name_problem(name)
        if problem:
            return WikiOutcome("failed", f"Refusing to write the wiki of {git.full_name}: {problem}.")
    names = tuple(sorted(changes))
    diff = scrub(unified_diff(before, changes), git.token)
    if not changes:  # the commit the wiki is at: the sync records it, and its next run compares
        return WikiOutcome("unchanged", f"The wiki of {git.full_name} is already up to date.", head)
    if dry_run:
        return WikiOutcome(
            "dry_run",
            f"Dry run: would update {_listing(names)} on the wiki of {git.full_name}.",
            None,
            names,
            diff,
        )
    for name, text in changes.items():
        (git.work / name).write_text(text, encoding="utf-8", newline="")
    git("add", "--", *names)
    if not git("status", "--porcelain", "--", *names).strip():
        return WikiOutcome("unchanged", f"The wiki of {git.full_name} is already up to date.", head)
    git("commit", "-q", "--no-verify", "-m", _commit_message(message))
    sha = git("rev-parse", "HEAD").strip()
    done = WikiOutcome(
        "pushed", f"Updated {_listing(names)} on the wiki of {git.full_name} ({sha[:7]}).", sha, names, diff
    )
    try:
        git("push", "-q", "--no-verify", "origin", f"HEAD:refs/heads/{BRANCH}", network=True)
    except _Transient as err:
        err.pushed = done
        raise
    return done


def _commit_message(text: str) -> str:
    """The message without control characters: a NUL (from an issue title) cannot be an argument at all."""
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", text)


def _listing(names: tuple[str, ...]) -> str:
    return ", ".join(n.removesuffix(".md") for n in names) if len(names) <= 5 else f"{len(names)} pages"


def update_wiki(
    remote: str,
    token: str,
    edit: Edit,
    *,
    message: str,
    author_name: str = BOT_NAME,
    author_email: str = BOT_EMAIL,
    dry_run: bool = False,
    max_attempts: int = 4,
    git_timeout: float = 60,
    env: Mapping[str, str] | None = None,
    prepare: Prepare | None = None,
    max_wait: float = MAX_WAIT,
    early: EarlyClone | None = None,
) -> WikiOutcome:
    """Apply ``edit`` to the wiki at ``remote`` in one commit on master, pushed as the bot.

    ``edit`` gets the wiki's text files (path -> text) and returns the pages to write (top-level name ->
    text; unchanged ones are ignored). It may be called again, on fresher files, when someone else
    pushed in between: it must be a function of the files it is given and write nothing elsewhere.
    ``prepare``, if given, sees the first clone's files once, before the first ``edit``: the place for
    work done elsewhere that the pages depend on (creating an issue for an item found on a page), which
    must not happen twice. Failures come back as an outcome whose message names the fix; exceptions raised
    by ``prepare`` or ``edit`` propagate. A rate limit is waited out if it fits in ``max_wait``. ``early``:
    the first round's clone, made while the caller did other work (git_clone.py)."""
    full_name, base_env = full_name_of(remote), dict(os.environ if env is None else env)
    prepared = prepare is None

    def once(files: dict[str, str]) -> None:
        nonlocal prepared  # the first clone that gets this far, whichever attempt that is
        if not prepared and prepare is not None:
            prepared = True
            prepare(files)

    tried: WikiOutcome | None = None  # a push whose answer was lost
    last, last_kind = "", "unreachable"  # the last round's complaint
    for attempt in range(1, max(1, max_attempts) + 1):
        work, cloned = _round_dir(early if attempt == 1 else None)
        git = _Git(work, token, base_env, git_timeout, full_name, (author_name, author_email))
        try:
            outcome = _attempt(remote, edit, git, message, dry_run, once, cloned)
            if outcome.status == "unchanged" and tried and tried.commit and _landed(git, tried.commit):
                return tried  # the previous push was applied, only its answer was lost
            return _counted(outcome, attempt)
        except WikiError as err:
            return WikiOutcome(err.status, str(err))
        except RateLimited as err:
            if err.limit.wait > max_wait or attempt >= max_attempts:
                return WikiOutcome("failed", limit_message(err.limit, full_name, max_wait, attempts=attempt))
            git_limits.sleep(err.limit.wait)  # GitHub applied nothing: the next round is a fresh clone
            continue
        except (_Rejected, _Transient) as err:
            last = str(err)
            last_kind = "rejected" if isinstance(err, _Rejected) else "unreachable"
            tried = err.pushed if isinstance(err, _Transient) else None
        finally:
            shutil.rmtree(work, ignore_errors=True)
        time.sleep(min(0.05 * 2**attempt, 1.0))  # let the other writer finish before we look again
    return _gave_up(full_name, max_attempts, last, last_kind)


def _round_dir(early: EarlyClone | None) -> tuple[Path, bool | None]:
    """The early clone (and whether it has master), else a fresh folder to clone into."""
    made = early.take() if early is not None else None
    return made if made else (Path(tempfile.mkdtemp(prefix="pmaction-wiki-")), None)


def _gave_up(full_name: str, max_attempts: int, last: str, last_kind: str) -> WikiOutcome:
    if last_kind == "rejected":
        message = f"The wiki of {full_name} still refused the push after {max_attempts} attempts"
    else:
        message = f"Could not reach the wiki of {full_name} in {max_attempts} attempts"
    return WikiOutcome("failed", f"{message} ({_one_line(last)}): re-run.")


def _counted(outcome: WikiOutcome, attempt: int) -> WikiOutcome:
    """A push that needed more than one round says how many."""
    if attempt == 1 or outcome.status != "pushed":
        return outcome
    message = f"{outcome.message[:-1]} after {attempt} attempts."
    return WikiOutcome(outcome.status, message, outcome.commit, outcome.changed, outcome.diff)


def _landed(git: _Git, sha: str) -> bool:
    """Whether ``sha`` is master's tip (or within the shallow history we fetched)."""
    try:
        git("cat-file", "-e", f"{sha}^{{commit}}")
    except Exception:  # any refusal means "not here"
        return False
    return True


def _one_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no detail"
