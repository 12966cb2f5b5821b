"""Shared fixtures: the network guard every test runs under, and the sandbox factory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pmaction.sandbox import Sandbox
from pmaction.sandbox.conformance import validate_log
from tests.corpus import SyncedCorpus, sync_corpus

DEAD_PROXY = "http://127.0.0.1:9"  # nothing listens here: a stray request fails fast, never leaves

SandboxFactory = Callable[..., Sandbox]


def guard_env(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    """Child processes (git) are not covered by --block-network: point them at a dead proxy and
    give them a clean HOME and identity so a developer's config cannot leak in."""
    for key in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.setenv(key, DEAD_PROXY)
    for key in ("ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost,::1")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost,::1")
    # GitHub itself is never reachable: until a test starts a sandbox, the API and server URLs point at a
    # closed loopback port, so code that forgot to take them from the run fails fast instead of leaving.
    monkeypatch.setenv("GITHUB_API_URL", DEAD_PROXY + "/api/v3")
    monkeypatch.setenv("GITHUB_SERVER_URL", DEAD_PROXY)
    monkeypatch.setenv("SLACK_API_URL", DEAD_PROXY + "/slack/api/")  # and so is Slack
    monkeypatch.setenv("GIT_TERMINAL_PROMPT", "0")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Test Author")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "author@example.com")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Test Committer")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "committer@example.com")


@pytest.fixture(autouse=True)
def network_guard(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    guard_env(monkeypatch, tmp_path_factory.mktemp("home"))


@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxFactory]:
    """``sandbox(scenario_dict_or_path, **kw)`` starts a sandbox; all are stopped at teardown.

    At teardown every request made to it and every response it gave are checked against GitHub's
    REST description, and every Slack Web API call against Slack's (pmaction/sandbox/openapi). A test
    that sends invalid requests on purpose passes ``conformance=False``.
    """
    started: list[tuple[Sandbox, bool]] = []

    def start(scenario: dict[str, Any] | str | Path, *, conformance: bool = True, **kw: Any) -> Sandbox:
        sb = Sandbox.start(scenario, **kw)
        started.append((sb, conformance))
        monkeypatch.setenv("GITHUB_API_URL", sb.api_url)
        monkeypatch.setenv("GITHUB_SERVER_URL", sb.server_url)
        return sb

    yield start
    problems: list[str] = []
    for sb, check in started:
        if check:
            problems += validate_log(sb.requests(bodies=True))
        sb.stop()
    header = "exchanges that do not conform to GitHub's REST or Slack's Web API description:"
    assert not problems, "\n".join([header, *problems[:20]])


@pytest.fixture(scope="session")
def synced_corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SyncedCorpus]:
    """Every real post-mortem of tests/fixtures/postmortems/ synced once, each its own incident on one
    sandbox (tests/corpus.py): the timeline and the action-item checks read the same runs. Its exchanges
    are checked against GitHub's description, as the ``sandbox`` fixture's are."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        guard_env(monkeypatch, tmp_path_factory.mktemp("corpus-home"))
        corpus = sync_corpus()
        try:
            yield corpus
            problems = validate_log(corpus.sandbox.requests(bodies=True))
        finally:
            corpus.sandbox.stop()
    assert not problems, "\n".join(problems[:20])
