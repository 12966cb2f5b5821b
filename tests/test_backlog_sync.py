"""Agreed action items become backlog issues exactly once, stay linked both ways, and the review milestone
lands on the right day: end to end on the sandbox."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import SandboxFactory
from helpers import (
    REPO,
    Person,
    backlog_issues,
    incident_page,
    issue_state,
    run_event,
    run_sync,
    scenario,
    status_comments,
    write_log,
    writes,
)

from pmaction.errors import ConfigError, PmactionError
from pmaction.review.dates import milestone_description
from pmaction.run.context import Event

ITEM = "- [ ] Alert on replica lag over 30 s @alice #prevent P1 due:2026-04-01"
BODY = (
    "Primary database went away at 08:55 UTC.  \r\n"
    "\r\n"
    "## Action items\r\n"
    "\r\n"
    f"{ITEM}\r\n"
    "- [ ] Practise failover every quarter @bob #process\r\n"
    "- we could also buy bigger disks\r\n"
    "\r\n"
    "## Ideas\r\n"
    "\r\n"
    "- [ ] Rewrite the failover tool in Rust @alice\r\n"
    "\r\n"
    "## Proposed action items\r\n"
    "\r\n"
    "- [ ] Move to a managed database\r\n"
)


def _by_title(sb: Any) -> dict[str, dict[str, Any]]:
    return {issue["title"]: issue for issue in backlog_issues(sb)}


def _names(items: list[dict[str, Any]]) -> list[str]:
    return sorted(entry["login"] if "login" in entry else entry["name"] for entry in items)


# --- items in the issue body --------------------------------------------------------------------------


def test_agreed_items_in_the_body_become_labelled_assigned_issues_in_the_review_milestone(
    sandbox: SandboxFactory,
) -> None:
    sb = sandbox(scenario(issue={"body": BODY, "labels": ["incident", "SEV2"]}))

    run = run_sync(sb, 12)

    assert run.result.exit_code == 0, run.result.failed
    made = _by_title(sb)
    assert sorted(made) == ["Alert on replica lag over 30 s", "Practise failover every quarter"]
    alert = made["Alert on replica lag over 30 s"]
    [milestone] = sb.repo_state()["milestones"]
    assert _names(alert["labels"]) == ["SEV2", "postmortem-action", "priority:P1", "type:prevent"]
    assert _names(alert["assignees"]) == ["alice"]
    assert alert["milestone"]["number"] == milestone["number"]
    assert "**Due:** 2026-04-01" in alert["body"]
    practise = made["Practise failover every quarter"]
    assert _names(practise["labels"]) == ["SEV2", "postmortem-action", "type:process"]
    assert _names(practise["assignees"]) == ["bob"]

    labels = {label["name"]: label for label in sb.repo_state()["labels"]}
    for name in ("postmortem-action", "type:prevent", "priority:P1"):
        assert labels[name]["color"] != "ededed" and labels[name]["description"], labels[name]

    expected = BODY.replace(f"{ITEM}\r\n", f"{ITEM} (#{alert['number']})\r\n").replace(
        "@bob #process\r\n", f"@bob #process (#{practise['number']})\r\n"
    )
    assert issue_state(sb, 12)["body"] == expected  # only the two item lines changed, CRLF kept
    assert run.result.outputs["created_issues"] == f"[{alert['number']}, {practise['number']}]"


def test_items_under_an_issue_form_heading_are_created_too(sandbox: SandboxFactory) -> None:
    body = (
        "### What happened\n\nThe primary went away.\n\n"
        "### Action items\n\n- [ ] Add a disk-full alarm @bob #detect P2\n\n"
        "### Anything else?\n\n_No response_\n"
    )
    sb = sandbox(scenario(issue={"body": body}))

    run_sync(sb, 12)

    [made] = backlog_issues(sb)
    assert made["title"] == "Add a disk-full alarm"
    assert _names(made["labels"]) == ["postmortem-action", "priority:P2", "type:detect"]
    assert f"- [ ] Add a disk-full alarm @bob #detect P2 (#{made['number']})\n" in issue_state(sb, 12)["body"]


def test_plain_bullets_ideas_and_proposals_are_not_created(sandbox: SandboxFactory) -> None:
    sb = sandbox(scenario(issue={"body": BODY}))

    run_sync(sb, 12)

    titles = {issue["title"] for issue in sb.repo_state()["issues"]}
    assert "we could also buy bigger disks" not in titles
    assert not any("Rust" in t or "managed database" in t for t in titles)
    assert len(backlog_issues(sb)) == 2


def test_a_second_run_writes_nothing_and_a_reworded_item_makes_no_new_issue(sandbox: SandboxFactory) -> None:
    sb = sandbox(scenario(issue={"body": BODY}))
    run_sync(sb, 12)
    sb.clear_requests()

    run_sync(sb, 12)
    assert writes(sb) == 0, write_log(sb)

    alice = Person(sb, "alice_pat")
    body = alice.issue(12)["body"]
    alice.edit_issue(12, body=body.replace("over 30 s", "over 10 s, paging the DBA"))
    run_sync(sb, 12)

    assert len(backlog_issues(sb)) == 2
    assert "over 10 s, paging the DBA @alice #prevent P1 due:2026-04-01 (#" in issue_state(sb, 12)["body"]


def test_a_create_whose_answer_was_lost_heals_on_rerun_without_a_duplicate(sandbox: SandboxFactory) -> None:
    body = "## Action items\n\n- [ ] Alert on replica lag @alice #detect\n"
    sb = sandbox(scenario(issue={"body": body}))
    sb.add_faults([{"method": "POST", "route": "/repos/{owner}/{repo}/issues", "kind": "drop_after_apply"}])

    with pytest.raises(PmactionError) as caught:  # the answer is lost: a blind retry could duplicate
        run_sync(sb, 12)
    assert "re-run" in str(caught.value)
    assert len(backlog_issues(sb)) == 1  # GitHub did apply it

    run_sync(sb, 12)

    [made] = backlog_issues(sb)
    assert issue_state(sb, 12)["body"] == body.replace(
        "@alice #detect\n", f"@alice #detect (#{made['number']})\n"
    )
    sb.clear_requests()
    run_sync(sb, 12)
    assert writes(sb) == 0, write_log(sb)


# --- items on the wiki page ----------------------------------------------------------------------------


def test_items_agreed_on_the_wiki_page_are_created_and_annotated_there(sandbox: SandboxFactory) -> None:
    sb = sandbox(scenario())
    run_sync(sb, 12)
    name, page = incident_page(sb)
    added = "- [ ] Review config changes like code @bob #prevent P1"
    page = page.replace("## Action items\n", f"## Action items\n\n{added}\n- just a thought, not agreed\n", 1)
    sb.push_wiki_page(name, page)

    run = run_event(sb, Event("gollum", {"pages": [{"page_name": name.removesuffix(".md")}]}))

    assert run.result.command == "sync-wiki"
    [made] = backlog_issues(sb)
    assert made["title"] == "Review config changes like code"
    assert "taken from the post-mortem page" in made["body"]
    after = incident_page(sb)[1]
    linked = f"([#{made['number']}]({sb.server_url}/{sb.repo}/issues/{made['number']}))"  # wikis: no autolink
    assert f"{added} {linked}\n" in after
    assert after == page.replace(added, f"{added} {linked}").replace(
        "| Backlog | 0 of 0 items closed |", "| Backlog | 0 of 1 items closed |"
    )


def test_an_item_on_the_page_linking_another_repositorys_issue_is_not_read_as_ours(
    sandbox: SandboxFactory,
) -> None:
    # Our #5 is closed; the page's item names other-org/tools#5, still open: the item must not follow ours.
    data = scenario()
    data["issues"].insert(
        0,
        {
            "number": 5,
            "title": "An old bug of ours",
            "user": "alice",
            "state": "closed",
            "created_at": "2026-01-01T09:00:00Z",
            "closed_at": "2026-01-02T09:00:00Z",
        },
    )
    sb = sandbox(data)
    run_sync(sb, 12)
    name, page = incident_page(sb)
    added = "- [ ] Rotate the shared key @bob #prevent ([#5](https://github.com/other-org/tools/issues/5))"
    page = page.replace("## Action items\n", f"## Action items\n\n{added}\n", 1)
    sb.push_wiki_page(name, page)

    run = run_event(sb, Event("gollum", {"pages": [{"page_name": name.removesuffix(".md")}]}))

    assert run.result.exit_code == 0, run.result.failed
    after = incident_page(sb)[1]
    assert f"{added}\n" in after  # not ticked by our closed #5, and no issue of ours linked after it
    assert backlog_issues(sb) == []  # it is tracked elsewhere


# --- owners and states --------------------------------------------------------------------------------


def test_owners_who_are_not_collaborators_are_mentioned_not_assigned(sandbox: SandboxFactory) -> None:
    body = "## Action items\n\n- [ ] Document the failover @carol @alice #process\n"
    sb = sandbox(scenario(issue={"body": body}))

    run = run_sync(sb, 12)

    [made] = backlog_issues(sb)
    assert _names(made["assignees"]) == ["alice"]
    assert "@carol could not be assigned" in made["body"]
    assert any("@carol" in w and "collaborator" in w for w in run.warnings)
    assert not any("@alice cannot" in w for w in run.warnings)


def test_closing_a_backlog_issue_ticks_its_item_and_reopening_unticks_it(sandbox: SandboxFactory) -> None:
    body = "## Action items\n\n- [ ] Alert on replica lag @alice #detect\n"
    sb = sandbox(scenario(issue={"body": body}))
    run_sync(sb, 12)
    name, page = incident_page(sb)
    page_item = "- [ ] Add a runbook check @bob #process"
    sb.push_wiki_page(name, page.replace("## Action items\n", f"## Action items\n\n{page_item}\n", 1))
    run_sync(sb, 12)
    made = _by_title(sb)
    body_no, page_no = made["Alert on replica lag"]["number"], made["Add a runbook check"]["number"]
    bob = Person(sb, "bob_pat")

    bob.close(body_no)
    bob.close(page_no)
    run_sync(sb, 12)

    assert f"- [x] Alert on replica lag @alice #detect (#{body_no})" in issue_state(sb, 12)["body"]
    page = incident_page(sb)[1]
    issues = f"{sb.server_url}/{sb.repo}/issues"
    assert f"- [x] Alert on replica lag ([#{body_no}]({issues}/{body_no}))" in page  # the issue's items
    assert f"- [x] Add a runbook check @bob #process ([#{page_no}]({issues}/{page_no}))" in page
    assert "| Backlog | 2 of 2 items closed |" in page

    bob.reopen(body_no)
    bob.reopen(page_no)
    run_sync(sb, 12)

    assert f"- [ ] Alert on replica lag @alice #detect (#{body_no})" in issue_state(sb, 12)["body"]
    page = incident_page(sb)[1]
    assert f"- [ ] Alert on replica lag ([#{body_no}]({issues}/{body_no}))" in page
    assert f"- [ ] Add a runbook check @bob #process ([#{page_no}]({issues}/{page_no}))" in page
    assert "| Backlog | 0 of 2 items closed |" in page


@pytest.mark.parametrize("create_checked", [False, True])
def test_items_already_ticked_when_first_seen_follow_create_checked_items(
    sandbox: SandboxFactory, create_checked: bool
) -> None:
    body = "## Action items\n\n- [x] Restart the replica @bob #mitigate\n- [ ] Add a lag alarm @alice\n"
    files = {".github/postmortem.yml": "create_checked_items: true\n"} if create_checked else {}
    sb = sandbox(scenario(issue={"body": body}, files=files))

    run_sync(sb, 12)

    titles = sorted(issue["title"] for issue in backlog_issues(sb))
    assert titles == (["Add a lag alarm", "Restart the replica"] if create_checked else ["Add a lag alarm"])


# --- many items ----------------------------------------------------------------------------------------


def test_fifty_items_make_fifty_issues_and_a_paginated_rerun_writes_nothing(sandbox: SandboxFactory) -> None:
    # The review milestone already exists and people put 60 other issues with our label into it, so the
    # backlog listing of the rerun spans two pages of 100.
    description = milestone_description(
        full_name=REPO, incident=12, incident_url=f"https://example.invalid/{REPO}/issues/12", page_url=None
    )
    milestone = {
        "number": 1,
        "title": "Post-mortem review: #12 DB outage: primary failover took 40 minutes",
        "description": description,
        "due_on": "2026-05-01T07:00:00Z",
    }
    others = [
        {
            "number": 100 + i,
            "title": f"Old follow-up {i}",
            "user": "bob",
            "labels": ["postmortem-action"],
            "milestone": 1,
            "created_at": "2026-03-01T09:30:00Z",
        }
        for i in range(60)
    ]
    items = "".join(f"- [ ] Follow-up task number {i} @alice #prevent\n" for i in range(50))
    data = scenario(issue={"body": "## Action items\n\n" + items}, milestones=[milestone])
    data["issues"] += others
    sb = sandbox(data)

    run_sync(sb, 12)

    made = backlog_issues(sb)
    assert len(made) == 50
    body = issue_state(sb, 12)["body"]
    assert body.count(" (#") == 50
    assert len(sb.repo_state()["milestones"]) == 1
    sb.clear_requests()

    run_sync(sb, 12)

    assert writes(sb) == 0, write_log(sb)
    listings = [r for r in sb.requests() if r["method"] == "GET" and r["route"].endswith("/issues")]
    assert len(listings) == 2  # 110 issues in the milestone: two pages
    assert len(backlog_issues(sb)) == 50


# --- the review milestone ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("started", "due"),
    [
        ("2025-12-31T09:00:00Z", "2026-02-28"),
        ("2027-12-31T09:00:00Z", "2028-02-29"),  # a leap year
        ("2026-03-01T23:30:00Z", "2026-05-01"),  # late in the UTC day, early in Pacific
    ],
)
def test_the_review_milestone_is_due_two_months_after_the_start_on_that_very_date(
    sandbox: SandboxFactory, started: str, due: str
) -> None:
    event = {"event": "labeled", "label": "incident", "actor": "alice", "created_at": started}
    sb = sandbox(scenario(now=started, issue={"created_at": started, "events": [event], "comments": []}))

    run = run_sync(sb, 12)

    [milestone] = sb.repo_state()["milestones"]
    # The sandbox floors due_on to a US-Pacific date like GitHub and answers that date's Pacific midnight.
    assert milestone["due_on"].startswith(due + "T0"), milestone["due_on"]
    assert run.result.outputs["milestone_number"] == str(milestone["number"])
    assert "| Review | [Post-mortem review: #12" in incident_page(sb)[1]
    assert f"due {due}" in incident_page(sb)[1]


@pytest.mark.parametrize("value", ["two months", "0 days", "2 fortnights", "-1 months", "100 months"])
def test_a_bad_review_after_names_the_input_and_the_forms_it_accepts(
    sandbox: SandboxFactory, value: str
) -> None:
    sb = sandbox(scenario())

    with pytest.raises(ConfigError) as caught:
        run_sync(sb, 12, review_after=value)

    message = str(caught.value)
    assert message.startswith("review_after:")
    # A value of the right form but too long names the limit instead of the forms.
    limit = "at most 1098 days, 156 weeks or 35 months"
    assert (limit if value == "100 months" else "N days, N weeks or N months") in message
    assert repr(value) in message
    assert writes(sb) == 0, write_log(sb)


def test_a_dry_run_after_the_incident_was_renamed_lists_the_milestone_update_and_writes_nothing(
    sandbox: SandboxFactory,
) -> None:
    sb = sandbox(scenario())
    run_sync(sb, 12)
    Person(sb, "alice_pat").edit_issue(12, title="Primary DB failover took 40 minutes (disk full)")
    sb.clear_requests()

    run = run_sync(sb, 12, dry_run="true")

    assert writes(sb) == 0, write_log(sb)
    [milestone] = sb.repo_state()["milestones"]
    assert milestone["title"] == "Post-mortem review: #12 DB outage: primary failover took 40 minutes"
    assert (
        f"would update review milestone {milestone['number']}: "
        "title 'Post-mortem review: #12 Primary DB failover took 40 minutes (disk full)', owners none"
    ) in run.result.done


def test_a_rename_shows_the_new_review_title_in_the_same_run_and_the_next_run_writes_nothing(
    sandbox: SandboxFactory,
) -> None:
    sb = sandbox(scenario())
    run_sync(sb, 12)
    Person(sb, "alice_pat").edit_issue(12, title="Primary DB failover took 40 minutes (disk full)")

    run_sync(sb, 12)

    [status] = status_comments(sb)
    assert "[Post-mortem review: #12 Primary DB failover took 40 minutes (disk full)](" in status["body"]
    sb.clear_requests()
    run_sync(sb, 12)
    assert writes(sb) == 0, write_log(sb)
