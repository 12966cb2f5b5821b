"""The incident's Slack channel on the timeline: the edge (pmaction/slack/) against the sandbox's Slack
stand-in, and the source that turns its messages into rows. Every exchange is checked against Slack's pinned
description at teardown."""

from __future__ import annotations

import copy
import io
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    incident_page,
    labeled_payload,
    scenario,
    status_comments,
    timeline_rows,
    write_log,
    writes,
)

from pmaction.cli import MaskedStream
from pmaction.demo import RunOutcome, child_env, run_action
from pmaction.incident.model import Incident, Outside
from pmaction.sandbox import Sandbox
from pmaction.slack.client import SlackSettings, read_channel
from pmaction.slack.data import SlackMessage
from pmaction.timeline.build import build_timeline
from pmaction.timeline.sources.slack import channel_of, plain_text
from pmaction.timeline.tags import find_tags

INC = "C01INC"
PIN = [{"name": "pushpin", "users": ["U01ALICE"]}]
# 2026-03-01: the incident is announced at 09:01 (helpers' base scenario); ts are epoch seconds.
DECLARED = "1772355660.000100"  # 09:01:00
SLACK: dict[str, Any] = {
    "users": [
        {"id": "U01ALICE", "name": "alice", "real_name": "Alice Ng", "display_name": "alice.ng"},
        {"id": "U02BOB", "name": "bob", "real_name": "Bob Oyelaran"},
    ],
    "channels": [
        {
            "id": INC,
            "name": "inc-db",
            "messages": [
                {"ts": "1772350000.000050", "user": "U01ALICE", "text": "long before", "reactions": PIN},
                {
                    "ts": DECLARED,
                    "user": "U01ALICE",
                    "text": "Declaring an incident: <https://status.example|status page> is red",
                    "reactions": PIN,
                    "replies": [
                        {
                            "ts": "1772355720.000200",
                            "user": "U02BOB",
                            "text": "paging the DBA",
                            "reactions": PIN,
                        },
                        {"ts": "1772355780.000300", "user": "U02BOB", "text": "on it"},
                    ],
                },
                {"ts": "1772355840.000400", "user": "U02BOB", "text": "chatter, not pinned"},
                {
                    "ts": "1772355900.000500",
                    "user": "U02BOB",
                    "text": "failover done #mitigated",
                    "reactions": PIN,
                },
            ],
        },
        {"id": "C02OUT", "name": "inc-elsewhere", "bot_member": False},
    ],
}
WINDOW = (datetime(2026, 3, 1, 8, 31, tzinfo=UTC), datetime(2026, 3, 1, 10, 0, tzinfo=UTC))


@pytest.fixture
def sb(sandbox: Any) -> Sandbox:
    started: Sandbox = sandbox(scenario(slack=copy.deepcopy(SLACK)))
    return started


def settings(sb: Sandbox, token: str | None = None, **kw: Any) -> SlackSettings:
    return SlackSettings(token=token or sb.slack_token, api_url=sb.slack_api_url, **kw)


def test_pinned_messages_and_pinned_replies_in_the_window_with_author_and_permalink(sb: Sandbox) -> None:
    read = read_channel(settings(sb), "#inc-db", *WINDOW, "pushpin")
    assert read.problem is None
    assert [(m.ts, m.author) for m in read.messages] == [
        (DECLARED, "alice.ng"),
        ("1772355720.000200", "Bob Oyelaran"),
        ("1772355900.000500", "Bob Oyelaran"),
    ]
    reply = read.messages[1]
    assert reply.thread_ts == DECLARED and reply.channel == INC
    assert reply.permalink is not None and reply.permalink.startswith(
        sb.server_url + "/slack/archives/C01INC/p"
    )


def test_star_takes_every_message_of_the_window(sb: Sandbox) -> None:
    read = read_channel(settings(sb), INC, *WINDOW, "*")
    assert [m.text for m in read.messages][-3:] == [
        "on it",
        "chatter, not pinned",
        "failover done #mitigated",
    ]
    assert "long before" not in [m.text for m in read.messages]


def test_a_bot_outside_the_channel_is_one_line_naming_the_fix(sb: Sandbox) -> None:
    read = read_channel(settings(sb), "#inc-elsewhere", *WINDOW, "pushpin")
    assert read.messages == () and read.problem is not None
    assert "not in #inc-elsewhere" in read.problem and "/invite" in read.problem and "\n" not in read.problem


def test_an_unknown_channel_and_a_bad_token_name_their_fix(sb: Sandbox) -> None:
    unknown = read_channel(settings(sb), "#nope", *WINDOW, "pushpin").problem
    assert unknown is not None and "#nope was not found" in unknown
    revoked = read_channel(settings(sb, token="xoxb-revoked-0"), INC, *WINDOW, "pushpin").problem
    assert revoked is not None and "slack_token" in revoked and "xoxb-revoked-0" not in revoked


def test_a_rate_limit_is_waited_out(sb: Sandbox) -> None:
    sb.add_faults(
        [{"method": "*", "route": "slack:conversations.history", "kind": "too_many", "retry_after": 0}]
    )
    read = read_channel(settings(sb), INC, *WINDOW, "pushpin")
    assert read.problem is None and len(read.messages) == 3
    history = [r for r in sb.requests() if r["route"] == "slack:conversations.history"]
    assert [r["status"] for r in history] == [429, 200]


def test_a_rate_limit_longer_than_max_wait_is_one_line(sb: Sandbox) -> None:
    sb.add_faults(
        [{"method": "*", "route": "slack:conversations.history", "kind": "too_many", "retry_after": 120}]
    )
    problem = read_channel(settings(sb, max_wait=1), INC, *WINDOW, "pushpin").problem
    assert problem is not None and "rate-limited" in problem and "re-run later" in problem


# ---- the source ------------------------------------------------------------------------------------------


def test_the_channel_comes_from_the_form_a_body_line_or_the_default() -> None:
    assert channel_of("### Slack channel\n\n#inc-checkout\n\n### Impact\n\nslow") == "#inc-checkout"
    assert channel_of("Primary went away.\nSlack channel: C01INC\n") == "C01INC"
    assert channel_of("nothing here", "#incidents") == "#incidents"
    assert channel_of("### Slack channel\n\n_No response_\n", "") == ""


def test_slack_markup_reads_as_text() -> None:
    assert plain_text("see <https://x.example/a|the graph> and <https://y.example>") == (
        "see the graph and https://y.example"
    )
    assert plain_text("<!here> 5 &lt; 6 &amp; <#C01INC|inc-db>") == "@here 5 < 6 & #inc-db"


def test_messages_become_rows_at_their_own_time_with_stable_keys(sb: Sandbox) -> None:
    from tests.test_timeline_changes import incident_of

    read = read_channel(settings(sb), INC, *WINDOW, "pushpin")
    incident = incident_of(sb, Outside(slack=read.messages))
    rows = [e for e in build_timeline(incident).entries if e.source == "slack"]
    assert [e.key for e in rows] == [f"slack-{INC}-{m.ts}" for m in read.messages]
    assert rows[0].when == datetime(2026, 3, 1, 9, 1, 0, 100, tzinfo=UTC) and rows[0].author == "alice.ng"
    assert rows[0].text == "Declaring an incident: status page is red"
    assert rows[-1].tags == find_tags("#mitigated")  # a pinned message can set a key moment


def test_no_messages_no_rows() -> None:
    message = SlackMessage(channel=INC, ts=DECLARED, author="a", text="t")
    assert message.when == datetime(2026, 3, 1, 9, 1, 0, 100, tzinfo=UTC)
    assert Incident.__dataclass_fields__["outside"].default_factory().slack == ()  # type: ignore[misc]


# ---- end to end: python -m entrypoint on the sandbox, as the runner runs it ------------------------------

BODY = "Primary database went away at 08:55 UTC.\n\nSlack channel: #inc-db\n"


def run_with_slack(sb: Sandbox, workdir: Path, *, token: str | None = None) -> RunOutcome:
    inputs = {"slack_token": token if token is not None else sb.slack_token}
    return run_action(
        sb,
        "issues",
        labeled_payload(sb),
        workdir,
        inputs=inputs,
        step_env={"SLACK_API_URL": sb.slack_api_url},
    )


def slack_rows(sb: Sandbox) -> list[str]:
    return [row for row in timeline_rows(incident_page(sb)[1]) if "slack" in row]


def test_pinned_messages_are_rows_and_edits_show_on_the_next_sync(sandbox: Any, tmp_path: Path) -> None:
    sb = sandbox(scenario(issue={"body": BODY}, slack=copy.deepcopy(SLACK)))
    first = run_with_slack(sb, tmp_path / "1")
    assert first.code == 0, first.stdout
    assert first.stdout.splitlines()[1] == f"::add-mask::{sb.slack_token}"
    assert sb.slack_token not in "\n".join(first.stdout.splitlines()[2:]) + first.summary
    rows = slack_rows(sb)
    assert len(rows) == 3, rows
    assert (
        "| 2026-03-01 09:01 UTC | alice.ng | Declaring an incident: status page is red | [slack](" in rows[0]
    )
    assert "/slack/archives/C01INC/p1772355660000100" in rows[0]
    assert "paging the DBA" in rows[1] and "Bob Oyelaran" in rows[1]
    page = incident_page(sb)[1]
    assert "chatter, not pinned" not in page and "| on it |" not in page and "long before" not in page
    assert "::warning" not in first.stdout

    sb.slack_post(
        INC, "1772355900.000500", "U02BOB", "failover done, replica promoted #mitigated", reactions=PIN
    )
    sb.slack_post(INC, "1772355840.000400", "U02BOB", "chatter, pinned now", reactions=PIN)
    second = run_with_slack(sb, tmp_path / "2")
    assert second.code == 0, second.stdout
    page = incident_page(sb)[1]
    assert "failover done, replica promoted" in page and "chatter, pinned now" in page
    assert "| failover done #mitigated |" not in page

    sb.slack_delete(INC, "1772355840.000400")
    third = run_with_slack(sb, tmp_path / "3")
    assert third.code == 0 and "chatter, pinned now" not in incident_page(sb)[1]

    sb.clear_requests()
    again = run_with_slack(sb, tmp_path / "4")
    assert again.code == 0 and writes(sb) == 0, write_log(sb)


def test_a_bot_outside_the_channel_is_one_warning_and_every_other_step_happens(
    sandbox: Any, tmp_path: Path
) -> None:
    body = BODY.replace("#inc-db", "#inc-elsewhere")
    sb = sandbox(scenario(issue={"body": body}, slack=copy.deepcopy(SLACK)))
    outcome = run_with_slack(sb, tmp_path)
    assert outcome.code == 0, outcome.stdout
    warnings = [line for line in outcome.stdout.splitlines() if line.startswith("::warning")]
    assert len(warnings) == 1 and "not in #inc-elsewhere" in warnings[0] and "/invite" in warnings[0]
    assert outcome.outputs["milestone_number"] == "1" and status_comments(sb)
    assert "Paging the DBA on call." in incident_page(sb)[1]


def test_without_slack_token_nothing_is_asked_of_slack(sandbox: Any, tmp_path: Path) -> None:
    sb = sandbox(scenario(issue={"body": BODY}, slack=copy.deepcopy(SLACK)))
    outcome = run_with_slack(sb, tmp_path, token="")
    assert outcome.code == 0, outcome.stdout
    assert [r for r in sb.requests() if r["kind"] == "slack"] == []
    assert slack_rows(sb) == []


def test_a_pinned_message_on_a_public_wiki_goes_through_the_sensitive_information_guard(
    sandbox: Any, tmp_path: Path
) -> None:
    slack = copy.deepcopy(SLACK)
    slack["channels"][0]["messages"][-1]["text"] = "failover done, ask carol.smith@example.org #mitigated"
    sb = sandbox(scenario(issue={"body": BODY}, slack=slack))

    outcome = run_with_slack(sb, tmp_path)

    assert outcome.code == 0, outcome.stdout
    warnings = [line for line in outcome.stdout.splitlines() if line.startswith("::warning")]
    assert any("the Slack message by" in line and "e-mail" in line.lower() for line in warnings), warnings


def test_the_cli_takes_the_slack_token_from_an_env_var_and_never_prints_it(
    sandbox: Any, tmp_path: Path
) -> None:
    sb = sandbox(scenario(issue={"body": BODY}, slack=copy.deepcopy(SLACK)))
    env = child_env(os.environ, tmp_path)
    env.update({"GITHUB_TOKEN": sb.token, "PM_SLACK": sb.slack_token, "SLACK_API_URL": sb.slack_api_url})
    command = [
        *(sys.executable, "-m", "pmaction", "run", "--repo", sb.repo, "--issue", "12"),
        *("--api-url", sb.api_url, "--server-url", sb.server_url, "--now", sb.now().isoformat()),
        *("--slack-token-env", "PM_SLACK"),
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(slack_rows(sb)) == 3
    assert sb.slack_token not in done.stdout + done.stderr

    # A revoked token: one warning naming the fix, in which the token shows as *** if at all.
    env["PM_SLACK"] = "xoxb-revoked-0"
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert "warning:" in done.stdout and "slack_token" in done.stdout
    assert "xoxb-revoked-0" not in done.stdout + done.stderr


def test_the_masked_stream_prints_every_secret_as_stars() -> None:
    out = io.StringIO()
    MaskedStream(out, ("xoxb-1-abc", "", "ghs_x")).write("xoxb-1-abc and ghs_x and xoxb-1-abcd\n")
    assert out.getvalue() == "*** and *** and ***d\n"
