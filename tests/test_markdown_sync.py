"""The Markdown people write, read the way GitHub shows it, end to end on the sandbox through a sync."""

from __future__ import annotations

from conftest import SandboxFactory
from helpers import backlog_issues, incident_page, run_event, run_sync, scenario, timeline_rows

from pmaction.run.context import Event

TABLE_BODY = (
    "Primary database went away.\r\n"
    "\r\n"
    "## Timeline\r\n"
    "\r\n"
    "| Time | What |\r\n"
    "|--|--|\r\n"
    "| 08:55 | primary stopped answering |\r\n"
    "| 09:20 | replica promoted #mitigated |\r\n"
)


def test_a_timeline_table_with_short_separator_dashes_in_the_issue_lands_row_by_row_without_warnings(
    sandbox: SandboxFactory,
) -> None:
    sb = sandbox(scenario(issue={"body": TABLE_BODY}))

    run = run_sync(sb, 12)

    assert run.result.exit_code == 0, run.result.failed
    assert not [w for w in run.warnings if "of the issue body has no time" in w], run.warnings
    rows = timeline_rows(incident_page(sb)[1])
    assert [row for row in rows if "Time" in row or "--" in row.split("<!--")[0]] == []
    stopped = next(row for row in rows if "primary stopped answering" in row)
    promoted = next(row for row in rows if "replica promoted" in row)
    assert stopped.startswith("| 2026-03-01 08:55 UTC |")
    assert promoted.startswith("| 2026-03-01 09:20 UTC |")
    assert rows.index(stopped) < rows.index(promoted)


def test_an_action_item_below_a_block_whose_end_line_was_deleted_still_becomes_an_issue(
    sandbox: SandboxFactory,
) -> None:
    sb = sandbox(scenario())
    run_sync(sb, 12)
    name, page = incident_page(sb)
    # A person edits the page: the block's end line goes, their own item goes below the block.
    end_line = "<!-- pmaction:end issue-items -->\n"
    assert page.count(end_line) == 1
    item = "- [ ] Add a runbook check @bob #process"
    page = page.replace(end_line, "").replace("\n## Review\n", f"\n{item}\n\n## Review\n", 1)
    sb.push_wiki_page(name, page)

    run = run_event(sb, Event("gollum", {"pages": [{"page_name": name.removesuffix(".md")}]}))

    assert run.result.exit_code == 0, run.result.failed
    [made] = backlog_issues(sb)
    assert made["title"] == "Add a runbook check"
    assert "taken from the post-mortem page" in made["body"]
    number = made["number"]
    assert f"{item} ([#{number}]({sb.server_url}/{sb.repo}/issues/{number}))\n" in incident_page(sb)[1]
