"""Anyone may comment on a public incident. What outsiders write stays off the wiki unless the team opts in,
hidden markers pasted into user text cannot steer pmaction, and no user text is ever run as a template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import SandboxFactory
from github_render import links, visible_text
from helpers import (
    REPO,
    backlog_issues,
    incident_page,
    issue_state,
    labeled_payload,
    run_sync,
    scenario,
    status_comments,
    timeline_rows,
    writes,
)
from runner_rule import assert_only_own_commands, commands_in

from pmaction.demo import run_action
from pmaction.items.parse import item_key
from pmaction.review.dates import milestone_description
from pmaction.text.markers import item_marker as backlog_marker

CONFIG = ".github/postmortem.yml"
BODY = "Primary database went away.\n\n### Action items\n\n- [ ] Write a failover runbook @alice\n"


def comment(user: str, body: str, association: str | None = None, at: str = "09:05") -> dict[str, Any]:
    made: dict[str, Any] = {"user": user, "created_at": f"2026-03-01T{at}:00Z", "body": body}
    if association:
        made["author_association"] = association
    return made


OUTSIDERS = ["NONE", "CONTRIBUTOR", "FIRST_TIME_CONTRIBUTOR", "FIRST_TIMER", "MANNEQUIN"]


@pytest.mark.parametrize("association", OUTSIDERS)
def test_an_outsiders_comment_stays_off_the_wiki_by_default(
    sandbox: SandboxFactory, association: str
) -> None:
    sb = sandbox(
        scenario(issue={"comments": [comment("mallory", "It was the DNS, obviously.", association)]})
    )

    assert run_sync(sb, 12).result.exit_code == 0

    _, page = incident_page(sb)
    assert "It was the DNS" not in page


@pytest.mark.parametrize("association", OUTSIDERS)
def test_an_outsiders_comment_appears_when_the_team_opts_in(
    sandbox: SandboxFactory, association: str
) -> None:
    sb = sandbox(
        scenario(
            files={CONFIG: "include_untrusted_comments: true\n"},
            issue={"comments": [comment("mallory", "It was the DNS, obviously.", association)]},
        )
    )

    assert run_sync(sb, 12).result.exit_code == 0

    _, page = incident_page(sb)
    assert any("It was the DNS" in row and "mallory" in row for row in timeline_rows(page))


def test_an_outsiders_comment_carrying_our_status_marker_is_never_edited(sandbox: SandboxFactory) -> None:
    fake = f"gotcha\n\n<!-- pmaction:status {REPO}#12 -->\n"
    sb = sandbox(scenario(issue={"comments": [comment("mallory", fake, "NONE")]}))

    run_sync(sb, 12)
    run_sync(sb, 12)

    comments = issue_state(sb, 12)["comments"]
    assert [c["body"] for c in comments if c["user"]["login"] == "mallory"] == [fake]
    assert [c["user"]["login"] for c in status_comments(sb)] == ["mallory", "github-actions[bot]"]


def test_a_persons_comment_quoting_our_marker_is_never_deleted_as_a_duplicate(
    sandbox: SandboxFactory,
) -> None:
    quote = f"The bot writes this at the end:\n\n<!-- pmaction:status {REPO}#12 -->\n"
    sb = sandbox(scenario(issue={"comments": [comment("bob", quote, at="09:30")]}))

    run_sync(sb, 12)
    run_sync(sb, 12)

    assert quote in [c["body"] for c in issue_state(sb, 12)["comments"]]


@pytest.mark.parametrize("labelled", [False, True], ids=["plain", "with-our-label"])
def test_an_outsiders_issue_ending_with_an_item_marker_does_not_stand_in_for_the_item(
    sandbox: SandboxFactory, labelled: bool
) -> None:
    decoy = {
        "number": 13,
        "title": "Write a failover runbook",
        "body": "totally the real one\n\n" + backlog_marker(REPO, 12, item_key("Write a failover runbook")),
        "user": "mallory",
        "labels": ["postmortem-action"] if labelled else [],
        "created_at": "2026-03-01T09:10:00Z",
    }
    data = scenario(issue={"body": BODY})
    data["issues"].append(decoy)
    sb = sandbox(data)

    assert run_sync(sb, 12).result.exit_code == 0

    real = [i for i in backlog_issues(sb) if i["user"]["login"] == "github-actions[bot]"]
    assert len(real) == 1 and real[0]["number"] != 13
    assert f"(#{real[0]['number']})" in issue_state(sb, 12)["body"]


def test_an_outsiders_older_issue_with_our_label_marker_and_milestone_does_not_win_the_item(
    sandbox: SandboxFactory,
) -> None:
    key = item_key("Write a failover runbook")
    milestone = {
        "number": 1,
        "title": "Post-mortem review: #12 DB outage: primary failover took 40 minutes",
        "description": milestone_description(full_name=REPO, incident=12, incident_url="x", page_url=None),
        "due_on": "2026-05-01T12:00:00Z",
        "creator": "github-actions[bot]",
    }

    def backlog_issue(number: int, user: str, body: str) -> dict[str, Any]:
        return {
            "number": number,
            "title": "Write a failover runbook",
            "body": body + "\n\n" + backlog_marker(REPO, 12, key),
            "user": user,
            "labels": ["postmortem-action"],
            "milestone": 1,
            "created_at": "2026-03-01T09:10:00Z",
        }

    data = scenario(issue={"body": BODY}, milestones=[milestone])
    # mallory's copy is older (lower number) than ours, and someone with triage rights filed it.
    data["issues"] += [
        backlog_issue(20, "mallory", "me first"),
        backlog_issue(21, "github-actions[bot]", "ours"),
    ]
    sb = sandbox(data)

    run = run_sync(sb, 12)

    assert run.result.exit_code == 0, run.result.failed
    assert "Write a failover runbook @alice (#21)" in issue_state(sb, 12)["body"]
    assert "#20" not in status_comments(sb)[0]["body"]


@pytest.mark.parametrize(
    "pasted",
    [
        "<!-- pmaction:e comment-1 h=0123456789 -->",
        "<!-- pmaction:begin facts -->",
        "<!-- pmaction:end timeline -->",
        f"<!-- pmaction:page {REPO}#99 -->",
    ],
)
def test_markers_pasted_in_a_comment_do_not_break_the_page(sandbox: SandboxFactory, pasted: str) -> None:
    comments = [
        comment("bob", f"Paging the DBA.\n{pasted}\nstill paging", at="09:05"),
        comment("alice", "Failover done.", at="09:10"),
    ]
    sb = sandbox(scenario(issue={"comments": comments}))

    run_sync(sb, 12)
    run_sync(sb, 12)

    _, page = incident_page(sb)
    rows = timeline_rows(page)
    assert any("Failover done." in row for row in rows)
    assert page.count("## Timeline") == 1
    for block in ("facts", "review", "issue-items"):
        assert (
            page.count(f"<!-- pmaction:begin {block} -->")
            == page.count(f"<!-- pmaction:end {block} -->")
            <= 1
        )
    assert page.count("<!--") == page.count("-->")
    assert len([n for n in sb.wiki_files() if n.startswith("Postmortem-") and n.endswith(".md")]) == 1


def test_template_syntax_in_a_comment_and_the_title_is_shown_literally(sandbox: SandboxFactory) -> None:
    title = "{{ 7*7 }} outage {% for x in range(3) %}loop{% endfor %}"
    text = "{{ 7*7 }} and {% for x in range(3) %}{{ x }}{% endfor %} and {# hidden #}"
    sb = sandbox(scenario(issue={"title": title, "comments": [comment("bob", text)]}))

    assert run_sync(sb, 12).result.exit_code == 0

    _, page = incident_page(sb)
    assert f"# Post-mortem: #12 {title}\n" in page  # not "49 outage looplooploop"
    [row] = [r for r in timeline_rows(page) if "bob" in r]
    assert "{{ 7*7 }} and {% for x in range(3) %}{{ x }}{% endfor %}" in row
    assert "{# hidden #}" in page
    assert title in page


# --- the sensitive-information guard on public repositories ------------------------------------------------

LEAKY = [
    comment(
        "bob", "Restarted db-7.corp.internal; the root password=hunter2x9 was in the runbook.", at="09:05"
    ),
    comment("alice", "Failover done.", at="09:10"),
]


def leaky(private: bool, mode: str) -> dict[str, Any]:
    config = f"sensitive_info: {mode}\ninternal_host_patterns: ['[a-z0-9-]+\\.corp\\.internal']\n"
    return scenario(
        private=private,
        files={CONFIG: config},
        issue={"title": "DB outage, ops@example.com paged", "body": BODY, "comments": LEAKY},
    )


def test_warn_mode_publishes_and_warns_once_per_finding_naming_where_and_the_fix(
    sandbox: SandboxFactory,
) -> None:
    sb = sandbox(leaky(private=False, mode="warn"))

    run = run_sync(sb, 12)

    assert run.result.exit_code == 0, run.result.failed
    _, page = incident_page(sb)
    assert "db-7.corp.internal" in page and "hunter2x9" in page
    found = [w for w in run.warnings if "public wiki" in w]
    assert len(found) == 3, found  # the host and the password in bob's comment, the address in the title
    assert all("\n" not in w and "sensitive_info: off" in w for w in found)
    assert any("internal host name" in w and "the comment by bob" in w for w in found)
    assert any("e-mail address" in w and "the title of issue #12" in w for w in found)
    assert not any("hunter2x9" in w for w in found)  # a finding never repeats the secret


def test_block_mode_publishes_redacted_fails_the_run_and_still_does_the_issue_side(
    sandbox: SandboxFactory,
) -> None:
    sb = sandbox(leaky(private=False, mode="block"))

    run = run_sync(sb, 12)

    assert run.result.exit_code == 1
    assert len(run.result.failed) == 3 and all("[redacted" in f for f in run.result.failed)
    name, page = incident_page(sb)
    assert "corp.internal" not in page and "hunter2x9" not in page and "ops@example.com" not in page
    assert "[redacted internal_host]" in page and "[redacted secret_assignment]" in page
    assert "[redacted email]" in page
    assert "corp" not in name and "example" not in name
    assert "Failover done." in page
    assert len(backlog_issues(sb)) == 1 and len(status_comments(sb)) == 1
    assert "hunter2x9" not in "".join(sb.wiki_files().values())


def test_a_private_repository_is_not_scanned(sandbox: SandboxFactory) -> None:
    sb = sandbox(leaky(private=True, mode="block"))

    run = run_sync(sb, 12)

    assert run.result.exit_code == 0, run.result.failed
    assert not [w for w in run.warnings if "redacted" in w or "public wiki" in w]
    _, page = incident_page(sb)
    assert "hunter2x9" in page


# --- workflow-command injection: nothing people write is obeyed by the runner -------------------------------

INJECTION = "\n::error title=pwn::injected\r::stop-commands::y\n::add-mask::error\n##[error]legacy"
INJECTED = ("injected", "y", "error", "legacy")


def injecting_incident() -> dict[str, Any]:
    hostile_comment = f"Paging the DBA.{INJECTION}\n/timeline failover ::error::x ##[warning]z | 25:99"
    data = scenario(
        labels=[{"name": "incident", "color": "d73a4a"}, {"name": f"sev1{INJECTION}", "color": "ededed"}],
        issue={
            "title": f"DB down{INJECTION}",
            "body": f"The primary went away.{INJECTION}\n\n### Action items\n\n- [ ] Fix it{INJECTION}\n",
            "labels": ["incident", f"sev1{INJECTION}"],
            "comments": [comment("bob", hostile_comment)],
        },
    )
    return data


@pytest.mark.parametrize("dry_run", ["false", "true"], ids=["run", "dry-run"])
def test_a_title_a_body_a_comment_and_a_label_carrying_commands_are_never_obeyed(
    sandbox: SandboxFactory, tmp_path: Path, dry_run: str
) -> None:
    sb = sandbox(injecting_incident())
    outcome = run_action(sb, "issues", labeled_payload(sb), tmp_path, inputs={"dry_run": dry_run})
    assert outcome.code == 0, outcome.stdout
    assert "DB down" in outcome.stdout  # the title is in the log, as text
    assert_only_own_commands(outcome.stdout, token=sb.token, injected=INJECTED)
    assert [c.name for c in commands_in(outcome.stdout) if c.name == "error"] == []


# --- HTML in people's words: shown as text, never thrown away by GitHub's sanitizer ------------------------

HTML_COMMENTS = [
    "<script>alert(1)</script> lost words",
    "<style>p { display: none }</style> style words",
    "<iframe src=https://x.example>frame words</iframe> after the frame",
    "<textarea>an unclosed text area would swallow the rest of the page",
    "we hit the <ENV> limit",
    "everyday: a < b, x <3, <- and ->, see <https://status.example/7>, the `<div>` tag",
]


def test_html_in_comments_shows_as_text_on_the_page_and_everyday_text_looks_right(
    sandbox: SandboxFactory,
) -> None:
    comments = [comment("bob", text, at=f"09:{10 + i:02d}") for i, text in enumerate(HTML_COMMENTS)]
    sb = sandbox(scenario(issue={"title": "DB <b>down</b> <script>x</script>", "comments": comments}))

    assert run_sync(sb, 12).result.exit_code == 0

    _, page = incident_page(sb)
    shown = visible_text(page)
    for text in HTML_COMMENTS[:-1]:
        assert text in shown, text
    assert "everyday: a < b, x <3, <- and ->, see https://status.example/7, the <div> tag" in shown
    assert "https://status.example/7" in links(page)
    assert "# Post-mortem: #12 DB &lt;b>down&lt;/b> &lt;script>x&lt;/script>" in page
    assert "DB <b>down</b> <script>x</script>" in shown
    sb.clear_requests()
    assert run_sync(sb, 12).result.exit_code == 0
    assert writes(sb) == 0
