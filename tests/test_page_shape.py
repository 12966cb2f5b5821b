"""What readers see on the page: a plain facts table and no empty links, also in a dry run's diff."""

from __future__ import annotations

from conftest import SandboxFactory
from helpers import incident_page, run_sync, scenario


def test_the_facts_table_has_an_empty_header_so_no_fact_renders_bold(sandbox: SandboxFactory) -> None:
    sb = sandbox(scenario())
    run_sync(sb, 12)
    page = incident_page(sb)[1]
    assert "<!-- pmaction:begin facts -->\n| | |\n|---|---|\n| Incident | [#12 " in page


def test_a_dry_run_shows_the_planned_review_without_an_empty_link(sandbox: SandboxFactory) -> None:
    sb = sandbox(scenario())
    run = run_sync(sb, 12, dry_run="true")
    diff = "\n".join(line for line in run.reporter.of("info") if line.startswith("dry run: wiki diff"))
    assert "- **Milestone:** Post-mortem review: #12" in diff
    assert "]()" not in diff


def test_the_status_comment_links_the_page_by_its_incident_not_its_file_name(sandbox: SandboxFactory) -> None:
    sb = sandbox(scenario())
    run_sync(sb, 12)
    [status] = [c for c in sb.repo_state()["issues"][0]["comments"] if "Post-mortem bookkeeping" in c["body"]]
    name = incident_page(sb)[0].removesuffix(".md")
    url = f"{sb.server_url}/{sb.repo}/wiki/{name}"
    assert f"- **Timeline page:** [Post-mortem of #12]({url})" in status["body"]


def test_an_item_linked_explicitly_on_a_wiki_page_is_still_that_issue_and_is_not_linked_twice() -> None:
    from pmaction.items.edit import annotate
    from pmaction.items.parse import parse_action_items

    page = "## Action items\n\n- [ ] Page on lag @bob ([#42](https://github.com/o/r/issues/42))\n"
    [item] = parse_action_items(page, origin="page").agreed
    assert (item.ref, item.title) == (42, "Page on lag")
    assert annotate(page, item, 42, "https://github.com/o/r/issues/42") == (page, True)
    fresh = "## Action items\n\n- [ ] Page on lag @bob\n"
    [new] = parse_action_items(fresh, origin="page").agreed
    linked, _ = annotate(fresh, new, 42, "https://github.com/o/r/issues/42")
    assert linked == page


def test_the_timeline_header_follows_a_changed_timezone(sandbox: SandboxFactory) -> None:
    sb = sandbox(scenario())
    run_sync(sb, 12)
    assert "| Time (UTC) | Who | What | Source |" in incident_page(sb)[1]
    run_sync(sb, 12, timezone="Europe/Berlin")
    page = incident_page(sb)[1]
    assert "| Time (Europe/Berlin) | Who | What | Source |" in page
    assert "Time (UTC)" not in page
