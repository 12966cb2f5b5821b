"""Bad input of every kind gets one line that names the fix, and loses nothing: wrong input values, a broken
config file, the wrong issue, a token or wiki that is not ready, huge texts, thousands of comments, hard
titles, unreadable times, repeated items, Markdown that would break a table, events pmaction does not handle.

docs/bad-input.md lists every case with its message and the test that proves it (here and elsewhere).
"""

from __future__ import annotations

import pytest
from conftest import SandboxFactory
from helpers import (
    backlog_issues,
    incident_page,
    issue_state,
    run_event,
    run_sync,
    scenario,
    status_comments,
    timeline_rows,
    wiki_commits,
    write_log,
    writes,
)

from pmaction.engine import run
from pmaction.errors import ConfigError, PmactionError
from pmaction.items.issue_text import BODY_LIMIT, TITLE_LIMIT
from pmaction.reporter import CollectingReporter
from pmaction.run.context import Event, RunContext

CONFIG = ".github/postmortem.yml"


def one_line(error: BaseException | str, *fragments: str) -> str:
    message = str(error)
    assert "\n" not in message, message
    for fragment in fragments:
        assert fragment in message, message
    return message


def items_body(*lines: str, before: str = "Primary database went away at 08:55 UTC.") -> str:
    return before + "\n\n### Action items\n\n" + "".join(f"{line}\n" for line in lines)


# --- inputs with a wrong value: refused before any request -------------------------------------------

WRONG_INPUTS = [
    ("incident_label", "sev,1", "incident_label: 'sev,1' is not a label name"),
    ("action_label", "", "action_label: '' is not a label name"),
    ("review_after", "soon", "review_after: 'soon'"),
    ("timezone", "Mars/Olympus_Mons", "timezone: 'Mars/Olympus_Mons' is not an IANA time zone"),
    ("command", "deploy", "command: 'deploy' is not a command; use one of auto, sync, nag, report"),
    ("issue_number", "twelve", "issue_number: 'twelve' is not an issue number"),
    ("config_file", "../secrets.yml", "config_file: '../secrets.yml' must be a path inside the repository"),
    ("dry_run", "perhaps", "dry_run: 'perhaps' is not a boolean; use true or false"),
    ("seconds_between_requests", "-1", "seconds_between_requests: '-1' is out of range"),
    ("remind_before_days", "a week", "remind_before_days: 'a week' is not a whole number"),
    (
        "seconds_between_writes",
        "inf",
        "seconds_between_writes: 'inf' is out of range; use a number of seconds",
    ),
]


@pytest.mark.parametrize(("name", "value", "fragment"), WRONG_INPUTS, ids=[case[0] for case in WRONG_INPUTS])
def test_a_wrong_input_value_stops_before_any_request_naming_the_input(
    sandbox: SandboxFactory, name: str, value: str, fragment: str
) -> None:
    sb = sandbox(scenario())
    inputs = {"command": "sync", "issue_number": "12", name: value}

    with pytest.raises(ConfigError) as caught:
        run_event(sb, Event("workflow_dispatch"), **inputs)

    one_line(caught.value, fragment)
    assert sb.requests() == []


# --- the config file ------------------------------------------------------------------------------------

CONFIG_FILES = [
    ("review_after: 2 months\n  timezone: UTC\n", f"{CONFIG}:2:11: YAML syntax error"),
    ("review_after: [2 months\n", f"{CONFIG}:2:1: YAML syntax error"),
    ("reveiw_after: 2 months\n", f"{CONFIG}: unknown option(s) reveiw_after; known options:"),
    ("- review_after: 2 months\n", f"{CONFIG}: expected a mapping of options (key: value), got list"),
    ("sensitive_info: loud\n", "sensitive_info: 'loud' is not allowed; use one of warn, block, off"),
    (
        "internal_host_patterns: ['([a-z']\n",
        "internal_host_patterns: '([a-z' is not a valid regular expression",
    ),
    ("type_taxonomy: [fix it]\n", "type_taxonomy: ['fix it'] must be a non-empty list of words"),
    ("index_page: 'Post/mortems'\n", "index_page: 'Post/mortems' is not a wiki page name"),
    ("template: .github/missing.md.j2\n", "template: .github/missing.md.j2 does not exist in the repository"),
    (
        "review_after: 2 months\ntimezone: UTC\nreview_after: 6 weeks\n",
        f"{CONFIG}: review_after is set twice (lines 1 and 3): keep one",
    ),
]


@pytest.mark.parametrize(
    ("text", "fragment"), CONFIG_FILES, ids=[c[1].split(":")[0] + str(i) for i, c in enumerate(CONFIG_FILES)]
)
def test_a_broken_config_file_stops_before_any_write_naming_file_line_and_column_or_the_option(
    sandbox: SandboxFactory, text: str, fragment: str
) -> None:
    sb = sandbox(scenario(files={CONFIG: text}))

    with pytest.raises(ConfigError) as caught:
        run_sync(sb, 12)

    one_line(caught.value, fragment)
    assert writes(sb) == 0, write_log(sb)


@pytest.mark.parametrize("value", ["99999 months", "40 months", "200 weeks", "1100 days"])
def test_a_review_after_too_long_says_the_longest_period(sandbox: SandboxFactory, value: str) -> None:
    sb = sandbox(scenario())

    with pytest.raises(ConfigError) as caught:
        run_sync(sb, 12, review_after=value)

    one_line(
        caught.value, f"review_after: {value!r} is longer than", "at most 1098 days, 156 weeks or 35 months"
    )
    assert "write N days" not in str(caught.value)
    assert sb.requests() == []


# --- the wrong issue ---------------------------------------------------------------------------------


def test_a_missing_issue_number_is_one_line_naming_what_to_check(sandbox: SandboxFactory) -> None:
    sb = sandbox(scenario())

    with pytest.raises(PmactionError) as caught:
        run_sync(sb, 99)

    one_line(caught.value, "read issue #99 (404)", "check the repository, the issue number")
    assert writes(sb) == 0


def test_a_comment_on_a_labelled_pull_request_is_skipped_with_a_notice(sandbox: SandboxFactory) -> None:
    sb = sandbox(scenario())
    payload = {
        "action": "created",
        "issue": {"number": 13, "pull_request": {"url": "x"}, "labels": [{"name": "incident"}]},
        "comment": {"body": "looks good"},
    }

    run = run_event(sb, Event("issue_comment", payload))

    assert run.result.command == "skip"
    assert run.notices == ["#13 is a pull request, not an incident issue: skipped"]
    assert writes(sb) == 0


def test_a_repository_with_issues_disabled_says_to_enable_them(sandbox: SandboxFactory) -> None:
    sb = sandbox(scenario(has_issues=False))

    with pytest.raises(PmactionError) as caught:
        run_sync(sb, 12)

    one_line(caught.value, "Issues are disabled", "enable Issues in the repository settings")


# --- events pmaction does not handle, and payloads that do not fit ---------------------------------------


@pytest.mark.parametrize(
    ("event", "fragment"),
    [
        (Event("pull_request", {"number": 3}), "pmaction does not handle the 'pull_request' event"),
        (Event("issues", {"action": "labeled"}), "the issues event payload has no issue"),
        (
            Event("issue_comment", {"action": "created", "issue": None}),
            "the issue_comment event payload has no",
        ),
    ],
    ids=["pull_request", "issues-without-issue", "issue_comment-without-issue"],
)
def test_an_event_pmaction_cannot_use_is_one_line_naming_the_triggers(
    sandbox: SandboxFactory, event: Event, fragment: str
) -> None:
    sb = sandbox(scenario())

    with pytest.raises(ConfigError) as caught:
        run_event(sb, event)

    one_line(caught.value, fragment)
    assert writes(sb) == 0


# --- tokens without the permissions a step needs -------------------------------------------------------


def test_a_read_only_token_on_the_nag_names_the_permissions_entry(sandbox: SandboxFactory) -> None:
    from test_crash import overdue_review

    data = overdue_review()
    data["tokens"] = [
        {"token": "ghs_read", "permissions": {"issues": "read", "contents": "read", "metadata": "read"}}
    ]
    sb = sandbox(data)

    run = run_event(sb, Event("schedule", {"schedule": "0 9 * * *"}))

    [message] = run.result.failed
    one_line(message, "issues: write")
    assert "ghs_read" not in message
    assert run.result.exit_code == 1


# --- huge texts ------------------------------------------------------------------------------------------


def test_a_body_and_a_comment_at_github_limit_still_make_a_page_and_a_short_status_comment(
    sandbox: SandboxFactory,
) -> None:
    body = "The primary went away. " + "B" * (BODY_LIMIT - 23)
    comment = "Paging the DBA. " + "C" * (BODY_LIMIT - 16)
    sb = sandbox(
        scenario(
            issue={
                "body": body,
                "comments": [{"user": "bob", "created_at": "2026-03-01T09:05:00Z", "body": comment}],
            }
        )
    )

    run = run_sync(sb, 12)

    assert run.result.exit_code == 0, run.result.failed
    _, page = incident_page(sb)
    [row] = [r for r in timeline_rows(page) if "Paging the DBA" in r]
    assert "C" * 1000 in row  # the whole observation is kept, on one table row
    [status] = status_comments(sb)
    assert len(status["body"]) < 2000


def test_items_in_a_body_too_long_to_annotate_get_their_issues_and_a_warning_not_a_failure(
    sandbox: SandboxFactory,
) -> None:
    tail = items_body("- [ ] Alarm on replica lag @alice #detect", before="")
    body = "B" * (BODY_LIMIT - len(tail)) + tail
    sb = sandbox(scenario(issue={"body": body}))

    run = run_sync(sb, 12)

    assert run.result.exit_code == 0, run.result.failed
    [made] = backlog_issues(sb)
    assert issue_state(sb, 12)["body"] == body  # not touched: GitHub would refuse it
    assert any("too long to link its action items" in w and "shorten it" in w for w in run.warnings)
    [status] = status_comments(sb)
    assert f"#{made['number']} Alarm on replica lag" in status["body"]
    assert run_sync(sb, 12).result.exit_code == 0 and len(backlog_issues(sb)) == 1  # and again: no duplicate


def test_an_item_title_longer_than_github_allows_is_cut_between_words(sandbox: SandboxFactory) -> None:
    long_title = " ".join(["replica"] * 40)  # 319 characters
    sb = sandbox(scenario(issue={"body": items_body(f"- [ ] {long_title} @alice")}))

    run = run_sync(sb, 12)

    assert run.result.exit_code == 0, run.result.failed
    [made] = backlog_issues(sb)
    assert len(made["title"]) <= TITLE_LIMIT
    assert long_title.startswith(made["title"].rstrip("…").rstrip())
    assert long_title in made["body"]  # the whole text is kept in the issue body


def test_three_thousand_comments_are_read_page_by_page_quickly(sandbox: SandboxFactory) -> None:
    comments = [
        {
            "user": "bob" if i % 10 == 0 else "mallory",
            "created_at": f"2026-03-01T09:{i // 60 % 60:02d}:{i % 60:02d}Z",
            "body": f"note {i}",
        }
        for i in range(3000)
    ]
    sb = sandbox(scenario(issue={"comments": comments}))

    run = run_sync(sb, 12)

    assert run.result.exit_code == 0, run.result.failed
    pages = [
        r
        for r in sb.requests()
        if r["route"] == "/repos/{owner}/{repo}/issues/{issue_number}/comments" and r["method"] == "GET"
    ]
    # 100 a page, and after creating the status comment one page of those updated since the newest read
    assert len(pages) == 31
    _, page = incident_page(sb)
    rows = timeline_rows(page)
    assert sum("note " in row for row in rows) == 300  # bob's; mallory is not a collaborator


# --- hard titles: the page name is safe, the title is shown as written ----------------------------------


@pytest.mark.parametrize(
    "title",
    ["Rotate keys/creds for api/v2", "../../Home", "Fix 🔥 alarms 🚨", "إضافة تنبيه للنسخ المتماثلة"],
    ids=["slash", "dotdot", "emoji", "rtl"],
)
def test_item_titles_with_slashes_dots_emoji_or_rtl_text_become_issues_as_written(
    sandbox: SandboxFactory, title: str
) -> None:
    sb = sandbox(scenario(issue={"title": title, "body": items_body(f"- [ ] {title} @alice")}))

    run = run_sync(sb, 12)

    assert run.result.exit_code == 0, run.result.failed
    [made] = backlog_issues(sb)
    assert made["title"] == title
    name, page = incident_page(sb)
    assert "/" not in name and not name.startswith(".")
    assert title in page
    assert sb.wiki_files()["Home.md"] == "Welcome to the octo-repo wiki!\n"


# --- unreadable times: warned about, quoted, kept -------------------------------------------------------


def test_a_timeline_command_with_an_unreadable_time_is_kept_and_the_warning_quotes_it(
    sandbox: SandboxFactory,
) -> None:
    comment = {
        "user": "bob",
        "created_at": "2026-03-01T09:05:00Z",
        "body": "/timeline restarted the db | 25:99",
    }
    sb = sandbox(scenario(issue={"comments": [comment]}))

    run = run_sync(sb, 12)

    assert run.result.exit_code == 0
    [warning] = [w for w in run.warnings if "/timeline" in w]
    one_line(warning, '"/timeline restarted the db | 25:99"', "YYYY-MM-DD HH:MM TZ")
    _, page = incident_page(sb)
    assert any("restarted the db" in row for row in timeline_rows(page))


@pytest.mark.parametrize("stamp", ["9999-12-31 23:30 EST", "0001-01-01 00:10 CET", "9999-12-31 23:59 UTC"])
def test_a_back_dated_time_out_of_range_is_time_unknown_with_a_warning_naming_the_comment(
    sandbox: SandboxFactory, stamp: str
) -> None:
    comment = {
        "user": "bob",
        "created_at": "2026-03-01T09:05:00Z",
        "body": f"/timeline failover done | {stamp}",
    }
    sb = sandbox(scenario(issue={"comments": [comment]}))

    run = run_sync(sb, 12, timezone="Pacific/Kiritimati")

    assert run.result.exit_code == 0, run.result.failed
    [warning] = [w for w in run.warnings if "/timeline" in w]
    url = issue_state(sb, 12)["comments"][0]["html_url"]
    one_line(warning, "comment by bob", url, f'"/timeline failover done | {stamp}"')
    _, page = incident_page(sb)
    assert next(row for row in timeline_rows(page) if "failover done" in row).startswith("| time unknown |")
    assert run_sync(sb, 12, timezone="Pacific/Kiritimati").result.exit_code == 0  # and every later sync


def test_a_body_timeline_line_without_a_time_is_kept_and_the_warning_quotes_it(
    sandbox: SandboxFactory,
) -> None:
    body = "What happened.\n\n## Timeline\n\n- 08:55 UTC primary down\n- sometime later: replica promoted\n"
    sb = sandbox(scenario(issue={"body": body}))

    run = run_sync(sb, 12)

    assert run.result.exit_code == 0
    [warning] = [w for w in run.warnings if w.startswith("Line 6 of the issue body has no time")]
    one_line(warning, '"- sometime later: replica promoted"')
    _, page = incident_page(sb)
    assert any("replica promoted" in row for row in timeline_rows(page))


# --- repeated items --------------------------------------------------------------------------------------


def test_a_repeated_action_item_makes_one_issue_and_a_warning(sandbox: SandboxFactory) -> None:
    sb = sandbox(
        scenario(issue={"body": items_body("- [ ] Fix the alarm @alice", "- [ ] Fix  the alarm @alice")})
    )

    run = run_sync(sb, 12)

    assert run.result.exit_code == 0
    assert len(backlog_issues(sb)) == 1
    [warning] = [w for w in run.warnings if "repeats the action item" in w]
    one_line(warning, "only one backlog issue is made")


# --- Markdown that would break the timeline table ---------------------------------------------------------


def test_pipes_newlines_and_an_open_html_comment_in_a_comment_keep_the_table_intact(
    sandbox: SandboxFactory,
) -> None:
    nasty = "cause | effect || x\n\nsecond paragraph\n<!-- never closed\n| a | b |\n|---|---|"
    comments = [
        {"user": "bob", "created_at": "2026-03-01T09:05:00Z", "body": nasty},
        {"user": "alice", "created_at": "2026-03-01T09:10:00Z", "body": "Failover done."},
    ]
    sb = sandbox(scenario(issue={"comments": comments}))

    run = run_sync(sb, 12)

    assert run.result.exit_code == 0
    _, page = incident_page(sb)
    rows = timeline_rows(page)
    assert len(rows) == 3  # announced, bob's, alice's: one row each
    assert any("Failover done." in row for row in rows)
    nasty_row = next(row for row in rows if "cause" in row)
    cells = nasty_row.replace("\\|", "").strip("|").split("|")
    assert len(cells) == len(
        rows[0].replace("\\|", "").strip("|").split("|")
    )  # same columns as its neighbours
    assert "second paragraph" in nasty_row and "never closed" in nasty_row  # nothing lost
    assert "<!-- never" not in nasty_row  # cannot hide the rest of the page
    assert page.count("<!--") == page.count("-->")  # every hidden comment on the page is closed


def test_an_empty_token_is_refused_before_any_request(sandbox: SandboxFactory) -> None:
    sb = sandbox(scenario())

    ctx = RunContext(repo=sb.repo, api_url=sb.api_url, server_url=sb.server_url, token="")

    with pytest.raises(ConfigError) as caught:
        run(ctx, {"command": "sync", "issue_number": "12"}, CollectingReporter())

    one_line(caught.value, "github_token is empty", "github.token")
    assert sb.requests() == []


def test_a_title_with_control_characters_still_makes_the_page_and_its_commit(sandbox: SandboxFactory) -> None:
    sb = sandbox(scenario(issue={"title": "DB \x00down\x07 \x1b[31mnow"}))

    run = run_sync(sb, 12)

    assert run.result.exit_code == 0, run.result.failed
    _, page = incident_page(sb)
    assert "# Post-mortem: #12 DB down [31mnow" in page
    assert wiki_commits(sb)[0]["message"].startswith("pmaction: post-mortem of #12 DB down [31mnow")
