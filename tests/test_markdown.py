"""The one Markdown line scanner: what each line of a document is, as every reader of pmaction sees it."""

from __future__ import annotations

import pytest

from pmaction.text.markdown import ListItem, cells, list_item, scan, scan_text, separator_columns


def kinds(text: str) -> list[str]:
    return [line.kind.value for line in scan_text(text).lines]


# --- generated blocks: the merge's matching-end rule ------------------------------------------------------


def test_a_generated_block_hides_its_lines_from_begin_to_end() -> None:
    doc = scan_text(
        "- [ ] a\n<!-- pmaction:begin issue-items -->\n- [ ] b\n<!-- pmaction:end issue-items -->\n- [ ] c"
    )
    assert kinds("\n".join(line.text for line in doc.lines)) == [
        "task",
        "block-begin",
        "block",
        "block-end",
        "task",
    ]
    assert [(b.name, b.begin, b.end) for b in doc.blocks] == [("issue-items", 1, 3)]


def test_a_begin_line_without_its_end_line_is_a_comment_and_the_text_below_is_read() -> None:
    assert kinds("<!-- pmaction:begin issue-items -->\n- [ ] below\n") == ["comment", "task", "blank"]
    assert scan_text("<!-- pmaction:begin issue-items -->\n- [ ] below\n").blocks == ()


def test_a_begin_line_followed_by_another_begin_of_its_name_is_text() -> None:
    text = (
        "<!-- pmaction:begin facts -->\n- [ ] mine\n"
        "<!-- pmaction:begin facts -->\nours\n<!-- pmaction:end facts -->\n- [ ] after"
    )
    assert kinds(text) == ["comment", "task", "block-begin", "block", "block-end", "task"]


def test_block_markers_inside_a_fence_are_code() -> None:
    text = "```\n<!-- pmaction:begin facts -->\n```\n- [ ] item\n<!-- pmaction:end facts -->"
    assert kinds(text) == ["fence-open", "fenced", "fence-close", "task", "comment"]


def test_a_begin_line_closes_an_open_comment_and_starts_its_block() -> None:
    text = "<!-- a note\nstill the note\n<!-- pmaction:begin facts -->\n| a |\n<!-- pmaction:end facts -->"
    assert kinds(text) == ["comment", "comment", "block-begin", "block", "block-end"]


# --- fences, comments, headings -------------------------------------------------------------------------


def test_fences_close_with_the_same_character_at_least_as_long_and_run_to_the_end_unclosed() -> None:
    assert kinds("~~~~\n~~~\n```\n~~~~~\n# after") == [
        "fence-open",
        "fenced",
        "fenced",
        "fence-close",
        "heading",
    ]
    assert kinds("  ```py\n# code\n") == ["fence-open", "fenced", "fenced"]


def test_any_indentation_opens_a_fence_as_inside_a_list_item() -> None:
    assert kinds("- [ ] item\n      ```\n      - [ ] log line\n      ```") == [
        "task",
        "fence-open",
        "fenced",
        "fence-close",
    ]


def test_triple_backticks_with_a_backtick_after_them_are_inline_code_not_a_fence() -> None:
    assert kinds("```rm -rf /tmp/x```\n- [ ] still an item") == ["plain", "task"]


def test_an_html_comment_runs_to_the_line_holding_its_end() -> None:
    text = "<!-- template help:\n## Not a heading\n- [ ] Example\n-->\n## Real"
    assert kinds(text) == ["comment", "comment", "comment", "comment", "heading"]


def test_atx_and_setext_headings_carry_their_level_and_text() -> None:
    doc = scan_text("## Action items ##\nWhat we\nagreed\n---\n#5 is not a heading\n#")
    found = [(line.kind.value, line.level, line.title) for line in doc.lines]
    assert found == [
        ("heading", 2, "Action items"),
        ("setext", 2, "What we agreed"),
        ("setext", 2, "What we agreed"),
        ("underline", 2, "What we agreed"),
        ("plain", 0, ""),
        ("heading", 1, ""),
    ]


def test_a_rule_after_a_list_item_or_a_blank_line_is_a_break_not_a_heading() -> None:
    assert kinds("- item\nlazy line\n---") == ["item", "plain", "break"]
    assert kinds("text\n\n***\n* * *") == ["plain", "blank", "break", "break"]


# --- tables ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("separator", "columns"),
    [
        ("|--|--|", 2),
        ("|-|-|", 2),
        ("---|---", 2),
        ("| :--- | ---: |", 2),
        (":-:|:-", 2),
        ("|---|", 1),
        ("--", 1),
        ("- --", 0),  # a list item
        ("|", 0),
        ("--||--", 0),
        ("|-x-|", 0),
        ("-", 0),
    ],
)
def test_a_delimiter_row_has_one_or_more_dashes_per_cell_optional_colons_and_outer_pipes(
    separator: str, columns: int
) -> None:
    assert separator_columns(separator) == columns


def test_a_table_is_a_header_with_as_many_cells_as_its_delimiter_row_and_the_rows_below() -> None:
    text = "## Timeline\n| Time | What |\n|--|--|\n| 10:00 | a |\n10:05 | b\n\nafter"
    doc = scan_text(text)
    assert [(t.header, t.end) for t in doc.tables] == [(1, 5)]
    assert kinds(text)[1:5] == ["table-row", "table-separator", "table-row", "table-row"]
    assert {line.table for line in doc.lines[1:5]} == {1}
    assert kinds("| a | b |\n|---|\n| c |") == ["plain", "plain", "plain"]  # 2 cells, 1 delimiter


def test_a_heading_a_list_item_or_a_fence_ends_a_table() -> None:
    assert kinds("| a |\n|---|\n| b |\n## Next")[-1] == "heading"
    assert kinds("| a |\n|---|\n| b |\n- [ ] item")[-1] == "task"
    assert kinds("| a |\n|---|\n```\n| b |\n```") == [
        "table-row",
        "table-separator",
        "fence-open",
        "fenced",
        "fence-close",
    ]


def test_cells_drop_the_outer_pipes_and_keep_escaped_ones() -> None:
    assert cells("| 10:00 | a \\| b | c |") == ["10:00", "a \\| b", "c"]
    assert cells("10:00 | a") == ["10:00", "a"]
    assert cells("||") == [""]


# --- list items ------------------------------------------------------------------------------------------


def test_list_items_and_task_items() -> None:
    assert list_item("- [x] Done @bob") == ListItem("- ", "x", "Done @bob")
    assert list_item("  12) [ ]") == ListItem("  12) ", " ", "")
    assert list_item("* plain") == ListItem("* ", None, "plain")
    assert list_item("- [x]no space") == ListItem("- ", None, "[x]no space")
    assert list_item("1.5 hours") is None
    assert list_item("**bold**") is None
    item = list_item("- [ ] x")
    assert item is not None and "- [ ] x"[item.box_at] == " "


def test_crlf_lines_are_read_without_their_cr_and_keep_their_index() -> None:
    doc = scan(["## Action items\r", "- [ ] a\r", ""])
    assert [(line.index, line.kind.value, line.text) for line in doc.lines] == [
        (0, "heading", "## Action items"),
        (1, "task", "- [ ] a"),
        (2, "blank", ""),
    ]
