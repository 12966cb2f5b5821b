"""Which command a run performs, from the event and the command input."""

from __future__ import annotations

import pytest

from pmaction.commands.sync_wiki import edited_page_files, incidents_of
from pmaction.errors import ConfigError
from pmaction.run.config import build_config
from pmaction.run.context import Event
from pmaction.run.plan import plan_for


def issue(number: int = 5, labels: tuple[str, ...] = ("incident",), pr: bool = False) -> dict:
    data: dict = {"number": number, "labels": [{"name": name} for name in labels]}
    if pr:
        data["pull_request"] = {"url": "x"}
    return data


def test_a_labelled_issue_event_syncs_that_issue() -> None:
    plan = plan_for(build_config({}), Event("issues", {"action": "labeled", "issue": issue(7)}))
    assert (plan.command, plan.issue_number) == ("sync", 7)


def test_an_issue_without_the_label_is_skipped_with_a_reason() -> None:
    plan = plan_for(build_config({}), Event("issues", {"action": "opened", "issue": issue(labels=("bug",))}))
    assert plan.command is None
    assert "has no 'incident' label" in plan.reason


def test_the_label_name_is_configurable_and_case_insensitive() -> None:
    plan = plan_for(
        build_config({"incident_label": "Outage"}), Event("issues", {"issue": issue(labels=("outage",))})
    )
    assert plan.command == "sync"


def test_pull_requests_are_skipped() -> None:
    plan = plan_for(build_config({}), Event("issue_comment", {"issue": issue(pr=True)}))
    assert plan.command is None and "pull request" in plan.reason


def test_our_own_comment_does_not_trigger_a_sync() -> None:
    payload = {
        "issue": issue(),
        "sender": {"login": "github-actions[bot]"},
        "comment": {"body": "x\n<!-- pmaction:status o/r#5 -->"},
    }
    assert plan_for(build_config({}), Event("issue_comment", payload)).command is None


def test_schedule_nags_and_dispatch_follows_its_inputs() -> None:
    assert plan_for(build_config({}), Event("schedule", {"schedule": "0 9 * * 1"})).command == "nag"
    plan = plan_for(build_config({}), Event("workflow_dispatch", {"inputs": {"issue_number": "12"}}))
    assert (plan.command, plan.issue_number) == ("sync", 12)
    assert plan_for(build_config({"command": "report"}), Event("workflow_dispatch", {})).command == "report"


def test_sync_without_an_issue_names_the_input() -> None:
    with pytest.raises(ConfigError, match="set the issue_number input"):
        plan_for(build_config({"command": "sync"}), Event("schedule", {}))


def test_an_unsupported_event_is_a_one_line_error() -> None:
    with pytest.raises(ConfigError, match="does not handle the 'push' event"):
        plan_for(build_config({}), Event("push", {}))


def test_gollum_names_the_incident_pages_that_changed_by_their_markers() -> None:
    payload = {
        "pages": [
            {"page_name": "Postmortem-2026-03-01-12-Database-outage"},
            {"page_name": "Home"},
            {"title": "Postmortem 2026-03-02-13-Cache"},
            {"page_name": "Renamed-by-a-person"},
        ]
    }
    names = edited_page_files(payload)
    assert names == [
        "Postmortem-2026-03-01-12-Database-outage.md",
        "Home.md",
        "Postmortem-2026-03-02-13-Cache.md",
        "Renamed-by-a-person.md",
    ]
    files = {
        "Postmortem-2026-03-01-12-Database-outage.md": "<!-- pmaction:incident acme/shop#12 -->\n# x",
        "Home.md": "Welcome",
        "Postmortem-2026-03-02-13-Cache.md": "<!-- pmaction:incident acme/shop#13 -->\r\n# y",
        "Renamed-by-a-person.md": "<!-- pmaction:incident acme/shop#14 -->\n# z",
        "Postmortem-2026-03-03-15-Elsewhere.md": "<!-- pmaction:incident other/repo#15 -->\n",
    }
    assert incidents_of(files, [*names, "Postmortem-2026-03-03-15-Elsewhere.md"], "acme/shop") == [12, 13, 14]
    assert plan_for(build_config({}), Event("gollum", payload)).command == "sync-wiki"


def test_nag_with_an_issue_number_is_a_wrong_combination_naming_the_input() -> None:
    with pytest.raises(ConfigError, match="command 'nag' covers every incident and takes no issue_number"):
        plan_for(build_config({"command": "nag", "issue_number": "12"}), Event("workflow_dispatch", {}))
