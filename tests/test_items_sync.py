"""Action items that used to be lost in silence, end to end on the sandbox: an item naming an issue that does
not exist, a body with bare-CR line endings, an owner longer than a GitHub login, lines under an
action-items heading that make no issue; and the forms real write-ups use (tables, plain bullets)."""

from __future__ import annotations

from typing import Any

from conftest import SandboxFactory
from helpers import BASE_SCENARIO, Person, backlog_issues, issue_state, run_sync, scenario, status_comments


def _logins(entries: list[dict[str, Any]]) -> list[str]:
    return sorted(entry["login"] for entry in entries)


def test_an_item_naming_an_issue_that_does_not_exist_is_created_and_linked_after_it(
    sandbox: SandboxFactory,
) -> None:
    body = "## Action items\n\n- [ ] Alert on replica lag @alice (#99)\n- [ ] Practise failover (#12)\n"
    sb = sandbox(scenario(issue={"body": body}))

    run = run_sync(sb, 12)

    made = {issue["title"]: issue["number"] for issue in backlog_issues(sb)}
    assert sorted(made) == ["Alert on replica lag", "Practise failover"]  # #12 is the incident itself
    lag, drill = made["Alert on replica lag"], made["Practise failover"]
    assert issue_state(sb, 12)["body"] == (
        f"## Action items\n\n- [ ] Alert on replica lag @alice (#99) (#{lag})\n"
        f"- [ ] Practise failover (#12) (#{drill})\n"
    )
    stale = [w for w in run.warnings if "(#99)" in w]
    assert len(stale) == 1 and "line 3" in stale[0] and f"#{lag}" in stale[0], run.warnings

    run_sync(sb, 12)
    assert len(backlog_issues(sb)) == 2  # the next run follows the new link: nothing made twice


def test_an_item_naming_an_issue_the_team_already_had_follows_it_and_makes_none(
    sandbox: SandboxFactory,
) -> None:
    data = scenario(issue={"body": "## Action items\n\n- [ ] Fix the disk alarm (#7)\n"})
    data["issues"].append(
        {**BASE_SCENARIO["issues"][0], "number": 7, "title": "Disk alarm is flaky", "labels": [], "body": "x"}
    )
    sb = sandbox(data)

    run_sync(sb, 12)
    assert backlog_issues(sb) == []
    Person(sb, "alice_pat").edit_issue(7, state="closed")
    run_sync(sb, 12)

    assert "- [x] Fix the disk alarm (#7)" in issue_state(sb, 12)["body"]
    assert backlog_issues(sb) == []


def test_a_body_with_bare_cr_line_endings_yields_its_items(sandbox: SandboxFactory) -> None:
    body = "Primary went away.\r\r## Action items\r\r- [ ] Alert on replica lag @alice\r- [ ] Runbook\r"
    sb = sandbox(scenario(issue={"body": body}))

    run_sync(sb, 12)

    made = backlog_issues(sb)
    assert sorted(issue["title"] for issue in made) == ["Alert on replica lag", "Runbook"]
    text = issue_state(sb, 12)["body"]
    assert "Primary went away." in text and text.count("(#") == 2  # nothing lost, both lines linked


def test_an_owner_longer_than_a_github_login_is_a_warning_not_silence(sandbox: SandboxFactory) -> None:
    login = "a" * 40
    sb = sandbox(scenario(issue={"body": f"## Action items\n\n- [ ] Rotate the keys @{login}\n"}))

    run = run_sync(sb, 12)

    [made] = backlog_issues(sb)
    assert made["assignees"] == []
    [warning] = [w for w in run.warnings if login in w]
    assert "line 3" in warning and "not a GitHub login" in warning


def test_lines_under_action_items_that_make_no_issue_are_said_once_in_log_summary_and_status(
    sandbox: SandboxFactory,
) -> None:
    body = (
        "## Action items\n\n"
        "- We should consider moving to a managed database\n"
        "- Add an alert on replica lag\n"
        "- Maybe buy bigger disks?\n"
    )
    sb = sandbox(scenario(issue={"body": body}))

    run = run_sync(sb, 12)

    assert [issue["title"] for issue in backlog_issues(sb)] == ["Add an alert on replica lag"]
    [said] = [w for w in run.warnings if "not taken as action items" in w]
    assert "line 3 '- We should consider moving" in said and "line 5 '- Maybe buy bigger disks?'" in said
    assert "proposal" in said and "@owner" in said  # what makes one count
    summary = run.result.summary_markdown()
    assert summary.count("not taken as action items") == 1 and "line 3" in summary
    [status] = status_comments(sb)
    assert status["body"].count("not taken as action items") == 1 and "line 5" in status["body"]


def test_a_table_of_action_items_makes_issues_linked_in_their_title_cell(sandbox: SandboxFactory) -> None:
    body = (
        "## Action items\n\n"
        "| Action Item | Type | Owner | Bug |\n"
        "| --- | --- | --- | --- |\n"
        "| Page on replica lag | detect | alice | n/a **TODO** |\n"
        "| Use the new failover tool | prevent | bob | Bug 5554823 **TODO** |\n"
        "| Roll back the config | mitigate | bob | n/a **DONE** |\n"
    )
    sb = sandbox(scenario(issue={"body": body}))

    run_sync(sb, 12)

    [made] = backlog_issues(sb)  # the bug is tracked in its own tracker, the done row is done
    assert made["title"] == "Page on replica lag"
    assert _logins(made["assignees"]) == ["alice"]
    assert {label["name"] for label in made["labels"]} >= {"type:detect"}
    lines = issue_state(sb, 12)["body"].split("\n")
    assert lines[4] == f"| Page on replica lag (#{made['number']}) | detect | alice | n/a **TODO** |"
    [status] = status_comments(sb)
    assert "Bug 5554823" in status["body"] and "line 7" in status["body"]
