"""Reading fields out of an incident issue body.

GitHub issue forms render each field as ``### <label>`` followed by the answer; empty optional answers
become ``_No response_``, checkboxes become ``- [X] option``, and a textarea with ``render:`` is wrapped in
a code fence (so a ``###`` line inside it is content, not a heading: text/markdown.py's scanner says which
lines are headings, fences and task items). Issues opened without the form, or
edited by hand, carry ``Key: value`` lines instead; ``field_value`` reads both.
"""

from __future__ import annotations

import re

from pmaction.text import markdown
from pmaction.text.markdown import FENCE_KINDS, Document, Kind, list_item

NO_RESPONSE = "_No response_"

# "Started: 2026-03-01", "- **Started:** ...", "**Started**: ..." (the key is at most a few words).
_KEY_VALUE = re.compile(
    r"^\s*(?:[-*+][ \t]+)?(?:\*\*|__)?(?P<key>[A-Za-z][A-Za-z _-]{0,40}?)[ \t]*(?:\*\*|__)?[ \t]*:"
    r"(?:\*\*|__)?[ \t]*(?P<value>.*?)\s*$"
)


def normalise_key(text: str) -> str:
    """``Declared over``, ``declared_over:``, ``**Declared-Over**`` → ``declared over``."""
    cleaned = re.sub(r"[*_`]+", " ", text).replace("-", " ")
    return " ".join(cleaned.lower().split()).rstrip(":").strip()


def scan_body(body: str) -> Document:
    """An issue or comment body's lines, as text/markdown.py reads them (any line ending)."""
    return markdown.scan((body or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"))


def _clean_value(lines: list[str]) -> str:
    text = "\n".join(lines).strip()
    if text == NO_RESPONSE:
        return ""
    # Upper-case [X] is what GitHub writes for ticked form checkboxes; one spelling makes matching easy.
    return "\n".join(_lower_checkbox(line) for line in text.split("\n"))


def _lower_checkbox(line: str) -> str:
    item = list_item(line)
    if item is None or item.box is None:
        return line
    return line[: item.box_at] + item.box.lower() + line[item.box_at + 1 :]


def parse_sections(body: str) -> dict[str, str]:
    """Heading (normalised, lower-case) → its text, stripped; ``_No response_`` becomes "".

    Every heading level starts a section (forms use ``###``; hand-written bodies vary). Text before the first
    heading is not a section. When a heading repeats, the first one wins.
    """
    sections: dict[str, str] = {}
    current: str | None = None
    lines: list[str] = []
    for line in scan_body(body).lines:
        if line.kind is Kind.HEADING:
            if current is not None and current not in sections:
                sections[current] = _clean_value(lines)
            current, lines = normalise_key(line.title), []
        elif current is not None:
            lines.append(line.text)
    if current is not None and current not in sections:
        sections[current] = _clean_value(lines)
    return sections


def key_values(body: str) -> dict[str, str]:
    """``Key: value`` lines outside code fences, keys normalised; the first occurrence wins."""
    found: dict[str, str] = {}
    for line in scan_body(body).lines:
        if line.kind in FENCE_KINDS or line.kind is Kind.HEADING:
            continue
        match = _KEY_VALUE.match(line.text)
        if match is None:
            continue
        key = normalise_key(match["key"])
        value = match["value"].strip()
        if key and value and value != NO_RESPONSE:
            found.setdefault(key, value)
    return found


def field_value(body: str, *names: str) -> str | None:
    """The first non-empty answer for any of ``names``: a form section first, then a ``Key: value`` line.

    Returns None when the field is absent or empty (``_No response_``).
    """
    wanted = [normalise_key(name) for name in names]
    sections = parse_sections(body)
    for name in wanted:
        if sections.get(name):
            return sections[name]
    pairs = key_values(body)
    for name in wanted:
        if pairs.get(name):
            return pairs[name]
    return None


def checked_options(text: str) -> list[str]:
    """The ticked options of a checkbox answer, in order."""
    ticked = []
    for line in text.split("\n"):
        item = list_item(line)
        if item is not None and item.box in ("x", "X"):
            ticked.append(item.text.strip())
    return ticked


# The form's free-text answers the wiki page shows in its facts (people's words: shown as text, guarded).
PAGE_FIELDS = ("Summary", "Impact")


def page_fields(body: str) -> list[tuple[str, str]]:
    """(label, answer) of each of PAGE_FIELDS the issue answers: a form section, a heading of that name, or a
    ``Summary: ...`` line."""
    found = ((label, field_value(body, label)) for label in PAGE_FIELDS)
    return [(label, text) for label, text in found if text]
