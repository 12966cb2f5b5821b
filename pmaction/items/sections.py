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
from collections.abc import Iterable, Iterator, Sequence
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


@dataclass
class _Frame:
    """A heading above the line, or a list item that is only a title (``indent`` >= 0)."""

    level: int
    section: Section | None
    title: str
    indent: int = -1
    nested: bool = False  # a list title: lines are nested under it (it holds those)
    adopting: bool = False  # a list title with nothing nested under it: it holds the list items after it


def content_lines(markdown: str) -> Iterator[ContentLine]:
    """Lines outside code fences, HTML comments and our generated blocks, with the section they sit in."""
    stack: list[_Frame] = []  # the enclosing headings and list titles, outermost first
    # Split on "\n" only (str.splitlines also splits on \x0b, \u2028 ...), so indices map back exactly.
    lines = [line for line in scan(markdown.split("\n")).lines if line.kind not in _SKIPPED]
    for at, line in enumerate(lines):
        if line.kind is not Kind.BLANK:
            _close_list_titles(stack, line)
        heading = _heading(line) or _list_title(lines, at, _nearest(stack) is not None)
        if heading is not None:
            level, title = heading
            while stack and stack[-1].level >= level:
                stack.pop()
            kind = heading_kind(title)
            outer = _nearest(stack)
            if kind == "weak" and outer is not None and outer.kind == "agreed":
                kind = None  # "Short-term improvements" inside "Remediation" stays agreed work
            section = Section(kind, line.index, title.strip()) if kind else None
            stack.append(_Frame(level, section, title.strip(), indent_of(line.text) if line.item else -1))
            continue
        section = _nearest(stack)
        titles: tuple[str, ...] = ()
        if section is not None:
            titles = tuple(f.title for f in stack[[f.section for f in stack].index(section) :])
        yield ContentLine(line.index, line.text, line.kind, section, line.item, line.table, titles)


def _nearest(stack: list[_Frame]) -> Section | None:
    return next((f.section for f in reversed(stack) if f.section is not None), None)


def indent_of(text: str) -> int:
    """How far a line is indented (spaces and tabs, one each): what nests a list item under another."""
    return len(text) - len(text.lstrip(" \t"))


def untagged(text: str) -> str:
    """The text without its HTML tags (``<li>``, ``<a href=...>``, ``<h2>``), stripped."""
    return re.sub(r"<[^<>]{0,500}>", "", text).strip()


def _heading(line: Line) -> tuple[int, str] | None:
    """(level, title) of an ATX heading, a setext heading (at its underline), an HTML heading or a bold-only
    line."""
    if line.kind in (Kind.HEADING, Kind.UNDERLINE):
        return line.level, line.title
    if line.kind is not Kind.PLAIN:
        return None
    html = _HTML_HEADING.match(line.text)
    if html:  # "<h2>Improvements</h2>": GitHub renders it as a heading
        return int(html["level"]), untagged(html["title"])
    bold = _BOLD_LINE.match(line.text)
    return (_BOLD_LEVEL, bold["title"]) if bold and not _ITEM_LABEL.match(line.text) else None


# A list item that is only a title ("- **Followup actions:**", "7. Preventative Measures" in a write-up whose
# sections are a numbered list) heads the lines nested under it, or, when nothing is nested under it, the list
# items that follow it. It ranks below every heading.
_LIST_LEVEL = _BOLD_LEVEL + 1
_TITLE_WORDS = 6


def _list_title(lines: Sequence[Line], at: int, in_section: bool) -> tuple[int, str] | None:
    """(level, title) when the list item at ``lines[at]`` is only a title. A bold label is one anywhere
    (inside an action-items section only when it ends with a colon, "**Short-term:**": a bold item is an item
    there); plain words only outside such a section, worded as an action-items heading, with lines nested
    under them (so a timeline bullet "Follow-up call" stays a bullet)."""
    item = lines[at].item
    if item is None or item.box is not None:
        return None
    text = item.text.strip()
    bold = _BOLD_LINE.match(text)
    if bold:
        label = text.rstrip("*_ \t").endswith(":")
        return (_LIST_LEVEL, bold["title"]) if label or not in_section else None
    if in_section or heading_kind(text) not in ("agreed", "weak") or not _nested_below(lines, at):
        return None
    words = text.rstrip(":").split()
    titled = len(words) <= 3 or all(w[:1].isupper() for w in words if len(w) > 3)
    plain = re.search(r"[\d.!?;,]", text) is None
    return (_LIST_LEVEL, text) if titled and plain and len(words) <= _TITLE_WORDS else None


def _nested_below(lines: Sequence[Line], at: int) -> bool:
    after = next((i for i in range(at + 1, len(lines)) if lines[i].kind is not Kind.BLANK), None)
    return after is not None and indent_of(lines[after].text) > indent_of(lines[at].text)


def _close_list_titles(stack: list[_Frame], line: Line) -> None:
    """A non-blank line at or left of a list title's indentation ends what the title holds, unless the title
    has nothing nested under it and the line is a list item (the title holds the items after it)."""
    indent = indent_of(line.text)
    while stack and stack[-1].indent >= 0:
        top = stack[-1]
        if indent > top.indent:
            top.nested = top.nested or not top.adopting
            return
        if line.item is not None and not top.nested:
            top.adopting = True
            return
        stack.pop()


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
