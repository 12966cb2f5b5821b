"""`sync` end to end on the sandbox: the wiki timeline page, index and sidebar, the review milestone, the
status comment, and what happens when the wiki or the token is not what pmaction needs."""

from __future__ import annotations

import re

import pytest
from conftest import SandboxFactory
from helpers import (
    Person,
    backlog_issues,
    incident_page,
    issue_state,
    run_event,
    run_sync,
    scenario,
    section,
    status_comments,
    timeline_rows,
    wiki_commits,
    write_log,
    writes,
)

from pmaction.errors import PermissionMissing, PmactionError
from pmaction.run.context import Event


def _row_index(rows: list[str], text: str) -> int:
    found = [i for i, row in enumerate(rows) if text in row]
    assert len(found) == 1, f"{text!r} should be on exactly one row: {rows}"
    return found[0]


# --- the first run ----------------------------------------------------------------------------------


def test_labelling_an_issue_makes_the_page_index_sidebar_milestone_and_one_status_comment(
    sandbox: SandboxFactory,
) -> None:
    sb = sandbox(scenario(issue={"labels": [], "events": []}))
    alice = Person(sb, "alice_pat")
    labelled = alice.edit_issue(12, labels=["incident"])
    payload = {"action": "labeled", "issue": labelled, "label": {"name": "incident"}}

    run = run_event(sb, Event("issues", payload))

    assert run.result.exit_code == 0, run.result.failed
    name, page = incident_page(sb)
    assert name == "Postmortem-2026-03-01-12-DB-outage-primary-failover-took-40-minutes.md"
    files = sb.wiki_files()
    assert "Home.md" in files  # what people wrote is never touched
    assert "[#12 DB outage: primary failover took 40 minutes]" in files["Post-mortems.md"]
    assert "- [Post-mortems](Post-mortems)" in files["_Sidebar.md"]
    assert "label `incident` added by alice" in page
    assert run.result.outputs["wiki_page_url"] == (
        f"{sb.server_url}/{sb.repo}/wiki/{name.removesuffix('.md')}"
    )
    milestones = sb.repo_state()["milestones"]
    assert [m["number"] for m in milestones] == [int(run.result.outputs["milestone_number"])]
    assert len(status_comments(sb)) == 1
    assert len(wiki_commits(sb)) == 2  # Home.md at start, then pmaction's one commit for all pages

    run_sync(sb, 12)
    assert len(status_comments(sb)) == 1


# --- comments on the issue -------------------------------------------------------------------------


def test_a_collaborators_comment_lands_on_the_page_and_an_outsiders_does_not(sandbox: SandboxFactory) -> None:
    sb = sandbox(scenario())
    run_sync(sb, 12)
    sb.set_clock("2026-03-01T10:20:00Z")
    Person(sb, "bob_pat").comment(12, "Replica promoted by hand. #mitigated")
    Person(sb, "mallory_pat").comment(12, "+1 same here, when will it be fixed??")

    run_sync(sb, 12)

    _, page = incident_page(sb)
    rows = timeline_rows(page)
    row = rows[_row_index(rows, "Replica promoted by hand.")]
    assert row.startswith("| 2026-03-01 10:20 UTC | bob |")
    assert "same here" not in page
    assert "mallory" not in page


def test_a_back_dated_timeline_comment_lands_in_time_order(sandbox: SandboxFactory) -> None:
    sb = sandbox(scenario())
    run_sync(sb, 12)
    sb.set_clock("2026-03-01T11:00:00Z")
    Person(sb, "alice_pat").comment(12, "Looking at the logs now.")
    sb.set_clock("2026-03-01T11:05:00Z")
    Person(sb, "bob_pat").comment(12, "/timeline Rolled back | 2026-03-01 08:40 UTC")

    run_sync(sb, 12)

    rows = timeline_rows(incident_page(sb)[1])
    rolled_back = _row_index(rows, "Rolled back")
    assert rows[rolled_back].startswith("| 2026-03-01 08:40 UTC | bob | Rolled back |")
    assert rolled_back == 0  # before the announcement at 09:00 and every later row
    assert rolled_back < _row_index(rows, "Looking at the logs now.")
    times = [row.split("|")[1].strip() for row in rows]
    assert times == sorted(times)


# --- people editing the wiki page ------------------------------------------------------------------


def test_a_row_a_person_added_on_the_wiki_survives_the_next_refresh_in_time_order(
    sandbox: SandboxFactory,
) -> None:
    sb = sandbox(scenario())
    run_sync(sb, 12)
    name, page = incident_page(sb)
    human_row = "| 2026-03-01 09:03 UTC | carol | Support tickets pile up  | phone call |"
    page = page.replace(
        timeline_rows(page)[-1], timeline_rows(page)[-1] + "\n" + human_row
    )  # appended after the 09:05 row: out of order on purpose
    sb.push_wiki_page(name, page)
    sb.set_clock("2026-03-01T10:30:00Z")
    Person(sb, "alice_pat").comment(12, "Failover done, error rate back to normal.")

    run_sync(sb, 12)

    rows = timeline_rows(incident_page(sb)[1])
    assert human_row in rows  # byte for byte, double space included
    assert _row_index(rows, "Incident announced") < rows.index(human_row)
    assert rows.index(human_row) < _row_index(rows, "Paging the DBA on call.")
    assert rows.index(human_row) < _row_index(rows, "Failover done")


def test_a_person_edit_of_a_generated_row_and_their_contributing_factors_are_kept(
    sandbox: SandboxFactory,
) -> None:
    sb = sandbox(scenario())
    run_sync(sb, 12)
    name, page = incident_page(sb)
    generated = timeline_rows(page)[_row_index(timeline_rows(page), "Paging the DBA")]
    edited = generated.replace("Paging the DBA on call.", "Paged the DBA on call (took 6 minutes).")
    factors = (
        "\n- The failover runbook still named the *old* replica.  \n"
        "- Alert fatigue: 14 pages that night.\n\n```\nlag: 40m\n```\n"
    )
    page = page.replace(generated, edited).replace(
        "## Contributing factors\n", "## Contributing factors\n" + factors
    )
    sb.push_wiki_page(name, page)
    sb.set_clock("2026-03-01T10:45:00Z")
    Person(sb, "bob_pat").comment(12, "Disk on the old primary was full.")

    run_sync(sb, 12)

    after = incident_page(sb)[1]
    assert "Disk on the old primary was full." in after  # the page was refreshed, not left alone
    assert edited in timeline_rows(after)
    assert "| Paging the DBA on call. |" not in after  # not re-added next to the person's version
    assert section(after, "Contributing factors") == section(page, "Contributing factors")


def test_lines_a_person_saved_with_crlf_keep_their_line_endings(sandbox: SandboxFactory) -> None:
    sb = sandbox(scenario())
    run_sync(sb, 12)
    name, page = incident_page(sb)
    page = page.replace(
        "## Contributing factors\n", "## Contributing factors\r\n\r\n- Runbook was stale.\r\n"
    )
    sb.push_wiki_page(name, page)
    sb.set_clock("2026-03-01T10:45:00Z")
    Person(sb, "bob_pat").comment(12, "Disk on the old primary was full.")

    run_sync(sb, 12)

    after = incident_page(sb)[1]
    assert "Disk on the old primary was full." in after
    assert "## Contributing factors\r\n\r\n- Runbook was stale.\r\n" in after


# --- reruns ----------------------------------------------------------------------------------------


def test_a_second_identical_run_writes_nothing(sandbox: SandboxFactory) -> None:
    sb = sandbox(scenario())
    run_sync(sb, 12)
    commits = len(wiki_commits(sb))
    sb.clear_requests()

    again = run_sync(sb, 12)

    assert writes(sb) == 0, write_log(sb)
    assert len(wiki_commits(sb)) == commits
    assert again.result.done == []


def test_the_status_comment_is_edited_not_duplicated_when_something_changes(sandbox: SandboxFactory) -> None:
    sb = sandbox(scenario())
    run_sync(sb, 12)
    [before] = status_comments(sb)
    sb.set_clock("2026-03-01T12:00:00Z")
    Person(sb, "alice_pat").close(12)
    sb.clear_requests()

    run_sync(sb, 12)

    [after] = status_comments(sb)
    assert after["id"] == before["id"]
    assert "**Declared over:** 2026-03-01 12:00 UTC" in after["body"]
    assert "Declared over" not in before["body"]
    comment_writes = [w for w in write_log(sb) if "comments" in w]
    assert comment_writes == ["PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}"]


# --- the incident's lifecycle --------------------------------------------------------------------------


def test_closing_declares_the_incident_over_and_reopening_clears_it(sandbox: SandboxFactory) -> None:
    sb = sandbox(scenario())
    run_sync(sb, 12)
    alice = Person(sb, "alice_pat")
    sb.set_clock("2026-03-01T11:30:00Z")
    alice.close(12)

    run_sync(sb, 12)
    page = incident_page(sb)[1]
    assert "| Status | Declared over |" in page
    assert "| Declared over | 2026-03-01 11:30 UTC |" in page
    assert "| Total duration (announced → declared over) | 2 h 30 min |" in page
    assert "Incident declared over: issue closed by alice" in page
    assert "| Declared over | 2 h 30 min |" in sb.wiki_files()["Post-mortems.md"]

    sb.set_clock("2026-03-01T12:00:00Z")
    alice.reopen(12)
    run_sync(sb, 12)
    page = incident_page(sb)[1]
    assert "| Status | Open |" in page
    assert "| Declared over | — |" in page
    assert "| Total duration (announced → resolved) | n/a |" in page
    assert "Incident declared over" not in page
    assert "| Open | n/a |" in sb.wiki_files()["Post-mortems.md"]


def test_a_renamed_incident_keeps_its_page_file_and_its_one_milestone_follows_the_title(
    sandbox: SandboxFactory,
) -> None:
    sb = sandbox(scenario())
    run_sync(sb, 12)
    name, _ = incident_page(sb)
    Person(sb, "alice_pat").edit_issue(12, title="Primary DB failover took 40 minutes (disk full)")

    run_sync(sb, 12)

    new_name, page = incident_page(sb)
    assert new_name == name
    # The heading is the page's own text now (people edit it); the generated facts follow the issue.
    assert "| Incident | [#12 Primary DB failover took 40 minutes (disk full)](" in page
    pages = [n for n in sb.wiki_files() if n.startswith("Postmortem-") and n.endswith(".md")]
    assert pages == [name]
    [milestone] = sb.repo_state()["milestones"]
    assert milestone["title"] == "Post-mortem review: #12 Primary DB failover took 40 minutes (disk full)"
    assert "disk full" in sb.wiki_files()["Post-mortems.md"]


# --- when the wiki or the token is not ready ---------------------------------------------------------


def test_a_wiki_never_created_fails_with_the_fix_but_the_issue_side_still_happens(
    sandbox: SandboxFactory,
) -> None:
    sb = sandbox(scenario(wiki="missing", wiki_pages=None))

    run = run_sync(sb, 12)

    assert run.result.exit_code == 1
    [message] = run.result.failed
    assert "open the repository's Wiki tab once and save any page" in message
    assert len(sb.repo_state()["milestones"]) == 1
    [status] = status_comments(sb)
    assert "not written" in status["body"]
    assert "wiki_page_url" not in run.result.outputs
    assert run.result.outputs["milestone_number"] == str(sb.repo_state()["milestones"][0]["number"])


def test_a_disabled_wiki_says_where_to_enable_it(sandbox: SandboxFactory) -> None:
    sb = sandbox(scenario(has_wiki=False, wiki_pages=None))

    run = run_sync(sb, 12)

    assert run.result.exit_code == 1
    [message] = run.result.failed
    assert "Wikis are disabled" in message and "Settings" in message
    assert not [r for r in sb.requests() if r["kind"] == "git"]  # no clone attempt at all
    assert len(status_comments(sb)) == 1


def test_a_token_without_contents_write_names_the_permission(sandbox: SandboxFactory) -> None:
    tokens = [
        {
            "token": "ghs_issues_only",
            "permissions": {"issues": "write", "contents": "read", "metadata": "read"},
        }
    ]
    sb = sandbox(scenario(tokens=tokens))

    run = run_sync(sb, 12)

    assert run.result.exit_code == 1
    [message] = run.result.failed
    assert "permissions: contents: write" in message
    assert "ghs_issues_only" not in message
    assert len(sb.repo_state()["milestones"]) == 1


def test_a_token_without_issues_write_stops_with_one_line_naming_the_permission(
    sandbox: SandboxFactory,
) -> None:
    tokens = [
        {
            "token": "ghs_contents_only",
            "permissions": {"issues": "read", "contents": "write", "metadata": "read"},
        }
    ]
    sb = sandbox(scenario(tokens=tokens))

    with pytest.raises(PermissionMissing) as caught:
        run_sync(sb, 12)

    message = str(caught.value)
    assert "issues: write" in message
    assert "\n" not in message


# --- titles that are hard to turn into file names ---------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        "api/v2 down: ../../etc/passwd leaked?",
        "..",
        "🔥🔥 everything is on fire 🔥",
        "🔥🔥🔥",
        "انقطاع قاعدة البيانات الرئيسية",
        "Bidi \u202etxt.exe\u202c trick",
        "x" * 150 + " " + "y" * 149,
    ],
)
def test_hard_titles_give_a_safe_page_file_name_and_the_page_renders(
    sandbox: SandboxFactory, title: str
) -> None:
    sb = sandbox(scenario(issue={"title": title}))

    run = run_sync(sb, 12)

    assert run.result.exit_code == 0, run.result.failed
    name, page = incident_page(sb)
    assert re.fullmatch(r"Postmortem-2026-03-01-12(-[A-Za-z0-9]+(-[A-Za-z0-9]+)*)?\.md", name), name
    assert len(name) <= 103
    heading = next(line for line in page.split("\n") if line.startswith("# Post-mortem: #12"))
    assert "\u202e" not in heading
    if title.isprintable() and "\u202e" not in title:
        assert heading == f"# Post-mortem: #12 {title}"
    assert run.result.outputs["wiki_page_url"].endswith(name.removesuffix(".md"))


# --- dry runs and things that are not incidents ------------------------------------------------------


def test_a_dry_run_writes_nothing_and_lists_what_it_would_do(sandbox: SandboxFactory) -> None:
    body = "What happened.\n\n## Action items\n\n- [ ] Add a replica lag alarm @alice #detect P1\n"
    sb = sandbox(scenario(issue={"body": body}))

    run = run_sync(sb, 12, dry_run="true")

    assert writes(sb) == 0, write_log(sb)
    assert [r for r in sb.requests() if r["route"] == "git:info-refs" and "receive" in str(r["query"])] == []
    done = "\n".join(run.result.done)
    assert "would create review milestone 'Post-mortem review: #12" in done
    assert "would create backlog issue 'Add a replica lag alarm'" in done
    for label in ("postmortem-action", "type:detect", "priority:P1"):
        assert f"would create label '{label}'" in done
    assert "would create the status comment" in done
    [diff] = [m for m in run.reporter.of("info") if m.startswith("dry run: wiki diff")]
    assert "+++ b/Postmortem-2026-03-01-12-DB-outage-primary-failover-took-40-minutes.md" in diff
    assert "+++ b/Post-mortems.md" in diff
    assert sb.wiki_files() == {"Home.md": "Welcome to the octo-repo wiki!\n"}
    assert run.result.exit_code == 0


def test_a_dry_run_of_an_up_to_date_incident_plans_nothing(sandbox: SandboxFactory) -> None:
    sb = sandbox(scenario())
    run_sync(sb, 12)
    sb.clear_requests()

    run = run_sync(sb, 12, dry_run="true")

    assert writes(sb) == 0, write_log(sb)
    assert run.result.done == []


def test_an_issue_without_the_incident_label_is_left_alone(sandbox: SandboxFactory) -> None:
    sb = sandbox(scenario(issue={"labels": ["bug"]}))

    run = run_sync(sb, 12)

    assert writes(sb) == 0, write_log(sb)
    assert any("no 'incident' label" in notice for notice in run.notices)
    assert run.result.exit_code == 0


def test_a_pull_request_number_is_a_one_line_error(sandbox: SandboxFactory) -> None:
    pull = {
        "number": 13,
        "title": "Pin the driver",
        "user": "bob",
        "pull_request": True,
        "labels": ["incident"],
    }
    data = scenario()
    data["issues"].append(pull)
    sb = sandbox(data)

    with pytest.raises(PmactionError) as caught:
        run_sync(sb, 13)

    assert "#13 is a pull request" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert writes(sb) == 0
    assert issue_state(sb, 13)["comments"] == []


def test_a_failed_step_does_not_stop_the_others(sandbox: SandboxFactory) -> None:
    body = "What happened.\n\n## Action items\n\n- [ ] Add a replica lag alarm @alice #detect P1\n"
    sb = sandbox(scenario(issue={"body": body}))
    sb.add_faults(
        [{"method": "POST", "route": "/repos/{owner}/{repo}/issues", "kind": "status", "status": 502}]
    )

    with pytest.raises(PmactionError) as caught:
        run_sync(sb, 12)

    assert "create the backlog issue 'Add a replica lag alarm'" in str(caught.value)
    done = "\n".join(caught.value.partial.done)
    assert "created review milestone" in done
    assert "updated the wiki page" in done
    assert "created the status comment" in done
    assert incident_page(sb)[1].count("Add a replica lag alarm") == 1
    assert backlog_issues(sb) == []
    sb.clear_faults()
    assert run_sync(sb, 12).result.exit_code == 0
    assert len(backlog_issues(sb)) == 1
