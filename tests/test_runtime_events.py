"""The events GitHub really sends reach the right incident, through `python -m entrypoint` as the runner
runs it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import SandboxFactory
from helpers import Person, backlog_issues, incident_page, labeled_payload, run_sync, scenario

from pmaction.demo import run_action
from pmaction.sandbox.events import load_payload, retarget_payload

ITEMS = (
    "## Action items\n\n- [ ] Alert on replica lag @alice #detect\n- [ ] Practise failover @bob #process\n"
)


def _payload(sb: Any, name: str, number: int) -> dict[str, Any]:
    return retarget_payload(
        load_payload(name),
        full_name=sb.repo,
        issue=Person(sb, sb.token).issue(number),
        server_url=sb.server_url,
        api_url=sb.api_url,
        repository=sb.repo_state()["repo"],
    )


def test_closing_a_backlog_issue_ticks_its_item_and_counts_it_on_the_page_and_the_status_comment(
    sandbox: SandboxFactory, tmp_path: Path
) -> None:
    sb = sandbox(scenario(issue={"body": ITEMS}))
    assert run_action(sb, "issues", labeled_payload(sb), tmp_path / "first").code == 0
    alert = next(issue for issue in backlog_issues(sb) if issue["title"] == "Alert on replica lag")
    Person(sb, "alice_pat").close(alert["number"])

    # GitHub sends issues.closed for the backlog issue, which has the action label, not the incident label.
    outcome = run_action(sb, "issues", _payload(sb, "issues.closed", alert["number"]), tmp_path / "closed")

    assert outcome.code == 0, outcome.stdout
    assert "has no 'incident' label" not in outcome.stdout
    page = incident_page(sb)[1]
    assert "| Backlog | 1 of 2 items closed |" in page
    body = Person(sb, "alice_pat").issue(12)["body"]
    assert f"- [x] Alert on replica lag @alice #detect (#{alert['number']})" in body
    status = [c for c in sb.repo_state()["issues"][0]["comments"] if "Post-mortem bookkeeping" in c["body"]]
    assert "**Backlog:** 1 of 2 items closed" in status[-1]["body"]


def test_an_outsiders_issue_with_our_marker_and_label_does_not_sync_the_incident(
    sandbox: SandboxFactory, tmp_path: Path
) -> None:
    sb = sandbox(scenario(issue={"body": ITEMS}))
    run_sync(sb, 12)
    made = backlog_issues(sb)[0]
    copied = Person(sb, "mallory_pat")._send(
        "POST", "/issues", {"title": "copy", "body": made["body"], "labels": ["postmortem-action"]}
    )
    sb.clear_requests()

    outcome = run_action(sb, "issues", _payload(sb, "issues.opened", copied["number"]), tmp_path / "copy")

    assert outcome.code == 0, outcome.stdout
    assert "nothing to do" in outcome.stdout
    assert not [r for r in sb.requests() if r["kind"] == "api" and r["method"] != "GET"]


def _two_incidents() -> dict[str, Any]:
    data = scenario()
    second = {**data["issues"][0], "number": 13, "title": "Cache stampede", "comments": [], "events": []}
    data["issues"].append(second)
    return data


def _add_item(sb: Any, number: int, item: str) -> None:
    name, page = incident_page(sb, number)
    sb.push_wiki_page(name, page.replace("## Action items\n", f"## Action items\n\n{item}\n", 1))


def test_a_wiki_edit_whose_run_was_cancelled_is_synced_by_the_next_wiki_run(
    sandbox: SandboxFactory, tmp_path: Path
) -> None:
    sb = sandbox(_two_incidents())
    run_sync(sb, 12)
    run_sync(sb, 13)
    _add_item(sb, 12, "- [ ] Alert on replica lag @alice #detect")  # its gollum run was cancelled
    _add_item(sb, 13, "- [ ] Cap cache refills @bob #prevent")
    gollum = load_payload("gollum")
    name = incident_page(sb, 13)[0].removesuffix(".md")
    gollum["pages"] = [{**gollum["pages"][0], "page_name": name, "title": name}]
    gollum["repository"] = {**gollum["repository"], "full_name": sb.repo}

    outcome = run_action(sb, "gollum", gollum, tmp_path)

    assert outcome.code == 0, outcome.stdout
    assert [issue["title"] for issue in backlog_issues(sb, 12)] == ["Alert on replica lag"]
    assert [issue["title"] for issue in backlog_issues(sb, 13)] == ["Cap cache refills"]


def test_a_wiki_run_when_no_post_mortem_page_changed_writes_nothing(
    sandbox: SandboxFactory, tmp_path: Path
) -> None:
    sb = sandbox(_two_incidents())
    run_sync(sb, 12)
    sb.push_wiki_page("Home.md", "Welcome, edited by a person\n")
    sb.clear_requests()

    outcome = run_action(sb, "gollum", load_payload("gollum"), tmp_path)

    assert outcome.code == 0, outcome.stdout
    assert "nothing to do" in outcome.stdout
    assert not [r for r in sb.requests() if r["method"] != "GET" and r["kind"] == "api"]
    assert not [r for r in sb.requests() if r["route"] == "git:receive-pack"]


def test_a_read_only_token_is_one_error_naming_every_permission_and_no_library_noise(
    sandbox: SandboxFactory, tmp_path: Path
) -> None:
    read_only = {"issues": "read", "contents": "read", "metadata": "read"}
    sb = sandbox(scenario(tokens=[{"token": "ghs_read", "permissions": read_only}]))

    outcome = run_action(sb, "issues", labeled_payload(sb), tmp_path, inputs={"github_token": "ghs_read"})

    assert outcome.code == 1
    assert "permissions: {issues: write, contents: write}" in outcome.stdout
    assert "failed with 403" not in outcome.stdout
