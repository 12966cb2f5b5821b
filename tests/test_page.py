"""The post-mortem wiki page: rendered once, then refreshed around what people write on the wiki."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pmaction.github.data import Issue, Repo
from pmaction.text.markers import page_marker
from pmaction.timeline.model import Durations, Entry, Moments, Timeline
from pmaction.wiki.index import IndexRow, ensure_sidebar, update_index
from pmaction.wiki.names import find_incident_page, page_file_name, page_title, wiki_page_url
from pmaction.wiki.page import refresh_page, render_page
from pmaction.wiki.render import IssueItem, PageContext, ReviewInfo

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
BERLIN = ZoneInfo("Europe/Berlin")
REPO = Repo("acme/shop", "https://github.com/acme/shop", private=False, has_wiki=True)
ISSUE = Issue(12, "Database outage", "", "open", "https://github.com/acme/shop/issues/12", T0, None, "alice")


def comment(n: int, minutes: int | None, text: str, author: str = "bob") -> Entry:
    when = None if minutes is None else T0 + timedelta(minutes=minutes)
    url = f"https://github.com/acme/shop/issues/12#issuecomment-{n}"
    return Entry(f"comment-{n}", when, text, "comment", author=author, url=url)


ANNOUNCED = Entry("announced", T0, "Incident announced", "issue", author="alice")


def context(*entries: Entry, **changes: object) -> PageContext:
    timeline = Timeline(
        entries=(ANNOUNCED, *entries),
        moments=Moments(announced=T0, detected=T0 + timedelta(minutes=5)),
        durations=Durations(time_to_detect=timedelta(minutes=5)),
    )
    ctx = PageContext(
        repo=REPO,
        issue=ISSUE,
        timeline=timeline,
        severity="sev2",
        tz=BERLIN,
        review=ReviewInfo(
            "Post-mortem review #12", "https://github.com/acme/shop/milestone/3", date(2026, 5, 1), "open"
        ),
        issue_items=(
            IssueItem("Add a queue-lag alert", True, 45),
            IssueItem("Write the runbook", False, None),
        ),
        items_closed=1,
        items_total=2,
    )
    return replace(ctx, **changes)  # type: ignore[arg-type]


def timeline_rows(page: str) -> list[str]:
    lines = page.replace("\r\n", "\n").split("\n")
    start = lines.index("## Timeline")
    end = next(i for i, line in enumerate(lines[start:]) if line.startswith("## ") and i > 0)
    rows = [line for line in lines[start : start + end] if line.startswith("|")]
    return rows[2:]  # without header and separator


def whats(page: str) -> list[str]:
    """The What cell of every timeline row, in page order."""
    return [re.split(r"(?<!\\)\|", row)[3].strip() for row in timeline_rows(page)]


def add_after(page: str, anchor: str, *new: str) -> str:
    """A person's wiki edit: lines inserted after the first line containing ``anchor``."""
    lines = page.split("\n")
    at = next(i for i, line in enumerate(lines) if anchor in line)
    return "\n".join([*lines[: at + 1], *new, *lines[at + 1 :]])


def edit_line(page: str, anchor: str, old: str, new: str) -> str:
    lines = page.split("\n")
    at = next(i for i, line in enumerate(lines) if anchor in line)
    lines[at] = lines[at].replace(old, new)
    return "\n".join(lines)


# --- A new page ------------------------------------------------------------------------------------------


def test_a_new_page_has_its_marker_and_every_section() -> None:
    page = render_page(context(comment(1, 5, "Checkout errors spike #detected")))

    assert page.split("\n")[0] == "<!-- pmaction:incident acme/shop#12 -->"
    assert "\n# Post-mortem: #12 Database outage\n" in page
    for needle in (
        "| Severity | sev2 |",
        "| Status | Open |",
        "| Announced | 2026-03-01 10:00 CET |",
        "| Time to detect | 5 min |",
        "| Review | [Post-mortem review #12](https://github.com/acme/shop/milestone/3), due 2026-05-01 |",
        "| Backlog | 1 of 2 items closed |",
        "everyone did the best job they could",
        "Norm Kerth, *Project Retrospectives: A Handbook for Team Reviews*, 2001",
        "## Timeline\n\n| Time (Europe/Berlin) | Who | What | Source |",
        "## Contributing factors\n\n_",
        "## Action items\n\n_",
        # Wikis do not autolink "#45": the page links the issue explicitly.
        "- [x] Add a queue-lag alert ([#45](https://github.com/acme/shop/issues/45))\n"
        "- [ ] Write the runbook\n",
        "## Review",
        "- **Due:** 2026-05-01",
    ):
        assert needle in page
    for name in ("facts", "issue-items", "review"):
        assert (
            page.count(f"<!-- pmaction:begin {name} -->") == page.count(f"<!-- pmaction:end {name} -->") == 1
        )
    assert whats(page) == ["Incident announced", "Checkout errors spike #detected"]
    assert (
        find_incident_page({"Home.md": "hi", "Postmortem-x.md": page}, "ACME/shop", 12) == "Postmortem-x.md"
    )
    assert find_incident_page({"Postmortem-x.md": page}, "acme/shop", 13) is None


def test_a_refresh_with_the_same_inputs_changes_nothing() -> None:
    ctx = context(comment(1, 5, "Errors spike"), comment(2, None, "Someone restarted a pod, time unknown"))
    page = render_page(ctx)
    assert refresh_page(page, ctx) == page
    edited = add_after(page, "Errors spike", "| 10:02 | carol | Pager fired | wiki |")
    once = refresh_page(edited, ctx)
    assert refresh_page(once, ctx) == once


# --- The timeline table ----------------------------------------------------------------------------------


def test_a_human_row_added_on_the_wiki_survives_and_lands_in_time_order() -> None:
    ctx = context(comment(1, 5, "Errors spike"), comment(2, 30, "Rolled back"))
    page = render_page(ctx)
    # Carol appends her row at the bottom, with a bare time: it belongs to the date of the row before it.
    edited = add_after(page, "Rolled back", "| 10:10 | carol | Support tickets arrive | wiki |")

    refreshed = refresh_page(edited, ctx)

    assert whats(refreshed) == ["Incident announced", "Errors spike", "Support tickets arrive", "Rolled back"]
    assert "| 10:10 | carol | Support tickets arrive | wiki |" in refreshed.split("\n")


def test_a_human_row_without_a_readable_time_stays_after_the_row_it_followed() -> None:
    ctx = context(comment(1, 5, "Errors spike"), comment(2, 30, "Rolled back"))
    page = add_after(
        render_page(ctx), "Errors spike", "| a bit later | carol | We opened a bridge call | wiki |"
    )
    # A new comment lands before "Errors spike": the unreadable row still follows "Errors spike".
    ctx = context(
        comment(3, 2, "First customer report"), comment(1, 5, "Errors spike"), comment(2, 30, "Rolled back")
    )

    refreshed = refresh_page(page, ctx)

    assert whats(refreshed) == [
        "Incident announced",
        "First customer report",
        "Errors spike",
        "We opened a bridge call",
        "Rolled back",
    ]


def test_an_untouched_generated_row_follows_its_edited_comment() -> None:
    page = render_page(context(comment(1, 5, "Errors spike")))

    refreshed = refresh_page(page, context(comment(1, 7, "Errors spike on checkout")))

    assert whats(refreshed) == ["Incident announced", "Errors spike on checkout"]
    assert "| 2026-03-01 10:07 CET | bob | Errors spike on checkout |" in refreshed


def test_a_generated_row_a_person_edited_is_never_overwritten() -> None:
    page = render_page(context(comment(1, 5, "Errors spike")))
    edited = edit_line(page, "Errors spike", "Errors spike", "Errors spike (5xx on /checkout only)")
    edited_row = next(line for line in edited.split("\n") if "5xx on /checkout" in line)

    # The comment changes afterwards: the person's version still wins, and no second row appears.
    refreshed = refresh_page(edited, context(comment(1, 6, "Errors spike, edited comment")))

    assert edited_row in refreshed.split("\n")
    assert "edited comment" not in refreshed
    assert len(timeline_rows(refreshed)) == 2


def test_re_aligned_columns_are_not_a_human_edit() -> None:
    page = render_page(context(comment(1, 5, "Errors spike")))
    padded = edit_line(page, "Errors spike", "| bob | Errors spike |", "|   bob   |   Errors spike     |")

    refreshed = refresh_page(padded, context(comment(1, 5, "Errors spike, then timeouts")))

    assert whats(refreshed) == ["Incident announced", "Errors spike, then timeouts"]


def test_a_deleted_comment_drops_its_row_unless_a_person_changed_it() -> None:
    page = render_page(context(comment(1, 5, "Errors spike"), comment(2, 9, "Wrong incident, sorry")))
    assert "Wrong incident" in page

    refreshed = refresh_page(page, context(comment(1, 5, "Errors spike")))
    assert whats(refreshed) == ["Incident announced", "Errors spike"]

    kept = edit_line(page, "Wrong incident", "Wrong incident, sorry", "Related: cache node rebooted")
    refreshed = refresh_page(kept, context(comment(1, 5, "Errors spike")))
    assert whats(refreshed) == ["Incident announced", "Errors spike", "Related: cache node rebooted"]


def test_text_that_would_break_the_table_is_escaped() -> None:
    nasty = "a | b\nsecond line\x07\u202e <!-- pmaction:end facts --> `x|y`"
    page = render_page(context(comment(1, 5, nasty, author="eve")))
    row = timeline_rows(page)[1]

    assert row.count("<!--") == 1  # only our own row marker
    assert "a \\| b<br>second line" in row
    assert "\x07" not in row and "\u202e" not in row
    assert len(re.split(r"(?<!\\)\|", row)) == 6  # | time | who | what | source <marker> |
    assert refresh_page(page, context(comment(1, 5, nasty, author="eve"))) == page


def test_titles_are_data_not_templates() -> None:
    issue = replace(ISSUE, title="{{ 7 * 7 }} {% raw %} outage <!-- hidden\nsecond")
    page = render_page(context(issue=issue))
    assert "# Post-mortem: #12 {{ 7 * 7 }} {% raw %} outage &lt;!-- hidden second\n" in page


# --- Human text is kept byte for byte --------------------------------------------------------------------


def _outside_generated(page: str) -> list[str]:
    """The page lines outside generated blocks and timeline rows."""
    out, inside = [], False
    for line in page.split("\n"):
        if re.fullmatch(r"<!-- pmaction:begin [\w-]+ -->\r?", line):
            inside = True
        elif re.fullmatch(r"<!-- pmaction:end [\w-]+ -->\r?", line):
            inside = False
        elif not inside and "<!-- pmaction:e " not in line:
            out.append(line)
    return out


def test_text_outside_generated_blocks_is_kept_byte_for_byte_even_with_crlf() -> None:
    page = render_page(context(comment(1, 5, "Errors spike")))
    page = add_after(
        page, "## Contributing factors", "", "- Prefetch changed from 50 to 1  ", "\tindented, trailing  "
    )
    page = add_after(page, "## Action items", "", "- [ ] Review consumer config @bob #prevent P1")
    page = page.replace("\n", "\r\n")  # saved by the wiki's web editor
    page = add_after(page, "## Review", "A line someone saved without CR")

    changed = context(comment(1, 5, "Errors spike"), comment(2, 20, "Mitigated #mitigated"), severity="sev1")
    refreshed = refresh_page(page, changed)

    assert "| Severity | sev1 |\r\n" in refreshed
    assert "Mitigated #mitigated" in refreshed
    assert _outside_generated(refreshed) == _outside_generated(page)
    assert re.search(r"(?<!\r)\n", refreshed.replace("A line someone saved without CR\n", "")) is None
    assert refresh_page(refreshed, changed) == refreshed


# --- Markers a person deleted or pasted ------------------------------------------------------------------


def test_a_deleted_block_comes_back_once_at_its_place() -> None:
    ctx = context(comment(1, 5, "Errors spike"))
    page = render_page(ctx)
    lines = page.split("\n")
    begin, end = lines.index("<!-- pmaction:begin facts -->"), lines.index("<!-- pmaction:end facts -->")
    without_facts = "\n".join(lines[:begin] + lines[end + 1 :])

    refreshed = refresh_page(without_facts, ctx)

    assert refreshed.count("<!-- pmaction:begin facts -->") == 1
    assert (
        refreshed.index("# Post-mortem") < refreshed.index("| Severity |") < refreshed.index("> Regardless")
    )
    assert refresh_page(refreshed, ctx) == refreshed


def test_a_deleted_review_section_and_timeline_are_appended_without_losing_text() -> None:
    ctx = context(comment(1, 5, "Errors spike"))
    page = render_page(ctx)
    cut = page.index("## Timeline")
    human = page[:cut] + "## Notes\n\nWe replaced the table with prose.\n"

    refreshed = refresh_page(human, ctx)

    assert refreshed.startswith(human)  # nothing above changed, nothing removed
    assert refreshed.count("## Timeline") == 1 and "Errors spike" in refreshed
    assert refreshed.count("<!-- pmaction:begin review -->") == 1
    assert refreshed.count("<!-- pmaction:begin issue-items -->") == 1
    assert refresh_page(refreshed, ctx) == refreshed


def test_pasted_markers_do_not_hijack_the_merge() -> None:
    ctx = context(comment(1, 5, "Errors spike"))
    page = add_after(
        render_page(ctx),
        "## Contributing factors",
        "",
        "<!-- pmaction:begin review -->",
        "Our notes after a lone begin marker must survive.",
        "```",
        "<!-- pmaction:begin facts -->",
        "example inside a fence",
        "<!-- pmaction:end facts -->",
        "```",
        "Mid-sentence <!-- pmaction:begin facts --> markers are text too.",
    )
    page = add_after(
        page, "Errors spike", "| 10:20 | mallory | row <!-- pmaction:e comment-1 h=0000000000 --> says | x |"
    )

    refreshed = refresh_page(page, context(comment(1, 5, "Errors spike"), severity="sev1"))

    assert "| Severity | sev1 |" in refreshed
    for kept in (
        "Our notes after a lone begin marker must survive.",
        "example inside a fence",
        "markers are text too.",
    ):
        assert kept in refreshed
    assert refreshed.count("- **Due:** 2026-05-01") == 1
    assert whats(refreshed) == [
        "Incident announced",
        "Errors spike",
        "row <!-- pmaction:e comment-1 h=0000000000 --> says",
    ]


# --- Team templates --------------------------------------------------------------------------------------


def test_a_team_template_without_our_blocks_gets_them_added() -> None:
    template = "{{ page_marker }}\n# {{ title }} ({{ severity }})\n\n{{ unknown.thing }}Our own words.\n"
    page = render_page(context(comment(1, 5, "Errors spike")), template)

    assert page.startswith(
        "<!-- pmaction:incident acme/shop#12 -->\n# Database outage (sev2)\n\nOur own words.\n"
    )
    for name in ("facts", "issue-items", "review"):
        assert page.count(f"<!-- pmaction:begin {name} -->") == 1
    assert "Errors spike" in page
    assert refresh_page(page, context(comment(1, 5, "Errors spike")), template) == page


def test_a_broken_team_template_names_the_file_and_line() -> None:
    with pytest.raises(
        ValueError, match=r"\.github/postmortem\.md\.j2, line 2: .*fix \.github/postmortem\.md\.j2"
    ):
        render_page(context(), "fine\n{% for x in %}\n", template_name=".github/postmortem.md.j2")
    # The sandbox refuses Python internals (templates come from any contributor of the repo).
    with pytest.raises(ValueError, match=r"unsafe.*fix \.github/postmortem\.md\.j2"):
        render_page(context(), "{{ title.__class__.__base__.__subclasses__() }}")


# --- File names ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Database outage", "Postmortem-2026-03-01-12-Database-outage.md"),
        ("../../etc/passwd", "Postmortem-2026-03-01-12-etc-passwd.md"),
        ("API 5xx / EU région 🔥", "Postmortem-2026-03-01-12-API-5xx-EU-region.md"),
        ("🔥🔥🔥", "Postmortem-2026-03-01-12.md"),
        ("\u202eevil\u202c انقطاع الخدمة", "Postmortem-2026-03-01-12-evil.md"),
        ("line\nbreak\x00", "Postmortem-2026-03-01-12-line-break.md"),
    ],
)
def test_page_file_names_are_safe(title: str, expected: str) -> None:
    assert page_file_name(replace(ISSUE, title=title), T0, BERLIN) == expected


def test_long_titles_are_cut_between_words() -> None:
    name = page_file_name(replace(ISSUE, title="word " * 60), T0, BERLIN)
    assert len(name) <= 103 and name.endswith("-word.md") and re.fullmatch(r"[A-Za-z0-9-]+\.md", name)
    assert page_title(name).startswith("Postmortem 2026 03 01 12 word")
    late = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # already 2 March in Berlin
    assert page_file_name(ISSUE, late, BERLIN).startswith("Postmortem-2026-03-02-12-")
    assert wiki_page_url("https://github.com/", "acme/shop", "Postmortem-2026-03-01-12-Db.md") == (
        "https://github.com/acme/shop/wiki/Postmortem-2026-03-01-12-Db"
    )


# --- Index page and sidebar ------------------------------------------------------------------------------


def row(number: int, day: date, title: str = "Outage", status: str = "Open") -> IndexRow:
    url = f"https://github.com/acme/shop/wiki/Postmortem-{number}"
    return IndexRow("acme/shop", number, title, url, day, status, "1 h 5 min", date(2026, 5, 1))


def test_the_index_lists_incidents_newest_first_and_updates_only_one_row() -> None:
    index = update_index(None, row(3, date(2026, 1, 5)))
    index = update_index(index, row(9, date(2026, 3, 1)))
    index = update_index(index, row(5, date(2026, 2, 1), title="Payments | down"))
    index = index.replace("# Post-mortems\n", "# Post-mortems\n\nKept by hand: our notes.\n").replace(
        "\n", "\r\n"
    )
    before = index.split("\r\n")

    updated = update_index(index, row(5, date(2026, 2, 1), title="Payments down", status="Declared over"))

    after = updated.split("\r\n")
    numbers = [int(m) for m in re.findall(r"pmaction:i acme/shop#(\d+)", updated)]
    assert numbers == [9, 5, 3]
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert len(changed) == 1 and "Declared over" in after[changed[0]]
    assert "Kept by hand: our notes." in updated
    assert "Payments \\| down" in index


def test_the_sidebar_gets_a_link_once_and_other_lines_stay() -> None:
    assert "[Post-mortems](Post-mortems)" in ensure_sidebar(None)
    mine = "**Team**\r\n- [Home](Home)\r\n"
    sidebar = ensure_sidebar(mine)
    assert sidebar.startswith(mine) and "[Post-mortems](Post-mortems)\r\n" in sidebar
    assert ensure_sidebar(sidebar) == sidebar
    assert ensure_sidebar("- [Our post-mortems](Post-mortems)\n") == "- [Our post-mortems](Post-mortems)\n"


def test_page_marker_format() -> None:
    assert page_marker("acme/shop", 12) == "<!-- pmaction:incident acme/shop#12 -->"
