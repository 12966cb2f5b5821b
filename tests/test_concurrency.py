"""Two runs on one incident at the same time (the label event and the first comment, a second apart) end
as one run would: one milestone, one status comment, one open issue per action item, and a wiki page with
every observation. This is the safety net under the recommended workflow setting

    concurrency:
      group: postmortem-${{ github.event.issue.number || inputs.issue_number || github.event_name }}
      cancel-in-progress: false

(one run per incident, the next one queued, never cancelled), for workflows that leave it out.

What racing costs (only the listing after a create is spent without a race, on an incident's first sync):
- the loser of the milestone create adopts the winner's: one milestone listing (GitHub's unique titles);
- a run that created backlog issues lists the backlog once more (per 100 issues: a first sync, or one
  that creates an item added later),
  then per copy one PATCH closes it as ``duplicate`` of the older issue, out of the milestone
  (tests/test_concurrency_n.py has three runs and the argument for any number);
- a status comment created while a race is suspected: one comment listing per 100 comments, then one
  DELETE per extra comment; any run that finds two status comments deletes the newer one for free.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from conftest import SandboxFactory
from helpers import (
    REPO,
    Person,
    SyncRun,
    backlog_issues,
    incident_page,
    issue_state,
    run_event,
    status_comments,
    timeline_rows,
    write_log,
    writes,
)

from pmaction.run.context import Event
from pmaction.sandbox import Sandbox

BODY = (
    "Primary database went away at 08:55 UTC.\n\n"
    "### Action items\n\n"
    "- [ ] Write a failover runbook @alice #prevent P1\n"
    "- [ ] Alarm on replica lag @bob #detect P2\n"
)
ITEMS = ["Alarm on replica lag", "Write a failover runbook"]


def fresh_incident() -> dict[str, Any]:
    """#12 was just labelled: no run has touched it yet, and nobody has commented."""
    return {
        "now": "2026-03-01T10:00:00Z",
        "repo": REPO,
        "collaborators": ["alice", "bob"],
        "tokens": [
            {"token": "ghs_bot", "permissions": {"issues": "write", "contents": "write", "metadata": "read"}},
            {"token": "bob_pat", "user": "bob"},
        ],
        "labels": [{"name": "incident", "color": "d73a4a"}],
        "issues": [
            {
                "number": 12,
                "title": "DB outage",
                "body": BODY,
                "user": "alice",
                "labels": ["incident"],
                "created_at": "2026-03-01T09:00:00Z",
                "events": [
                    {
                        "event": "labeled",
                        "label": "incident",
                        "actor": "alice",
                        "created_at": "2026-03-01T09:01:00Z",
                    }
                ],
            }
        ],
    }


def issue_payload() -> dict[str, Any]:
    return {"number": 12, "labels": [{"name": "incident"}]}


def labelled() -> Event:
    return Event("issues", {"action": "labeled", "label": {"name": "incident"}, "issue": issue_payload()})


def commented(body: str) -> Event:
    payload = {
        "action": "created",
        "issue": issue_payload(),
        "comment": {"body": body},
        "sender": {"login": "bob"},
    }
    return Event("issue_comment", payload)


def race(sb: Sandbox, offset: float, comment: str = "Replica promoted by hand at 09:20.") -> list[SyncRun]:
    """The label run starts; ``offset`` seconds later bob comments and the comment run starts."""
    outcomes: list[Any] = [None, None]

    def label_run() -> None:
        try:
            outcomes[0] = run_event(sb, labelled(), token="ghs_bot")
        except Exception as exc:  # reported by the assertion below, not lost in the thread
            outcomes[0] = exc

    def comment_run() -> None:
        time.sleep(offset)
        try:
            Person(sb, "bob_pat").comment(12, comment)
            outcomes[1] = run_event(sb, commented(comment), token="ghs_bot")
        except Exception as exc:
            outcomes[1] = exc

    threads = [threading.Thread(target=label_run), threading.Thread(target=comment_run)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(isinstance(o, SyncRun) for o in outcomes), outcomes
    return outcomes


def assert_one_runs_worth(sb: Sandbox, comment: str = "Replica promoted by hand at 09:20.") -> None:
    state = sb.repo_state()
    assert len(state["milestones"]) == 1, state["milestones"]
    assert len(status_comments(sb)) == 1
    made = backlog_issues(sb)
    open_ones = {i["title"]: i for i in made if i["state"] == "open"}
    assert sorted(open_ones) == ITEMS and len([i for i in made if i["state"] == "open"]) == 2
    for extra in (i for i in made if i["state"] == "closed"):
        original = open_ones[extra["title"]]
        assert extra["state_reason"] == "duplicate"
        assert extra["number"] > original["number"]
        assert extra["body"].startswith(f"Duplicate of #{original['number']}:") and extra["comments"] == []
        assert extra["milestone"] is None  # out of the milestone: its counts hold each item once
    body = issue_state(sb, 12)["body"]
    for title, issue in open_ones.items():
        assert (
            f"{title} @" in body
            and f"(#{issue['number']})\n" in body.split(title, 1)[1].split("\n", 1)[0] + "\n"
        )
    _, page = incident_page(sb)
    assert any(comment in row for row in timeline_rows(page)), "the comment run's observation was lost"
    index = sb.wiki_files()["Post-mortems.md"]
    assert index.count("DB outage") == 1


@pytest.mark.parametrize("offset", [0.0, 0.03, 0.08, 0.15, 0.3])
def test_the_label_run_and_the_first_comment_run_at_once_end_as_one_run(
    sandbox: SandboxFactory, offset: float
) -> None:
    sb = sandbox(fresh_incident(), latency_ms=10)

    label_run, comment_run = race(sb, offset)

    assert label_run.result.exit_code == 0, label_run.result.failed
    assert comment_run.result.exit_code == 0, comment_run.result.failed
    assert_one_runs_worth(sb)


def test_a_run_after_the_race_finds_nothing_left_to_do(sandbox: SandboxFactory) -> None:
    sb = sandbox(fresh_incident(), latency_ms=10)
    race(sb, 0.0)
    sb.clear_requests()

    run_event(sb, commented("Replica promoted by hand at 09:20."), token="ghs_bot")

    # The milestone's counts each racing run saw were partial, so the report page may be refreshed once.
    assert [w for w in write_log(sb) if w != "POST git:receive-pack"] == []
    sb.clear_requests()
    run_event(sb, commented("Replica promoted by hand at 09:20."), token="ghs_bot")
    assert writes(sb) == 0, write_log(sb)
    assert_one_runs_worth(sb)


def test_two_status_comments_left_by_a_race_are_cleaned_up_by_the_next_run_for_free(
    sandbox: SandboxFactory,
) -> None:
    data = fresh_incident()
    marker = f"<!-- pmaction:status {REPO}#12 -->"
    bot = "github-actions[bot]"
    data["issues"][0]["comments"] = [
        {"user": bot, "created_at": "2026-03-01T09:30:00Z", "body": f"older\n\n{marker}\n"},
        {"user": bot, "created_at": "2026-03-01T09:30:01Z", "body": f"newer\n\n{marker}\n"},
        {"user": "alice", "created_at": "2026-03-01T09:31:00Z", "body": f"quoting it:\n\n{marker}\n"},
    ]
    sb = sandbox(data)

    run = run_event(sb, labelled(), token="ghs_bot")

    assert run.result.exit_code == 0, run.result.failed
    bodies = [c["body"] for c in issue_state(sb, 12)["comments"]]
    assert not any(b.startswith("newer") for b in bodies)
    assert any(b.startswith("quoting it") for b in bodies)  # a person's comment is never deleted
    [ours] = [b for b in bodies if b.startswith("### Post-mortem bookkeeping")]
    assert marker in ours
    gets = [r for r in sb.requests() if r["route"] == "/repos/{owner}/{repo}/issues/{issue_number}/comments"]
    assert len(gets) == 1  # the cleanup used the listing the run makes anyway
