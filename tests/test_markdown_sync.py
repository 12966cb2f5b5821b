"""The Markdown people write, read the way GitHub shows it, end to end on the sandbox through a sync."""

from __future__ import annotations

from conftest import SandboxFactory
from helpers import backlog_issues, incident_page, run_event, run_sync, scenario

from pmaction.run.context import Event


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
    assert f"{item} (#{made['number']})\n" in incident_page(sb)[1]
