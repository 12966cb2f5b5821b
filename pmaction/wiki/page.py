"""The post-mortem wiki page: render it, and merge a fresh rendering into what people wrote (pure, no I/O).

People edit the page between runs, so a refresh only rewrites what pmaction owns:

- generated blocks between ``<!-- pmaction:begin NAME -->`` and ``<!-- pmaction:end NAME -->`` lines;
- generated rows of the timeline table, each ending with ``<!-- pmaction:e KEY h=HASH -->`` where HASH is a
  short hash of the row as generated. A row that still hashes to its HASH is ours to update or drop; a row
  a person changed is theirs and stays exactly as written.

Everything else (including CRLF line endings from the wiki's web editor) is kept byte for byte. Markers
count only alone on their own line (blocks) or at the very end of a table row (rows), outside code fences;
user text is escaped so it can never produce one.

Template variables (the default template is ``pmaction/templates/incident.md.j2``; teams may override it;
the template is rendered with trim_blocks and lstrip_blocks, in a sandbox):

- ``page_marker``: the hidden first line (keep it first); ``number``, ``title`` (one line, safe for a
  heading), ``repo`` (owner/name), ``issue_url``, ``severity`` (or "not set"), ``status`` ("Open" or
  "Declared over"), ``announced``, ``declared_over``, ``time_to_detect``, ``time_to_mitigate``,
  ``total_duration``, ``review_summary``, ``backlog`` ("x of y items closed"): preformatted strings;
- ``facts``: list of (label, value) pairs, both escaped for a Markdown table cell;
- ``tz_label``: the configured zone's name; ``timeline_rows``: rendered table rows (with their markers);
- ``issue_items``: rendered task-list lines; ``review``: None or {title, url, due, state};
- ``prime_directive``, ``prime_directive_source``;
- ``facilitator`` (``@login`` or ""), ``calendar`` (the invitation links, Markdown), ``moments_image`` (the
  key-moments strip as a Markdown image, or "").

A template must keep the block markers; blocks it lacks (and a missing timeline table) are added from the
default template instead of failing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pmaction.text import markers
from pmaction.text.markdown import atx_heading, strip_cr
from pmaction.wiki.layout import (
    append,
    norm_heading,
    scan,
    section_end,
    timeline_table,
    with_cr,
)
from pmaction.wiki.render import (
    DEFAULT_TEMPLATE_NAME,
    PageContext,
    default_template,
    render_template,
    variables,
)
from pmaction.wiki.rows import merge_rows, remembered_rows

# Blocks every page has; a team template that lacks one gets the default's.
REQUIRED_BLOCKS = ("facts", "issue-items", "review")


def render_page(
    ctx: PageContext, template_text: str | None = None, template_name: str = DEFAULT_TEMPLATE_NAME
) -> str:
    """A new page for the incident (a team template lacking our blocks gets the default ones appended)."""
    with remembered_rows():
        rendered = _render(ctx, template_text, template_name)
        return _merge(rendered, ctx, template_text, template_name)


def refresh_page(
    existing: str,
    ctx: PageContext,
    template_text: str | None = None,
    template_name: str = DEFAULT_TEMPLATE_NAME,
) -> str:
    """``existing`` with its generated blocks and generated timeline rows brought up to date; nothing a
    person wrote changes. Identical inputs give identical output."""
    with remembered_rows():
        return _merge(existing, ctx, template_text, template_name)


def _render(ctx: PageContext, template_text: str | None, template_name: str) -> str:
    rows = merge_rows([], ctx)
    return render_template(template_text or default_template(), variables(ctx, rows), template_name)


@dataclass(frozen=True)
class _Source:
    """What a fresh rendering says about the page: block contents and where each block belongs."""

    blocks: dict[str, list[str]]
    anchors: dict[str, tuple[str | None, int, bool]]  # name -> (heading line, level, right after it)
    table_head: list[str]


def _source(text: str) -> _Source:
    lines = text.split("\n")
    layout = scan(lines)
    blocks: dict[str, list[str]] = {}
    anchors: dict[str, tuple[str | None, int, bool]] = {}
    for name, (begin, end) in layout.blocks.items():
        blocks[name] = lines[begin : end + 1]
        above = [h for h in layout.headings if h[0] < begin]
        if not above:
            anchors[name] = (None, 0, True)
            continue
        index, level, _ = above[-1]
        right_after = all(not lines[i].strip() for i in range(index + 1, begin))
        anchors[name] = (lines[index], level, right_after)
    _, table = timeline_table(lines, layout)
    head = lines[table[0] : table[0] + 2] if table else []
    return _Source(blocks, anchors, head)


def _merge(existing: str, ctx: PageContext, template_text: str | None, template_name: str) -> str:
    fresh = _source(_render(ctx, template_text, template_name))
    default = fresh if template_text is None else _source(_render(ctx, None, template_name))
    names = list(fresh.blocks) + [name for name in REQUIRED_BLOCKS if name not in fresh.blocks]

    def pick(name: str) -> _Source:
        return fresh if name in fresh.blocks else default

    lines = existing.split("\n")
    cr = "\r" if existing.count("\r\n") * 2 > existing.count("\n") else ""
    lines = _ensure_page_marker(lines, markers.page_marker(ctx.repo.full_name, ctx.issue.number), cr)

    # Regenerate the blocks the page has, from the bottom up so the spans above keep their indexes (a
    # block's new lines change nothing outside it, so one scan of the page serves them all).
    found = scan(lines).blocks
    for name in sorted((name for name in names if name in found), key=lambda name: found[name], reverse=True):
        begin, end = found[name]
        lines[begin : end + 1] = with_cr(pick(name).blocks[name], cr, lines[begin : end + 1])

    lines = _merge_table(lines, ctx, fresh.table_head or default.table_head, cr)

    # Put back the blocks a person deleted; a team template's missing ones go last. Putting one back
    # neither makes nor unmakes another, so which are missing is read once.
    found = scan(lines).blocks
    for name in [name for name in names if name not in found]:
        source = pick(name)
        heading, level, right_after = source.anchors[name]
        if source is not fresh:
            heading, right_after = (None if level == 1 else heading), False
        lines = _insert_block(lines, source.blocks[name], (heading, level, right_after), cr)
    return "\n".join(lines)


def _ensure_page_marker(lines: list[str], marker: str, cr: str) -> list[str]:
    first = strip_cr(lines[0]).lstrip("\ufeff") if lines else ""
    if first == marker:
        return lines
    if markers.parse_page_marker(first):  # the marker of a renamed or transferred repository
        return [marker + cr, *lines[1:]]
    return [marker + cr, *lines]


def _merge_table(lines: list[str], ctx: PageContext, head: Sequence[str], cr: str) -> list[str]:
    layout = scan(lines)
    heading_at, table = timeline_table(lines, layout)
    if table is not None:
        start, end = table
        lines[start + 2 : end] = merge_rows(lines[start + 2 : end], ctx, cr)
        if head and _is_our_header(lines[start], head[0]):  # the zone may have changed since
            lines[start] = head[0] + ("\r" if lines[start].endswith("\r") else "")
        return lines
    fresh_table = with_cr([*head, *merge_rows([], ctx)], cr)
    if heading_at is not None:  # the heading survived, the table did not: a fresh table right under it
        after = lines[heading_at + 1] if heading_at + 1 < len(lines) else ""
        tail = [cr] if after.strip() else []
        return [*lines[: heading_at + 1], cr, *fresh_table, *tail, *lines[heading_at + 1 :]]
    return append(lines, [cr, "## Timeline" + cr, cr, *fresh_table], cr)


_ZONE_CELL = re.compile(r"^\|\s*Time \([^)|]*\)\s*\|")


def _is_our_header(line: str, fresh: str) -> bool:
    """The table's header as pmaction renders it but for the zone in its first cell (a person's own
    header stays as they wrote it)."""
    text = strip_cr(line)
    return bool(_ZONE_CELL.match(text)) and _ZONE_CELL.sub("", text) == _ZONE_CELL.sub("", fresh)


def _is_hidden_line(line: str) -> bool:
    return strip_cr(line).startswith(markers.PREFIX)


def _insert_block(
    lines: list[str], block: Sequence[str], anchor: tuple[str | None, int, bool], cr: str
) -> list[str]:
    heading_line, level, right_after = anchor
    body = with_cr(block, cr)
    layout = scan(lines)
    target: int | None = None
    if heading_line is not None:
        found = atx_heading(strip_cr(heading_line))
        wanted = norm_heading(found[1]) if found else ""
        for index, other_level, text in layout.headings:
            if other_level == level and (text == wanted or level == 1):
                target = index
                break
    if target is None:
        if heading_line is None and right_after is False:
            return append(lines, [cr, *body], cr)
        if heading_line is None or level == 1:  # top of the page, after its hidden first lines
            at = 0
            while at < len(lines) and at not in layout.hidden and _is_hidden_line(lines[at]):
                at += 1
            return [*lines[:at], *body, cr, *lines[at:]]
        return append(lines, [cr, heading_line + cr, cr, *body], cr)
    if right_after:
        at = target + 1
        tail = [cr] if at < len(lines) and lines[at].strip() else []
        return [*lines[:at], cr, *body, *tail, *lines[at:]]
    at = section_end(layout, target, level, len(lines))
    while at > target + 1 and not lines[at - 1].strip():
        at -= 1
    return [*lines[:at], cr, *body, *lines[at:]]
