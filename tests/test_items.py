"""Agreed action items: read from the post mortem, linked to their backlog issue in place, described."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date

import pytest

from pmaction.items.edit import annotate, set_checked
from pmaction.items.issue_text import LABEL_STYLE, backlog_body, backlog_labels, backlog_title
from pmaction.items.parse import DEFAULT_TAXONOMY, ActionItem, item_key, parse_action_items
from pmaction.text.markers import Ref, item_marker, parse_item_marker


def agreed(markdown: str, **kwargs: object) -> list[ActionItem]:
    return list(parse_action_items(markdown, origin="body", **kwargs).agreed)  # type: ignore[arg-type]


def one(line: str, **kwargs: object) -> ActionItem:
    items = agreed(f"## Action items\n{line}\n", **kwargs)
    assert len(items) == 1, items
    return items[0]


POSTMORTEM = """\
# Checkout outage

## Summary
- [ ] a task in the summary is not an action item

## Action items
- [ ] Alert on queue depth @alice #detect P1 due:2024-05-01
- [x] Roll back with one command #mitigate (#42)
* [X] Load test the payment path #test
+ [ ] Runbook for the queue
1. [ ] Page the on-call for queue stalls
  - [ ] Sub-item: dashboards per region
- Maybe rewrite the queue (a plain bullet is only a proposal)

```
- [ ] an item inside a code fence
```

<!-- pmaction:begin issue-items -->
- [ ] our own copy of an issue item
<!-- pmaction:end issue-items -->

### Ideas
- [ ] Move to another cloud
- Fewer deploys on Fridays

### Detection
- [ ] Synthetic checkout probe

## Timeline
- [ ] an item after the section ended
"""


# --- Which items were agreed --------------------------------------------------------------------------------


def test_task_items_under_action_items_are_agreed_everything_else_is_not() -> None:
    parsed = parse_action_items(POSTMORTEM, origin="page")
    assert [item.title for item in parsed.agreed] == [
        "Alert on queue depth",
        "Roll back with one command",
        "Load test the payment path",
        "Runbook for the queue",
        "Page the on-call for queue stalls",
        "Sub-item: dashboards per region",
        "Synthetic checkout probe",  # a sub-heading inside the section stays in it
    ]
    assert {item.origin for item in parsed.agreed} == {"page"}
    assert parsed.proposals == (
        "Maybe rewrite the queue (a plain bullet is only a proposal)",
        "Move to another cloud",
        "Fewer deploys on Fridays",
    )
    assert parsed.warnings == ()
    assert parsed.duplicates == ()


def test_every_box_style_is_read_and_upper_case_x_counts_as_done() -> None:
    checked = {item.title: item.checked for item in agreed(POSTMORTEM)}
    assert checked["Alert on queue depth"] is False
    assert checked["Roll back with one command"] is True
    assert checked["Load test the payment path"] is True


def test_line_index_and_raw_point_at_the_source_line() -> None:
    lines = POSTMORTEM.split("\n")
    for item in agreed(POSTMORTEM):
        assert lines[item.line_index] == item.raw


@pytest.mark.parametrize(
    "heading",
    [
        "## Action items",
        "# ACTION ITEMS",
        "### Action Items:",
        "#### Actions items",
        "## Action item",
        "**Action items:**",
        "Action items\n---",
        "Action items\n============",
        "## Follow-up action items",
    ],
)
def test_the_action_items_heading_is_recognised_in_its_usual_spellings(heading: str) -> None:
    assert [item.title for item in agreed(f"{heading}\n- [ ] Add an alert\n")] == ["Add an alert"]


@pytest.mark.parametrize("heading", ["## Proposed action items", "## Proposals", "## Ideas", "## Actions"])
def test_other_headings_do_not_make_items_agreed(heading: str) -> None:
    assert agreed(f"{heading}\n- [ ] Add an alert\n") == []


def test_the_section_ends_at_a_heading_of_the_same_or_a_higher_level() -> None:
    markdown = "### Action items\n- [ ] one\n#### Detail\n- [ ] two\n## Next\n- [ ] three\n"
    assert [item.title for item in agreed(markdown)] == ["one", "two"]


def test_an_unclosed_html_comment_hides_the_items_it_contains() -> None:
    markdown = "## Action items\n<!-- template help:\n- [ ] Example item @someone\n-->\n- [ ] Real item\n"
    assert [item.title for item in agreed(markdown)] == ["Real item"]


def test_tilde_fences_and_longer_fences_are_ignored_too() -> None:
    markdown = "## Action items\n~~~md\n- [ ] no\n~~~\n````\n```\n- [ ] no\n````\n- [ ] yes\n"
    assert [item.title for item in agreed(markdown)] == ["yes"]


def test_empty_boxes_are_skipped_with_a_warning() -> None:
    parsed = parse_action_items("## Action items\n- [ ] @alice #detect\n- [ ]\n", origin="body")
    assert parsed.agreed == ()
    assert len(parsed.warnings) == 2
    assert "line 2" in parsed.warnings[0] and "line 3" in parsed.warnings[1]


def test_an_action_item_below_a_block_whose_end_line_was_deleted_is_still_agreed() -> None:
    # Someone deleted "<!-- pmaction:end issue-items -->" on the page: the begin line is text now (the page
    # merge reads it so too), and the items below it are the team's as before.
    page = (
        "## Action items\n\n"
        "<!-- pmaction:begin issue-items -->\n"
        "**From the incident issue** (edit these on the issue):\n\n"
        "_No action items in the incident issue._\n\n"
        "- [ ] Add a runbook check @bob #process\n\n"
        "## Review\n\n"
        "<!-- pmaction:begin review -->\n_No review scheduled yet._\n<!-- pmaction:end review -->\n"
    )
    parsed = parse_action_items(page, origin="page")
    assert [item.title for item in parsed.agreed] == ["Add a runbook check"]


def test_one_line_of_triple_backtick_code_does_not_hide_the_items_below() -> None:
    # "```make check```" is inline code on GitHub (a backtick fence's info string has no backtick).
    markdown = "## Action items\n```make check``` must pass first.\n- [ ] Add a smoke test\n"
    assert [item.title for item in agreed(markdown)] == ["Add a smoke test"]


def test_an_unfinished_comment_after_an_item_hides_neither_it_nor_the_items_below() -> None:
    # GitHub shows "<!-- later" as text: an inline comment must close within its paragraph.
    markdown = "## Action items\n- [ ] Fix the alert <!-- later\n- [ ] Page the DBA\n"
    assert [item.title for item in agreed(markdown)] == ["Fix the alert <!-- later", "Page the DBA"]


def test_a_generated_block_right_after_an_unclosed_comment_is_still_ours_not_the_teams() -> None:
    # The begin line's "-->" closes the comment, and the block (copies of the issue's items) stays hidden.
    page = (
        "## Action items\n<!-- notes from the meeting\n"
        "<!-- pmaction:begin issue-items -->\n"
        "- [ ] copy of an issue item (#3)\n"
        "<!-- pmaction:end issue-items -->\n"
        "- [ ] Our own item\n"
    )
    assert [item.title for item in agreed(page)] == ["Our own item"]


# --- What one item says -------------------------------------------------------------------------------------


def test_every_syntax_element_is_read_and_removed_from_the_title() -> None:
    item = one("- [ ] Alert on queue depth @alice @bob-smith #prevent p2 due:2024-05-01 (#123)")
    assert item.title == "Alert on queue depth"
    assert item.owners == ("alice", "bob-smith")
    assert item.type == "prevent"
    assert item.priority == "P2"
    assert item.due == date(2024, 5, 1)
    assert item.ref == 123


def test_owners_written_with_a_label_and_commas() -> None:
    item = one("- [ ] Rotate the keys (owners: @alice, @bob)")
    assert item.title == "Rotate the keys"
    assert item.owners == ("alice", "bob")


def test_unrecognised_tokens_stay_in_the_text() -> None:
    item = one("- [ ] Fix #77 and tag #security before P5 or MP3 #preventive")
    assert item.title == "Fix #77 and tag #security before P5 or MP3 #preventive"
    assert (item.type, item.priority, item.ref, item.owners) == (None, None, None, ())


def test_only_a_trailing_reference_is_ours() -> None:
    item = one("- [ ] Follow up on (#77) in the review")
    assert item.ref is None
    assert item.title == "Follow up on (#77) in the review"


@pytest.mark.parametrize(
    "text",
    [
        "- [ ] Upgrade the NFS chart (see https://github.com/2i2c-org/jupyterhub-home-nfs/pull/34).",
        "- [ ] Drop the share job, cf. https://github.com/other/chart/issues/12",
        "- [ ] Pin the base image, e.g. [the pin](https://github.com/other/app/pull/9)",
    ],
)
def test_a_link_the_item_points_to_for_context_is_not_its_issue(text: str) -> None:
    item = one(text)
    assert (item.ref, item.tracked) == (None, None)
    assert "github.com" in item.text


def test_a_link_that_ends_the_item_without_a_pointer_word_is_its_issue() -> None:
    item = one("- [x] Harden the deployer \u2014 https://github.com/2i2c-org/infrastructure/pull/6555")
    assert item.tracked == "https://github.com/2i2c-org/infrastructure/pull/6555"


@pytest.mark.parametrize(
    "text",
    [
        "mail ops@example.com",  # e-mail address
        "ping @acme/sre",  # team mention: cannot be assigned
        "rename `@deprecated`",  # code span
        "see https://example.com/@alice",  # URL
        "ask @-bad",  # not a login
        "ask @" + "a" * 40,  # longer than GitHub allows
        "ask @double--hyphen",
    ],
)
def test_things_that_look_like_owners_but_are_not(text: str) -> None:
    item = one(f"- [ ] {text}")
    assert item.owners == ()
    assert item.title == text


def test_the_longest_login_github_allows_is_an_owner() -> None:
    login = "a" + "-b" * 19  # 39 characters
    assert one(f"- [ ] Do it @{login}").owners == (login,)


def test_a_type_in_a_link_or_code_is_not_a_type() -> None:
    item = one("- [ ] Read [the doc](https://example.com/#prevent) and `#detect`")
    assert item.type is None


def test_the_type_taxonomy_is_configurable() -> None:
    item = one("- [ ] Add a canary #Observe #detect", taxonomy=("observe", "fix"))
    assert item.type == "observe"
    assert item.title == "Add a canary #detect"
    assert DEFAULT_TAXONOMY == ("mitigate", "prevent", "detect", "process", "test")


def test_two_types_or_priorities_keep_the_first_and_warn() -> None:
    parsed = parse_action_items("## Action items\n- [ ] Do it #detect #prevent P1 P3\n", origin="body")
    (item,) = parsed.agreed
    assert (item.type, item.priority, item.title) == ("detect", "P1", "Do it")
    assert len(parsed.warnings) == 2


def test_an_impossible_due_date_stays_in_the_text_with_a_warning() -> None:
    parsed = parse_action_items("## Action items\n- [ ] Do it due:2024-02-30\n", origin="body")
    (item,) = parsed.agreed
    assert item.due is None
    assert item.title == "Do it due:2024-02-30"
    assert "due:2024-02-30" in parsed.warnings[0]


# --- Identity -----------------------------------------------------------------------------------------------


def test_the_key_is_a_hash_of_the_normalised_title() -> None:
    item = one("- [ ] Alert on  Queue Depth! @alice #detect")
    assert item.key == hashlib.sha1(b"alert on queue depth").hexdigest()[:12]
    assert item.key == item_key("alert on queue depth")


def test_owners_type_and_reference_do_not_change_the_key() -> None:
    assert one("- [ ] Alert on queue depth").key == one("- [x] Alert on queue depth @bob #detect P0 (#9)").key


def test_a_repeated_item_is_reported_once_as_a_duplicate() -> None:
    markdown = "## Action items\n- [ ] Add an alert @alice\n- [ ] Rotate keys\n- [ ] add an alert!\n"
    parsed = parse_action_items(markdown, origin="body")
    assert [item.title for item in parsed.agreed] == ["Add an alert", "Rotate keys"]
    assert [item.line_index for item in parsed.duplicates] == [3]
    (warning,) = parsed.warnings
    assert "line 4" in warning and "add an alert!" in warning and "line 2" in warning


def test_two_lines_pointing_at_the_same_issue_are_duplicates() -> None:
    parsed = parse_action_items("## Action items\n- [ ] Alert (#5)\n- [ ] Alerting (#5)\n", origin="body")
    assert len(parsed.agreed) == 1 and len(parsed.duplicates) == 1


def test_same_text_linked_to_two_different_issues_is_left_alone() -> None:
    parsed = parse_action_items("## Action items\n- [ ] Alert (#5)\n- [ ] Alert (#6)\n", origin="body")
    assert [item.ref for item in parsed.agreed] == [5, 6]


# --- Editing item lines in place ----------------------------------------------------------------------------


def test_annotating_appends_the_issue_and_changes_nothing_else() -> None:
    item = next(i for i in agreed(POSTMORTEM) if i.title == "Runbook for the queue")
    text, found = annotate(POSTMORTEM, item, 101)
    assert found
    assert text == POSTMORTEM.replace("+ [ ] Runbook for the queue\n", "+ [ ] Runbook for the queue (#101)\n")
    assert one("+ [ ] Runbook for the queue (#101)").ref == 101


def test_annotating_keeps_crlf_and_trailing_whitespace() -> None:
    markdown = "## Action items\r\n- [ ] Add an alert  \r\n- [ ] Rotate keys\r\n"
    item = agreed(markdown)[0]
    assert item.raw == "- [ ] Add an alert  "
    text, found = annotate(markdown, item, 7)
    assert found
    assert text == "## Action items\r\n- [ ] Add an alert (#7)  \r\n- [ ] Rotate keys\r\n"


def test_annotating_a_last_line_without_newline() -> None:
    markdown = "## Action items\n- [ ] Add an alert"
    assert annotate(markdown, agreed(markdown)[0], 7) == ("## Action items\n- [ ] Add an alert (#7)", True)


def test_annotating_twice_is_harmless_and_never_relinks() -> None:
    markdown = "## Action items\n- [ ] Add an alert\n"
    item = agreed(markdown)[0]
    once, _ = annotate(markdown, item, 7)
    stale = replace(item, raw="- [ ] Add an alert (#7)")
    assert annotate(once, stale, 7) == (once, True)
    assert annotate(once, stale, 8) == (once, False)


def test_an_item_whose_line_moved_is_found_by_its_text() -> None:
    markdown = "## Action items\n- [ ] Add an alert\n"
    item = agreed(markdown)[0]
    edited = "Someone added a paragraph.\r\n\n## Action items\n- [ ] Earlier item\n- [ ] Add an alert\n"
    text, found = annotate(edited, item, 7)
    assert found
    assert text == edited.replace("- [ ] Add an alert\n", "- [ ] Add an alert (#7)\n")


def test_a_moved_line_is_only_looked_for_in_an_action_items_section() -> None:
    markdown = "## Action items\n- [ ] Add an alert\n"
    item = agreed(markdown)[0]
    edited = "## Notes\n- [ ] Add an alert\n```\n- [ ] Add an alert\n```\n"
    assert annotate(edited, item, 7) == (edited, False)


def test_an_item_that_was_reworded_or_deleted_is_not_touched() -> None:
    markdown = "## Action items\n- [ ] Add an alert\n"
    item = agreed(markdown)[0]
    edited = "## Action items\n- [ ] Add two alerts\n"
    assert annotate(edited, item, 7) == (edited, False)
    assert set_checked(edited, item, True) == (edited, False)


def test_closing_the_issue_ticks_the_box_and_nothing_else() -> None:
    item = next(i for i in agreed(POSTMORTEM) if i.title == "Sub-item: dashboards per region")
    text, found = set_checked(POSTMORTEM, item, True)
    assert found
    assert text == POSTMORTEM.replace("  - [ ] Sub-item", "  - [x] Sub-item")


def test_reopening_unticks_an_upper_case_x_and_keeps_crlf() -> None:
    markdown = "## Action items\r\n* [X] Load test [x] twice (#4)\r\n"
    item = agreed(markdown)[0]
    assert set_checked(markdown, item, False) == (
        "## Action items\r\n* [ ] Load test [x] twice (#4)\r\n",
        True,
    )
    assert set_checked(markdown, item, True) == (markdown, True)


def test_several_edits_in_a_row_each_touch_their_own_line() -> None:
    items = agreed(POSTMORTEM)
    text = POSTMORTEM
    for number, item in enumerate(items, start=200):
        if item.ref is None:
            text, found = annotate(text, item, number)
            assert found
    reparsed = agreed(text)
    assert [i.title for i in reparsed] == [i.title for i in items]
    assert all(i.ref is not None for i in reparsed)
    assert text.count("\n") == POSTMORTEM.count("\n")


# --- The backlog issue --------------------------------------------------------------------------------------


def test_the_marker_round_trips_only_as_the_last_line() -> None:
    marker = item_marker("acme/shop", 12, "abc123def456")
    assert marker == "<!-- pmaction:item acme/shop#12 key=abc123def456 -->"
    assert parse_item_marker(f"Some text\r\n\r\n{marker}\r\n\n") == (Ref("acme/shop", 12), "abc123def456")


@pytest.mark.parametrize(
    "body",
    [
        "",
        "no marker at all",
        "I copied this: <!-- pmaction:item acme/shop#12 key=abc123def456 --> to claim it",
        "<!-- pmaction:item acme/shop#12 key=abc123def456 -->\nand then wrote more below",
        "> <!-- pmaction:item acme/shop#12 key=abc123def456 -->",
        "<!-- pmaction:item acme/shop#12 key=ABC -->",
    ],
)
def test_a_marker_pasted_anywhere_else_claims_nothing(body: str) -> None:
    assert parse_item_marker(body) is None


def test_the_backlog_body_tells_where_the_item_comes_from() -> None:
    item = one("- [ ] Alert on queue depth @alice @carol #detect P1 due:2024-05-01")
    body = backlog_body(
        item,
        incident_url="https://github.com/acme/shop/issues/12",
        incident_number=12,
        incident_title="Checkout [EU] down",
        page_url="https://github.com/acme/shop/wiki/PM-12",
        full_name="acme/shop",
        unassignable=["carol"],
    )
    assert "[#12 Checkout \\[EU\\] down](https://github.com/acme/shop/issues/12)" in body
    assert "https://github.com/acme/shop/wiki/PM-12" in body
    for fact in ("@alice, @carol", "detect", "P1", "2024-05-01", "> " + item.raw):
        assert fact in body
    assert "@carol could not be assigned" in body
    assert parse_item_marker(body) == (Ref("acme/shop", 12), item.key)


def test_a_huge_item_still_fits_github_body_limit_and_keeps_its_marker() -> None:
    item = one("- [ ] " + "very long text " * 10_000)
    body = backlog_body(
        item, incident_url="u", incident_number=1, incident_title="t", page_url=None, full_name="acme/shop"
    )
    assert len(body) <= 65_536
    assert parse_item_marker(body) == (Ref("acme/shop", 1), item.key)
    assert len(backlog_title(item)) <= 256
    assert backlog_title(item).endswith("text…")


def test_the_title_is_the_item_title() -> None:
    assert backlog_title(one("- [ ] Alert on queue depth @alice #detect")) == "Alert on queue depth"


def test_labels_carry_type_priority_and_severity() -> None:
    item = one("- [ ] Alert on queue depth #detect p0")
    assert backlog_labels(item, severity_label="sev1") == [
        "postmortem-action",
        "type:detect",
        "priority:P0",
        "sev1",
    ]
    plain = one("- [ ] Runbook")
    assert backlog_labels(plain, base_label="pm", severity_label=None) == ["pm"]


def test_every_label_we_create_has_a_style() -> None:
    item = one("- [ ] Alert #detect P2")
    for label in backlog_labels(item, severity_label=None):
        style = next(v for k, v in LABEL_STYLE.items() if label.lower() == k or label.lower().startswith(k))
        colour, description = style
        assert len(colour) == 6 and int(colour, 16) >= 0
        assert 0 < len(description) <= 100  # GitHub's label description limit
