"""Where action items live in a document: the headings that open an action-items section, and the lines in it.

Pure. Three kinds of heading matter (any level, a setext heading, or a line that is only bold text):

- ``agreed``: the team's list of decided work ("Action items", "Corrective and preventative measures",
  "Follow-ups", "What we're doing to fix this", ...): every item under it counts unless worded as a proposal;
- ``weak``: headings teams also use for it, and for other things ("Next steps", "Improvements",
  "Remediation"): an item counts only with evidence that it was decided (a box, an owner, an issue link,
  a TODO/DONE status);
- ``proposals``: "Proposed ...", "Ideas", "Recommendations": nothing under it counts, and nothing is said.

A sub-heading inside a section stays in it unless it is of one of these kinds itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pmaction.text.markdown import BLOCK_KINDS, FENCE_KINDS, Kind, Line, ListItem, scan

# A line that is only bold text ("**Action items:**") is used as a heading in many issue bodies; only this
# parser reads it so (to the Markdown scanner it is a paragraph).
_BOLD_LINE = re.compile(r"^ {0,3}(\*\*|__)(?P<title>.+?)\1[ \t]*:?[ \t]*$")
# Bold-line pseudo-headings rank below every real heading.
_BOLD_LEVEL = 7
# Not content: code, comments, our generated blocks, and the text lines of a setext heading.
_SKIPPED = FENCE_KINDS | BLOCK_KINDS | {Kind.COMMENT, Kind.SETEXT}

_PROPOSAL_HEADING = re.compile(r"\b(?:ideas?|proposed|proposals?|recommendations?|suggestions?)\b", re.I)
_AGREED_HEADING = re.compile(
    r"\bactions?\s+(?:items?|points?|plan)\b|\bactionables?\b|\bnext\s+actions\b"
    r"|\bfollow[\s-]*ups?\b"
    r"|\b(?:corrective|preventa?tive|remedial|remediations?)\b"
    r"|\bwhat\s+we(?:\s*['’]\s*(?:re|ll)|\s+are|\s+will)?\s+(?:be\s+)?"
    r"(?:doing|do|change|changing|fix|fixing|improve|improving)\b"
    r"|\bwhat\s+(?:can|will)\s+we\s+(?:do|change|fix|improve)\b"
    r"|\bprevent(?:ing|ion)?\b.*\b(?:again|recurrences?|repeats?|future)\b"
    r"|\bimprov(?:ing|ements?)\b"
    r"|\btodos?\b|\bto-dos?\b",
    re.I,
)
_WEAK_HEADING = re.compile(
    r"\bnext\s+steps?\b|\bimprov(?:e|es|ed)\b|\bprevention\b|\bfuture\s+work\b",
    re.I,
)
# Not about future work, whatever else the heading says ("Actions taken", "What went well").
_PAST_HEADING = re.compile(r"\b(?:taken|went|happened|lessons?)\b", re.I)


def heading_kind(text: str) -> str | None:
    cleaned = re.sub(r"[*_`:]", " ", text)
    # "Proposed action items" is a list of proposals, so proposals win.
    if _PROPOSAL_HEADING.search(cleaned):
        return "proposals"
    if _AGREED_HEADING.search(cleaned):
        return "agreed"
    if _PAST_HEADING.search(cleaned):
        return None
    if _WEAK_HEADING.search(cleaned):
        return "weak"
    return None


@dataclass(frozen=True)
class Section:
    kind: str  # "agreed" | "weak" | "proposals"
    heading: int  # index of its heading line
    title: str


@dataclass(frozen=True)
class ContentLine:
    index: int
    text: str  # without "\r"
    kind: Kind
    section: Section | None  # the nearest enclosing heading of a kind above, if any
    item: ListItem | None  # a list item (task or not)
    table: int  # TABLE_ROW / TABLE_SEPARATOR: index of the table's header row, else -1
    headings: tuple[str, ...] = ()  # the section's heading and those in it above this line, innermost last


def content_lines(markdown: str) -> Iterator[ContentLine]:
    """Lines outside code fences, HTML comments and our generated blocks, with the section they sit in."""
    stack: list[tuple[int, Section | None, str]] = []  # (level, section, title) of the enclosing headings
    # Split on "\n" only (str.splitlines also splits on \x0b, \u2028 ...), so indices map back exactly.
    for line in scan(markdown.split("\n")).lines:
        if line.kind in _SKIPPED:
            continue
        heading = _heading(line)
        if heading is not None:
            level, title = heading
            while stack and stack[-1][0] >= level:
                stack.pop()
            kind = heading_kind(title)
            outer = _nearest(stack)
            if kind == "weak" and outer is not None and outer.kind == "agreed":
                kind = None  # "Short-term improvements" inside "Remediation" stays agreed work
            stack.append((level, Section(kind, line.index, title.strip()) if kind else None, title.strip()))
            continue
        section = _nearest(stack)
        titles: tuple[str, ...] = ()
        if section is not None:
            titles = tuple(t for _, s, t in stack[[s for _, s, _ in stack].index(section) :])
        yield ContentLine(line.index, line.text, line.kind, section, line.item, line.table, titles)


def _nearest(stack: list[tuple[int, Section | None, str]]) -> Section | None:
    return next((s for _, s, _ in reversed(stack) if s is not None), None)


def _heading(line: Line) -> tuple[int, str] | None:
    """(level, title) of an ATX heading, a setext heading (at its underline), an HTML heading or a bold-only
    line."""
    if line.kind in (Kind.HEADING, Kind.UNDERLINE):
        return line.level, line.title
    if line.kind is not Kind.PLAIN:
        return None
    html = _HTML_HEADING.match(line.text)
    if html:  # "<h2>Improvements</h2>": GitHub renders it as a heading
        return int(html["level"]), re.sub(r"<[^>]*>", "", html["title"])
    bold = _BOLD_LINE.match(line.text)
    return (_BOLD_LEVEL, bold["title"]) if bold and not _ITEM_LABEL.match(line.text) else None


_HTML_HEADING = re.compile(r"(?i)^\s*<h(?P<level>[1-6])(?:\s[^>]*)?>(?P<title>.*?)</h(?P=level)>\s*$")


# "**Action item:** text" starts an item, wherever it stands; it is no heading even when alone on its line.
_ITEM_LABEL = re.compile(
    r"^[ \t]*(?:[-*+][ \t]+)?(?:\*\*|__)(?:action[ \t]+item|ai|to[ \t-]?do)[ \t]*:?[ \t]*(?:\*\*|__)"
    r"[ \t]*:?[ \t]*(?=\S)",
    re.I,
)


def item_label_end(text: str) -> int | None:
    """Where the text of an ``**Action item:** text`` line starts, or None for any other line."""
    found = _ITEM_LABEL.match(text)
    return found.end() if found else None


# "[label]: https://..." (a reference-style link definition): no content, but it says where [label] goes.
_DEFINITION = re.compile(r"^ {0,3}\[(?P<label>[^\]]{1,200})\]:[ \t]*<?(?P<url>[^\s>]+)>?")


def link_definitions(lines: Iterable[ContentLine]) -> dict[str, str]:
    """Reference-style link definitions among ``lines``, label (lower-case) → URL; the first one wins."""
    found: dict[str, str] = {}
    for line in lines:
        match = _DEFINITION.match(line.text) if line.kind is Kind.PLAIN else None
        if match:
            found.setdefault(" ".join(match["label"].lower().split()), match["url"])
    return found


def is_definition(text: str) -> bool:
    return _DEFINITION.match(text) is not None
