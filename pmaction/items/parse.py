"""Agreed action items: read them from Markdown (items/edit.py edits their lines, items/issue_text.py
describes their backlog issues).

Pure functions, no I/O. The post mortem's ``Action items`` section holds task-list items the team agreed
to; each becomes exactly one backlog issue. Before the issue exists an item is known by a key (a hash of
its normalised title); once annotated with ``(#123)`` the reference is its identity, so later rewording
never makes a second issue.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from pmaction.text.markdown import BLOCK_KINDS, FENCE_KINDS, Kind, Line, ListItem, scan

DEFAULT_TAXONOMY = ("mitigate", "prevent", "detect", "process", "test")


@dataclass(frozen=True)
class ActionItem:
    key: str  # sha1 of the normalised title, 12 hex digits
    title: str  # text without owners, type, priority, due date and reference
    raw: str  # the whole source line, without its line ending
    line_index: int  # 0-based index of the line in the document (split on "\n")
    checked: bool
    owners: tuple[str, ...]
    type: str | None
    priority: str | None  # "P0".."P3"
    due: date | None
    ref: int | None  # the backlog issue the item is annotated with, "(#123)"
    origin: str  # "body" | "page"


@dataclass(frozen=True)
class ItemsParse:
    agreed: tuple[ActionItem, ...]
    proposals: tuple[str, ...]
    warnings: tuple[str, ...]
    duplicates: tuple[ActionItem, ...]


# --- Reading the document structure ---------------------------------------------------------------------

# A line that is only bold text ("**Action items:**") is used as a heading in many issue bodies; only this
# parser reads it so (to the Markdown scanner it is a paragraph).
_BOLD_LINE = re.compile(r"^ {0,3}(\*\*|__)(.+?)\1[ \t]*:?[ \t]*$")
# Bold-line pseudo-headings rank below every real heading.
_BOLD_LEVEL = 7
# Not content: code, comments, our generated blocks, and the text lines of a setext heading.
_SKIPPED = FENCE_KINDS | BLOCK_KINDS | {Kind.COMMENT, Kind.SETEXT}

_AGREED_HEADING = re.compile(r"\bactions?\s+items?\b", re.IGNORECASE)
_PROPOSAL_HEADING = re.compile(r"\b(?:ideas?|proposed|proposals?)\b", re.IGNORECASE)


@dataclass(frozen=True)
class _Line:
    index: int
    text: str  # without "\r"
    section: str | None  # "agreed" | "proposals" | None
    item: ListItem | None  # a list item (task or not)


def _heading_kind(text: str) -> str | None:
    cleaned = re.sub(r"[*_`:]", " ", text)
    # "Proposed action items" is a list of proposals, so proposals win.
    if _PROPOSAL_HEADING.search(cleaned):
        return "proposals"
    if _AGREED_HEADING.search(cleaned):
        return "agreed"
    return None


def _content_lines(markdown: str) -> Iterator[_Line]:
    """Lines outside code fences, HTML comments and our generated blocks, with the section they sit in."""
    stack: list[tuple[int, str | None]] = []  # (heading level, kind) of the enclosing headings
    # Split on "\n" only (str.splitlines also splits on \x0b, \u2028 ...), so indices map back exactly.
    for line in scan(markdown.split("\n")).lines:
        if line.kind in _SKIPPED:
            continue
        heading = _heading(line)
        if heading is not None:
            level, title = heading
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, _heading_kind(title)))
            continue
        section = next((kind for _, kind in reversed(stack) if kind is not None), None)
        yield _Line(line.index, line.text, section, line.item)


def _heading(line: Line) -> tuple[int, str] | None:
    """(level, title) of an ATX heading, a setext heading (at its underline) or a bold-only line."""
    if line.kind in (Kind.HEADING, Kind.UNDERLINE):
        return line.level, line.title
    bold = _BOLD_LINE.match(line.text) if line.kind is Kind.PLAIN else None
    return (_BOLD_LEVEL, bold.group(2)) if bold else None


# --- One item line -----------------------------------------------------------------------------------------

# GitHub logins: alphanumerics and single inner hyphens, at most 39 characters. Not e-mail addresses, not
# paths, not team mentions (@org/team).
_OWNER = re.compile(r"(?<![\w@/.`-])@(?P<login>[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})(?![\w/-])")
_OWNER_LABEL = re.compile(r"(?i)\b(?:owners?|assignees?|assigned\s+to)\s*:?\s*$")
_PRIORITY = re.compile(r"(?i)(?<![\w#/-])(?:priority:\s*)?P(?P<level>[0-3])(?![\w-])")
_DUE = re.compile(r"(?i)(?<![\w/-])due:\s*(?P<date>\d{4}-\d{2}-\d{2})(?![\w-])")
# "(#123)" in an issue (GitHub autolinks it), "([#123](url))" on a wiki page (wikis do not autolink).
_REF = re.compile(r"[ \t]*\((?:#(?P<number>\d{1,10})|\[#(?P<linked>\d{1,10})\]\([^()\s]*\))\)[ \t]*$")
# Masked before looking for tokens: code spans, link targets and bare URLs (``https://x/#prevent``).
_OPAQUE = re.compile(r"`+[^`]*`+|\]\([^)]*\)|<https?://[^>]*>|https?://\S+")


@dataclass(frozen=True)
class _Fields:
    title: str
    owners: tuple[str, ...]
    type: str | None
    priority: str | None
    due: date | None
    ref: int | None
    warnings: tuple[str, ...]


def _mask(text: str) -> str:
    return _OPAQUE.sub(lambda m: "\0" * len(m.group(0)), text)


def _parse_fields(text: str, taxonomy: Sequence[str], where: str) -> _Fields:
    ref_match = _REF.search(text)
    ref = int(ref_match["number"] or ref_match["linked"]) if ref_match else None
    if ref_match:
        text = text[: ref_match.start()]
    masked = _mask(text)
    owners, owner_spans = _owners(text, masked)
    item_type, type_spans, type_warnings = _item_type(masked, taxonomy, where)
    priority, priority_spans, priority_warnings = _priority(masked, where)
    due, due_spans, due_warnings = _due(masked, where)
    spans = [*owner_spans, *type_spans, *priority_spans, *due_spans]
    warnings = (*type_warnings, *priority_warnings, *due_warnings)
    return _Fields(_title_without(text, spans), owners, item_type, priority, due, ref, warnings)


# Each field reader returns (value, the spans its tokens cover, warnings); the spans are cut from the title.
_Spans = list[tuple[int, int]]


def _owners(text: str, masked: str) -> tuple[tuple[str, ...], _Spans]:
    owners: list[str] = []
    spans: _Spans = []
    for match in _OWNER.finditer(masked):
        login = text[match.start("login") : match.end("login")]
        if login.lower() not in (o.lower() for o in owners):
            owners.append(login)
        spans.append(match.span())
        label = _OWNER_LABEL.search(masked, 0, match.start())
        if label:
            spans.append(label.span())
    return tuple(owners), spans


def _item_type(masked: str, taxonomy: Sequence[str], where: str) -> tuple[str | None, _Spans, list[str]]:
    kinds = [t.lower() for t in taxonomy]
    if not kinds:
        return None, [], []
    type_re = re.compile(
        r"(?i)(?<![\w&#/])#(?P<type>" + "|".join(re.escape(k) for k in kinds) + r")(?![\w/-])"
    )
    item_type = None
    spans: _Spans = []
    warnings: list[str] = []
    for match in type_re.finditer(masked):
        found = match.group("type").lower()
        if item_type is None:
            item_type = found
        elif found != item_type:
            warnings.append(f"{where} has two types (#{item_type}, #{found}); using #{item_type}")
        spans.append(match.span())
    return item_type, spans, warnings


def _priority(masked: str, where: str) -> tuple[str | None, _Spans, list[str]]:
    priority = None
    spans: _Spans = []
    warnings: list[str] = []
    for match in _PRIORITY.finditer(masked):
        found = f"P{match.group('level')}"
        if priority is None:
            priority = found
        elif found != priority:
            warnings.append(f"{where} has two priorities ({priority}, {found}); using {priority}")
        spans.append(match.span())
    return priority, spans, warnings


def _due(masked: str, where: str) -> tuple[date | None, _Spans, list[str]]:
    due = None
    spans: _Spans = []
    warnings: list[str] = []
    for match in _DUE.finditer(masked):
        try:
            value = date.fromisoformat(match.group("date"))
        except ValueError:
            warnings.append(f"{where}: due:{match.group('date')} is not a date; write due:YYYY-MM-DD")
            continue
        if due is None:
            due = value
        spans.append(match.span())
    return due, spans, warnings


def _title_without(text: str, spans: list[tuple[int, int]]) -> str:
    keep = [True] * len(text)
    for start, end in spans:
        for i in range(start, end):
            keep[i] = False
    title = "".join(ch if keep[i] else " " for i, ch in enumerate(text))
    title = re.sub(r"\s+", " ", title)
    # Separators left behind by removed tokens: "fix it ( , )" -> "fix it".
    title = re.sub(r"\s+([,;.:!?)\]])", r"\1", title)
    title = re.sub(r"[(\[]\s*[,;&]*\s*[)\]]", "", title)
    title = re.sub(r"(?:[,;&]\s*)+([)\]]|$)", r"\1", title)
    title = re.sub(r"\s+", " ", title)
    return title.strip().strip(",;&").rstrip(" -–—:").strip()


def normalise_title(title: str) -> str:
    """Lower-case, punctuation stripped, whitespace collapsed: the text an item's key is made from."""
    return " ".join(re.sub(r"[^\w\s]|_", " ", title.lower()).split())


def item_key(title: str) -> str:
    return hashlib.sha1(normalise_title(title).encode("utf-8")).hexdigest()[:12]


# --- Parsing ---------------------------------------------------------------------------------------------


def parse_action_items(
    markdown: str, *, origin: str, taxonomy: Sequence[str] = DEFAULT_TAXONOMY
) -> ItemsParse:
    """Agreed items (task list under an "Action items" heading), proposals, warnings and duplicates."""
    agreed: list[ActionItem] = []
    proposals: list[str] = []
    warnings: list[str] = []
    duplicates: list[ActionItem] = []
    for line in _content_lines(markdown):
        if line.section is None:
            continue
        task = line.item if line.item is not None and line.item.box is not None else None
        if line.section == "proposals" or task is None:
            # A task item under "Proposed" is still only a proposal: keep its text, not its box.
            if line.item is not None and line.item.text.strip():
                proposals.append(line.item.text.strip())
            continue
        where = f"line {line.index + 1}"
        fields = _parse_fields(task.text, taxonomy, where)
        warnings.extend(fields.warnings)
        if not fields.title:
            warnings.append(f"{where}: '{line.text.strip()}' has no text; it was skipped")
            continue
        item = ActionItem(
            key=item_key(fields.title),
            title=fields.title,
            raw=line.text,
            line_index=line.index,
            checked=task.box in ("x", "X"),
            owners=fields.owners,
            type=fields.type,
            priority=fields.priority,
            due=fields.due,
            ref=fields.ref,
            origin=origin,
        )
        first = _duplicate_of(item, agreed)
        if first is not None:
            duplicates.append(item)
            warnings.append(
                f"{where}: '{line.text.strip()}' repeats the action item on line {first.line_index + 1}; "
                "only one backlog issue is made for them"
            )
            continue
        agreed.append(item)
    return ItemsParse(tuple(agreed), tuple(proposals), tuple(warnings), tuple(duplicates))


def _duplicate_of(item: ActionItem, earlier: Sequence[ActionItem]) -> ActionItem | None:
    """The earlier item this one repeats: same issue reference, or same key unless both name
    different issues already (two issues exist; leave them be)."""
    for other in earlier:
        if item.ref is not None and item.ref == other.ref:
            return other
        if item.key == other.key and (item.ref is None or other.ref is None):
            return other
    return None


def locate(markdown: str, item: ActionItem) -> int | None:
    """The item's line: at its index if that line is unchanged, else (the document changed since it was
    parsed) the first identical task line; either way only inside an agreed action-items section."""
    matches = [
        line.index
        for line in _content_lines(markdown)
        if line.section == "agreed" and line.text == item.raw and line.item is not None and line.item.box
    ]
    if item.line_index in matches:
        return item.line_index
    return matches[0] if matches else None


def linked_issue(text: str) -> int | None:
    """The backlog issue an item line is annotated with, ``(#123)`` at its end."""
    found = _REF.search(text)
    return int(found["number"] or found["linked"]) if found else None
