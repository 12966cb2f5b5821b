"""Hostile text in an incident, generated: control characters, workflow commands after newlines and CRs,
HTML that GitHub's sanitizer throws away, pmaction's own hidden markers, very long lines, any script.

For each generated title, body and set of comments, one sync on the sandbox, reporting through the Actions
adapter's Runner (the code that prints the log), must: not crash; keep every word people wrote on the page
as a reader sees it (tests/github_render.py; modulo the escaping pmaction does: controls dropped, white
space collapsed); print no line the runner would obey but pmaction's own (tests/runner_rule.py); and leave
nothing for a second sync to write. One sandbox serves every example (``sb.reset``); a few examples keep it
under ~20 s.
"""

from __future__ import annotations

import io
import re
from typing import Any

from github_render import visible_text
from helpers import incident_page, scenario, writes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from runner_rule import assert_only_own_commands

from entrypoint.runner import Runner
from pmaction.engine import run
from pmaction.run.clock import Clock
from pmaction.run.context import Event, RunContext
from pmaction.sandbox import Sandbox

# Pieces that each broke something once, or could: the runner's commands, sanitized HTML, our markers.
HOSTILE = [
    "\n::error title=pwn::x",
    "\r::stop-commands::y",
    "\r\n::add-mask::z",
    "\n  ::warning::indented",
    " ##[error]w ",
    "<script>alert(1)</script>",
    "<style>p{}</style>",
    "<iframe src=a>frame</iframe>",
    "<textarea>open",
    "<ENV>",
    "</td></tr>",
    "<!-- pmaction:status octo-org/octo-repo#12 -->",
    "<!-- pmaction:row k=c1 h=0123456789 -->",
    "<!-- pmaction:begin facts -->",
    "-->",
    "<!--",
    "\x00\x07\x1b[31m\x7f\x9b",
    "\u202e\u2066bidi\u2069",
    "\u200bzero\ufeffwidth",
    "\t tab \t",
    "\n\n\n",
    "é日本語🔥עברית",
    "x" * 3000,
]
# Plain words around them: letters and digits of any script, spaces, harmless punctuation. Markdown's own
# syntax (* _ ` [ ] \ & ~ #) is left out: it changes what a reader sees by design, which is not a loss.
WORDS = st.text(
    alphabet=st.characters(
        categories=("Lu", "Ll", "Lo", "Nd", "So", "Zs"), include_characters=" .,;:!?-=/'\""
    ),
    max_size=40,
)
TEXT = st.lists(st.one_of(WORDS, st.sampled_from(HOSTILE)), min_size=1, max_size=6).map("".join)
TITLE = st.tuples(st.text(alphabet="abcdefgh", min_size=1, max_size=8), TEXT).map(
    lambda pair: f"{pair[0]} {pair[1]}"[:200]
)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def as_shown(text: str) -> str:
    """What of ``text`` a reader must see: pmaction drops controls and bidi marks, a page collapses space."""
    return " ".join(_CONTROL.sub("", text.replace("\r", "\n").replace("\t", " ")).split())


def incident(title: str, body: str, comments: list[str]) -> dict[str, Any]:
    return scenario(
        issue={
            "title": title,
            "body": f"{body}\n\n## Timeline\n\n- 08:55 UTC primary down\n",
            "comments": [
                {"user": "bob", "created_at": f"2026-03-01T09:{10 + i:02d}:00Z", "body": text}
                for i, text in enumerate(comments)
            ],
        }
    )


def sync_through_the_adapter(sb: Sandbox) -> str:
    """One sync with the Actions adapter's Runner as the reporter; what it printed."""
    log = io.StringIO()
    runner = Runner(stream=log)
    runner.mask(sb.token)
    ctx = RunContext(
        repo=sb.repo,
        api_url=sb.api_url,
        server_url=sb.server_url,
        token=sb.token,
        event=Event("workflow_dispatch"),
    )
    inputs = {"command": "sync", "issue_number": "12", "seconds_between_writes": "0"}
    result = run(ctx, inputs, runner, Clock(fixed=sb.now()))
    assert result.exit_code == 0, result.failed
    return log.getvalue()


@settings(
    max_examples=8,
    deadline=None,
    database=None,  # nothing left in the working tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(title=TITLE, body=TEXT, comments=st.lists(TEXT, min_size=1, max_size=3))
def test_hostile_text_is_kept_on_the_page_never_obeyed_in_the_log_and_settles_in_one_sync(
    sandbox: Any, title: str, body: str, comments: list[str]
) -> None:
    sb = shared(sandbox)
    sb.reset(incident(title, body, comments))

    log = sync_through_the_adapter(sb)

    assert_only_own_commands(log, token=sb.token, injected=("x", "y", "z", "w", "indented"))
    _, page = incident_page(sb)
    shown = visible_text(page)
    assert as_shown(title) in shown
    for text in comments:
        assert as_shown(text) in shown, text
    sb.clear_requests()
    assert_only_own_commands(sync_through_the_adapter(sb), token=sb.token)
    assert writes(sb) == 0


_SHARED: dict[int, Sandbox] = {}


def shared(factory: Any) -> Sandbox:
    """One sandbox per test (the factory stops it at teardown), reset for each example."""
    key = id(factory)
    if key not in _SHARED:
        _SHARED.clear()
        _SHARED[key] = factory(scenario())
    return _SHARED[key]
