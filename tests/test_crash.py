"""A run that dies right after GitHub applied one of its writes (the answer never came back) must, after one
re-run, leave exactly what one clean run leaves: nothing lost, nothing twice.

Every write a sync makes is crashed in turn: the milestone, the labels (one GraphQL request), a backlog
issue, the issue-body annotation, the status comment (created, or edited), the wiki push; and the nag's
reminder comment. The fault is ``drop_after_apply``: GitHub did the work and the connection closed before
the answer.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from conftest import SandboxFactory
from helpers import REPO, backlog_issues, incident_page, run_event, run_sync, scenario, status_comments

from pmaction.errors import PmactionError
from pmaction.review.dates import milestone_description
from pmaction.run.context import Event
from pmaction.sandbox import Sandbox

BOT = "github-actions[bot]"
BODY = (
    "Primary database went away at 08:55 UTC.\n\n"
    "### Action items\n\n"
    "- [ ] Write a failover runbook @alice #prevent P1\n"
    "- [ ] Alarm on replica lag @bob #detect P2\n"
)
STALE_STATUS = f"### Post-mortem bookkeeping\n\n(an older run's text)\n\n<!-- pmaction:status {REPO}#12 -->\n"


def fresh() -> dict[str, Any]:
    """The first sync of an incident with two agreed items: every kind of create happens."""
    return scenario(issue={"body": BODY})


def with_status_comment() -> dict[str, Any]:
    """A later sync: an earlier run left a status comment that is now out of date (so it is edited)."""
    data = fresh()
    data["issues"][0]["comments"].append(
        {"user": BOT, "created_at": "2026-03-01T09:30:00Z", "body": STALE_STATUS}
    )
    return data


SCENARIOS = {"fresh": fresh, "with_status_comment": with_status_comment}

# (scenario, method, route): every write of a sync.
WRITES = [
    ("fresh", "POST", "/repos/{owner}/{repo}/milestones"),
    ("fresh", "POST", "/graphql"),  # the labels, in one request of createLabel mutations
    ("fresh", "POST", "/repos/{owner}/{repo}/issues"),
    ("fresh", "PATCH", "/repos/{owner}/{repo}/issues/{issue_number}"),
    ("fresh", "POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("fresh", "*", "git:receive-pack"),
    ("with_status_comment", "PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("with_status_comment", "POST", "/repos/{owner}/{repo}/issues"),
    ("with_status_comment", "*", "git:receive-pack"),
]


def end_state(sb: Sandbox) -> dict[str, Any]:
    """What a person sees, without what differs between two sandboxes (ids, ports, commit shas, hashes)."""
    state = sb.repo_state()

    def text(value: Any) -> str:
        # A calendar file folds its lines at 75 octets, and calendar links carry the URL encoded.
        value = str(value or "").replace("\r\n ", "")
        value = re.sub(r"http://127\.0\.0\.1:\d+|http%3A%2F%2F127\.0\.0\.1%3A\d+", "SERVER", value)
        # The status comment's hidden record holds the wiki commit and a digest of the settings: not shown.
        value = re.sub(r"<!-- pmaction:record .*? -->\n", "", value)
        return re.sub(r" h=[0-9a-f]{10} ", " h=HASH ", value)

    issues = [
        (
            i["title"],
            i["state"],
            sorted(label["name"] for label in i.get("labels") or []),
            (i.get("milestone") or {}).get("title"),
            text(i.get("body")),
            [(c["user"]["login"], text(c["body"])) for c in i["comments"]],
        )
        for i in sorted(state["issues"], key=lambda i: i["number"])
    ]
    return {
        "issues": issues,
        "milestones": sorted((m["title"], m["state"], m["open_issues"]) for m in state["milestones"]),
        "labels": sorted(label["name"].lower() for label in state["labels"]),
        "status_comments": len(status_comments(sb)),
        "backlog_per_item": Counter(i["title"] for i in backlog_issues(sb)),
        "wiki": {name: text(body) for name, body in state["wiki"]["files"].items()},
    }


def clean(kind: str) -> dict[str, Any]:
    with Sandbox.start(SCENARIOS[kind]()) as sb:
        run = run_sync(sb, 12)
        assert run.result.exit_code == 0, run.result.failed
        return end_state(sb)


@pytest.fixture(scope="module")
def clean_states() -> dict[str, dict[str, Any]]:
    return {kind: clean(kind) for kind in SCENARIOS}


def crash_then_rerun(sb: Sandbox, method: str, route: str) -> str | None:
    """Run with the fault; return the failure (one line) if the run stopped or reported one."""
    sb.add_faults([{"method": method, "route": route, "kind": "drop_after_apply"}])
    problem: str | None = None
    try:
        run = run_sync(sb, 12)
        problem = run.result.failed[0] if run.result.failed else None
    except PmactionError as exc:
        problem = str(exc)
    assert [r for r in sb.requests() if r["route"] == route and r["fault"]], "the fault never fired"
    if problem is not None:
        assert "\n" not in problem and sb.token not in problem
    sb.clear_faults()
    rerun = run_sync(sb, 12)
    assert rerun.result.exit_code == 0, rerun.result.failed
    return problem


@pytest.mark.parametrize(("kind", "method", "route"), WRITES, ids=[f"{k}-{m}-{r}" for k, m, r in WRITES])
def test_a_write_applied_but_unanswered_then_a_rerun_ends_as_one_clean_run(
    sandbox: SandboxFactory, clean_states: dict[str, dict[str, Any]], kind: str, method: str, route: str
) -> None:
    sb = sandbox(SCENARIOS[kind]())

    crash_then_rerun(sb, method, route)

    assert end_state(sb) == clean_states[kind]


def test_a_crash_on_every_label_create_still_ends_with_each_label_once(
    sandbox: SandboxFactory, clean_states: dict[str, dict[str, Any]]
) -> None:
    sb = sandbox(fresh())
    sb.add_faults(
        [
            {"method": "POST", "route": route, "kind": "drop_after_apply", "times": 10}
            for route in ("/graphql", "/repos/{owner}/{repo}/labels")
        ]
    )
    with pytest.raises(PmactionError):
        run_sync(sb, 12)
    sb.clear_faults()
    assert run_sync(sb, 12).result.exit_code == 0

    assert end_state(sb) == clean_states["fresh"]


def test_a_second_crash_in_the_rerun_still_converges_on_the_third_run(
    sandbox: SandboxFactory, clean_states: dict[str, dict[str, Any]]
) -> None:
    sb = sandbox(fresh())
    # A run stops creating at the first lost answer (and still writes the page and status comment),
    # so the rerun's create of the next item is lost too; the third run converges.
    for method, route in (
        ("POST", "/repos/{owner}/{repo}/issues"),
        ("POST", "/repos/{owner}/{repo}/issues"),
    ):
        sb.add_faults([{"method": method, "route": route, "kind": "drop_after_apply"}])
        with pytest.raises(PmactionError):
            run_sync(sb, 12)
        sb.clear_faults()
    assert run_sync(sb, 12).result.exit_code == 0

    assert end_state(sb) == clean_states["fresh"]
    _, page = incident_page(sb)
    assert page.count("Write a failover runbook") >= 1


# --- the nag's reminder ----------------------------------------------------------------------------


def overdue_review() -> dict[str, Any]:
    """#12's review was due on 2026-05-01; it is 2026-05-10 and nobody has reminded anyone yet."""
    description = milestone_description(
        full_name=REPO, incident=12, incident_url="http://x/12", page_url=None, owners=("alice",)
    )
    return {
        "now": "2026-05-10T09:00:00Z",
        "repo": REPO,
        "collaborators": ["alice", "bob"],
        "labels": ["incident"],
        "milestones": [
            {
                "number": 1,
                "title": "Post-mortem review: #12 DB outage",
                "description": description,
                "due_on": "2026-05-01T12:00:00Z",
                "state": "open",
                "creator": BOT,
            }
        ],
        "issues": [
            {
                "number": 12,
                "title": "DB outage",
                "user": "alice",
                "labels": ["incident"],
                "assignees": ["alice"],
                "state": "closed",
                "closed_at": "2026-03-02T10:00:00Z",
                "created_at": "2026-03-01T09:00:00Z",
            }
        ],
    }


def nag(sb: Sandbox) -> list[str]:
    run = run_event(sb, Event("schedule", {"schedule": "0 9 * * *"}))
    return run.result.failed


def reminders(sb: Sandbox) -> list[str]:
    [issue] = [i for i in sb.repo_state()["issues"] if i["number"] == 12]
    return [re.sub(r"http://127\.0\.0\.1:\d+", "SERVER", c["body"]) for c in issue["comments"]]


def test_a_reminder_whose_answer_is_lost_is_not_posted_again_by_the_next_nag(sandbox: SandboxFactory) -> None:
    with Sandbox.start(overdue_review()) as clean_sb:
        assert nag(clean_sb) == []
        expected = reminders(clean_sb)
    sb = sandbox(overdue_review())
    sb.add_faults(
        [
            {
                "method": "POST",
                "route": "/repos/{owner}/{repo}/issues/{issue_number}/comments",
                "kind": "drop_after_apply",
            }
        ]
    )

    [problem] = nag(sb)
    sb.clear_faults()
    assert nag(sb) == []

    assert "\n" not in problem and "comment on incident #12" in problem
    assert reminders(sb) == expected and len(expected) == 1
