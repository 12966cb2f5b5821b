"""One rule per concept, seen from the outside: the page, the backlog, the report and wiki-edit runs agree.

Each test here failed while two copies of a rule had drifted apart (see the reshape issue).
"""

from __future__ import annotations

from conftest import SandboxFactory
from helpers import backlog_issues, incident_page, run_event, run_sync, scenario

from pmaction.report.render import REPORT_PAGE
from pmaction.run.context import Event

ITEMS = "## Action items\n\n- [ ] Alert on replica lag @alice #detect\n"


def _names(items: list[dict[str, object]]) -> list[str]:
    return sorted(str(entry["name"]) for entry in items)


def test_a_label_that_only_starts_with_sev_is_no_severity_on_the_page_or_the_backlog(
    sandbox: SandboxFactory,
) -> None:
    sb = sandbox(scenario(issue={"body": ITEMS, "labels": ["incident", "severe-bug"]}))

    assert run_sync(sb, 12).result.exit_code == 0

    [made] = backlog_issues(sb)
    assert "severe-bug" not in _names(made["labels"])
    assert "| Severity | not set |" in incident_page(sb)[1]


def test_a_severity_label_is_shown_on_the_page_and_carried_by_the_backlog_issues(
    sandbox: SandboxFactory,
) -> None:
    sb = sandbox(scenario(issue={"body": ITEMS, "labels": ["incident", "sev-2"]}))

    assert run_sync(sb, 12).result.exit_code == 0

    [made] = backlog_issues(sb)
    assert "sev-2" in _names(made["labels"])
    assert "| Severity | sev-2 |" in incident_page(sb)[1]


def test_times_in_the_wrong_order_give_the_same_unknown_duration_on_the_page_and_in_the_report(
    sandbox: SandboxFactory,
) -> None:
    body = "Started: 2026-03-01 10:00 UTC\nDetected: 2026-03-01 09:00 UTC\nMitigated: 2026-03-01 10:30 UTC\n"
    sb = sandbox(scenario(issue={"body": body}))

    run = run_sync(sb, 12)

    assert run.result.exit_code == 0
    assert any("Detected (2026-03-01 09:00 UTC) is before Started" in w for w in run.warnings)
    page = incident_page(sb)[1]
    assert "| Time to detect | n/a |" in page
    assert "| Time to mitigate | 30 min |" in page
    report = sb.wiki_files()[REPORT_PAGE]
    assert "| Time to detect | n/a | n/a | 0 |" in report
    assert "| Time to mitigate | 30 min | 30 min | 1 |" in report


def test_an_edit_to_a_page_someone_renamed_still_syncs_its_incident(sandbox: SandboxFactory) -> None:
    renamed = "Our-notes-on-the-DB-outage.md"
    marker = "<!-- pmaction:incident octo-org/octo-repo#12 -->"
    pages = {"Home.md": "Welcome\n", renamed: f"{marker}\n# Our notes on the DB outage\n\n{ITEMS}"}
    sb = sandbox(scenario(wiki_pages=pages))
    assert run_sync(sb, 12).result.exit_code == 0
    assert incident_page(sb)[0] == renamed  # found by its marker, not re-created under our name
    [first] = backlog_issues(sb)
    page = incident_page(sb)[1]
    added = "- [ ] Practise failover every quarter @bob #process"
    number = first["number"]
    link = f"[#{number}]({sb.server_url}/{sb.repo}/issues/{number})"
    line = f"- [ ] Alert on replica lag @alice #detect ({link})"
    assert line in page
    sb.push_wiki_page(renamed, page.replace(line, f"{line}\n{added}", 1))

    run = run_event(sb, Event("gollum", {"pages": [{"page_name": renamed.removesuffix(".md")}]}))

    assert run.result.command == "sync-wiki"
    assert run.result.exit_code == 0, run.result.failed
    titles = sorted(issue["title"] for issue in backlog_issues(sb))
    assert titles == ["Alert on replica lag", "Practise failover every quarter"]
