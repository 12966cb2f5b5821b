"""Editing an action item's line in place: link it to its backlog issue, tick or untick its box.

Documents are edited byte for byte: only the item's own line changes, line endings (CRLF) are kept.
"""

from __future__ import annotations

from pmaction.items.issue_text import BODY_LIMIT
from pmaction.items.parse import ActionItem, linked_issue, locate
from pmaction.text.markdown import list_item, strip_cr

# An annotated body must still fit GitHub's limit; callers that edit a body check it against this.
__all__ = ["BODY_LIMIT", "annotate", "set_checked"]


def _split(markdown: str) -> list[str]:
    # Split on "\n" only (as the parser does), so the item's line index maps back exactly.
    return markdown.split("\n")


def _replace_line(markdown: str, index: int, new_text: str) -> str:
    lines = _split(markdown)
    ending = "\r" if lines[index].endswith("\r") else ""
    lines[index] = new_text + ending
    return "\n".join(lines)


def annotate(
    markdown: str, item: ActionItem, number: int, url: str | None = None, *, after_stale: bool = False
) -> tuple[str, bool]:
    """Append `` (#number)`` to the item (its last line; a table row's title cell), or `` ([#number](url))``
    where ``#number`` is not autolinked (a wiki page). Returns (markdown, found); idempotent for the same
    number. ``after_stale``: the item's own reference names no issue, so the link goes after it (kept)."""
    found = locate(markdown, item)
    if found is None:
        return markdown, False
    index = found.last_index
    text = strip_cr(_split(markdown)[index])
    at = found.link_at if 0 <= found.link_at <= len(text) else len(text.rstrip(" \t"))
    existing = linked_issue(text[:at])
    if existing is not None and (existing == number or not after_stale):
        # Already linked: to this issue is fine; never overwrite a link to another one.
        return markdown, existing == number
    content = text[:at].rstrip(" \t")
    ref = f"[#{number}]({url})" if url else f"#{number}"
    return _replace_line(markdown, index, f"{content} ({ref}){text[len(content) :]}"), True


def set_checked(markdown: str, item: ActionItem, checked: bool) -> tuple[str, bool]:
    """Tick or untick the item's box, nothing else. Returns (markdown, found)."""
    found = locate(markdown, item)
    if found is None:
        return markdown, False
    index = found.line_index
    text = strip_cr(_split(markdown)[index])
    task = list_item(text)
    if task is None or task.box is None:
        return markdown, False
    box = task.box_at
    if (task.box != " ") == checked:
        return markdown, True
    return _replace_line(markdown, index, text[:box] + ("x" if checked else " ") + text[box + 1 :]), True
