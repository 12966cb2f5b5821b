"""Agreed action items: read them from Markdown, edit their lines in place, describe their backlog issues.

Pure functions, no I/O. The post mortem's ``Action items`` section holds task-list items the team agreed
to; each becomes exactly one backlog issue. Before the issue exists an item is known by a key (a hash of
its normalised title); once annotated with ``(#123)`` the reference is its identity, so later rewording
never makes a second issue.

Documents are edited byte for byte: only the item's own line changes, line endings (CRLF) are kept.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from pmaction.text import markers
from pmaction.text.markdown import ATX, Fences, strip_cr
from pmaction.text.words import truncate_words

DEFAULT_TAXONOMY = ("mitigate", "prevent", "detect", "process", "test")

# GitHub's limits (issue titles 256 characters, bodies 65,536).
TITLE_LIMIT = 256
BODY_LIMIT = 65_536

# Colour and description of the labels pmaction creates. Keys are label names or prefixes, most specific
# first: the caller picks the first key the label equals or starts with.
LABEL_STYLE: dict[str, tuple[str, str]] = {
    "postmortem-action": ("5319e7", "Agreed action item from a post-mortem (made by pmaction)"),
    "type:": ("c5def5", "Kind of post-mortem action item: mitigate, prevent, detect, process, test"),
    "priority:p0": ("b60205", "Post-mortem action item: do now"),
    "priority:p1": ("d93f0b", "Post-mortem action item: high priority"),
    "priority:p2": ("fbca04", "Post-mortem action item: normal priority"),
    "priority:p3": ("0e8a16", "Post-mortem action item: low priority"),
    "priority:": ("fbca04", "Post-mortem action item priority"),
}


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

_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
# A line that is only bold text ("**Action items:**") is used as a heading in many issue bodies.
_BOLD_LINE = re.compile(r"^ {0,3}(\*\*|__)(.+?)\1[ \t]*:?[ \t]*$")
# Bold-line pseudo-headings rank below every real heading.
_BOLD_LEVEL = 7
_TASK = re.compile(r"^(?P<lead>[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+)\[(?P<box>[ xX])\](?:[ \t]+(?P<text>.*))?$")
_BULLET = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(?P<text>.*\S)")

_AGREED_HEADING = re.compile(r"\bactions?\s+items?\b", re.IGNORECASE)
_PROPOSAL_HEADING = re.compile(r"\b(?:ideas?|proposed|proposals?)\b", re.IGNORECASE)


@dataclass(frozen=True)
class _Line:
    index: int
    text: str  # without "\r"
    section: str | None  # "agreed" | "proposals" | None


def _split(markdown: str) -> list[str]:
    # Split on "\n" only (str.splitlines also splits on \x0b, \u2028 ...), so indices map back exactly.
    return markdown.split("\n")


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
    lines = [strip_cr(line) for line in _split(markdown)]
    stack: list[tuple[int, str | None]] = []  # (heading level, kind) of the enclosing headings
    fences = Fences()
    in_comment = False
    block: str | None = None
    for index, text in enumerate(lines):
        if fences.open is not None:
            fences.inside(text)
            continue
        if in_comment:
            in_comment = "-->" not in text
            continue
        if block is not None:
            if markers.parse_block_end(text) == block:
                block = None
            continue
        begin = markers.parse_block_begin(text)
        if begin:
            block = begin
            continue
        if fences.inside(text):  # opens a fence
            continue
        start = text.find("<!--")
        if start >= 0 and "-->" not in text[start:]:
            in_comment = True
            continue
        level, title = _heading(text, lines[index + 1] if index + 1 < len(lines) else None)
        if level is not None:
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, _heading_kind(title)))
            continue
        section = next((kind for _, kind in reversed(stack) if kind is not None), None)
        yield _Line(index, text, section)


def _heading(text: str, following: str | None) -> tuple[int | None, str]:
    atx = ATX.match(text)
    if atx:
        return len(atx["hashes"]), atx["text"] or ""
    if (
        following is not None
        and text.strip()
        and _SETEXT.match(following)
        and not _SETEXT.match(text)
        and not _is_block_start(text)
    ):
        # Setext heading: this line is the text, the next one its underline.
        return (1 if following.strip().startswith("=") else 2), text.strip()
    bold = _BOLD_LINE.match(text)
    if bold:
        return _BOLD_LEVEL, bold.group(2)
    return None, ""


def _is_block_start(text: str) -> bool:
    return bool(_BULLET.match(text) or _TASK.match(text) or text.lstrip().startswith((">", "|", "<")))


# --- One item line -----------------------------------------------------------------------------------------

# GitHub logins: alphanumerics and single inner hyphens, at most 39 characters. Not e-mail addresses, not
# paths, not team mentions (@org/team).
_OWNER = re.compile(r"(?<![\w@/.`-])@(?P<login>[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})(?![\w/-])")
_OWNER_LABEL = re.compile(r"(?i)\b(?:owners?|assignees?|assigned\s+to)\s*:?\s*$")
_PRIORITY = re.compile(r"(?i)(?<![\w#/-])(?:priority:\s*)?P(?P<level>[0-3])(?![\w-])")
_DUE = re.compile(r"(?i)(?<![\w/-])due:\s*(?P<date>\d{4}-\d{2}-\d{2})(?![\w-])")
_REF = re.compile(r"[ \t]*\(#(?P<number>\d{1,10})\)[ \t]*$")
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
    warnings: list[str] = []
    ref = None
    ref_match = _REF.search(text)
    if ref_match:
        ref = int(ref_match.group("number"))
        text = text[: ref_match.start()]
    masked = _mask(text)
    spans: list[tuple[int, int]] = []

    owners: list[str] = []
    for match in _OWNER.finditer(masked):
        login = text[match.start("login") : match.end("login")]
        if login.lower() not in (o.lower() for o in owners):
            owners.append(login)
        spans.append(match.span())
        label = _OWNER_LABEL.search(masked, 0, match.start())
        if label:
            spans.append(label.span())

    kinds = [t.lower() for t in taxonomy]
    item_type = None
    if kinds:
        type_re = re.compile(
            r"(?i)(?<![\w&#/])#(?P<type>" + "|".join(re.escape(k) for k in kinds) + r")(?![\w/-])"
        )
        for match in type_re.finditer(masked):
            found = match.group("type").lower()
            if item_type is None:
                item_type = found
            elif found != item_type:
                warnings.append(f"{where} has two types (#{item_type}, #{found}); using #{item_type}")
            spans.append(match.span())

    priority = None
    for match in _PRIORITY.finditer(masked):
        found = f"P{match.group('level')}"
        if priority is None:
            priority = found
        elif found != priority:
            warnings.append(f"{where} has two priorities ({priority}, {found}); using {priority}")
        spans.append(match.span())

    due = None
    for match in _DUE.finditer(masked):
        try:
            value = date.fromisoformat(match.group("date"))
        except ValueError:
            warnings.append(f"{where}: due:{match.group('date')} is not a date; write due:YYYY-MM-DD")
            continue
        if due is None:
            due = value
        spans.append(match.span())

    return _Fields(_title_without(text, spans), tuple(owners), item_type, priority, due, ref, tuple(warnings))


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
        task = _TASK.match(line.text)
        if line.section == "proposals" or task is None:
            bullet = _BULLET.match(line.text)
            if bullet:
                # A task item under "Proposed" is still only a proposal: keep its text, not its box.
                text = (task.group("text") or "") if task else bullet["text"]
                if text.strip():
                    proposals.append(text.strip())
            continue
        where = f"line {line.index + 1}"
        fields = _parse_fields(task.group("text") or "", taxonomy, where)
        warnings.extend(fields.warnings)
        if not fields.title:
            warnings.append(f"{where}: '{line.text.strip()}' has no text; it was skipped")
            continue
        item = ActionItem(
            key=item_key(fields.title),
            title=fields.title,
            raw=line.text,
            line_index=line.index,
            checked=task.group("box") in "xX",
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


# --- Editing item lines ----------------------------------------------------------------------------------


def _locate(markdown: str, item: ActionItem) -> int | None:
    """The item's line: at its index if that line is unchanged, else (the document changed since it was
    parsed) the first identical task line; either way only inside an agreed action-items section."""
    matches = [
        line.index
        for line in _content_lines(markdown)
        if line.section == "agreed" and line.text == item.raw and _TASK.match(line.text)
    ]
    if item.line_index in matches:
        return item.line_index
    return matches[0] if matches else None


def _replace_line(markdown: str, index: int, new_text: str) -> str:
    lines = _split(markdown)
    ending = "\r" if lines[index].endswith("\r") else ""
    lines[index] = new_text + ending
    return "\n".join(lines)


def annotate(markdown: str, item: ActionItem, number: int) -> tuple[str, bool]:
    """Append `` (#number)`` to the item's line. Returns (markdown, found); idempotent for the same number."""
    index = _locate(markdown, item)
    if index is None:
        return markdown, False
    text = strip_cr(_split(markdown)[index])
    existing = _REF.search(text)
    if existing:
        # Already linked: to this issue is fine; never overwrite a link to another one.
        return markdown, int(existing.group("number")) == number
    content = text.rstrip(" \t")
    return _replace_line(markdown, index, f"{content} (#{number}){text[len(content) :]}"), True


def set_checked(markdown: str, item: ActionItem, checked: bool) -> tuple[str, bool]:
    """Tick or untick the item's box, nothing else. Returns (markdown, found)."""
    index = _locate(markdown, item)
    if index is None:
        return markdown, False
    text = strip_cr(_split(markdown)[index])
    task = _TASK.match(text)
    if task is None:
        return markdown, False
    box = task.start("box")
    if (task.group("box") != " ") == checked:
        return markdown, True
    return _replace_line(markdown, index, text[:box] + ("x" if checked else " ") + text[box + 1 :]), True


# --- The backlog issue -------------------------------------------------------------------------------------

def backlog_title(item: ActionItem) -> str:
    return truncate_words(item.title, TITLE_LIMIT)


def _link_text(text: str) -> str:
    return re.sub(r"([\\\[\]`*_<>])", r"\\\1", " ".join(text.split()))


def backlog_body(
    item: ActionItem,
    *,
    incident_url: str,
    incident_number: int,
    incident_title: str,
    page_url: str | None,
    full_name: str,
    unassignable: Sequence[str] = (),
) -> str:
    """The backlog issue's body: where the item comes from and what was agreed; the marker last."""
    source = "the incident issue" if item.origin == "body" else "the post-mortem page"
    facts = [f"- **Incident:** [#{incident_number} {_link_text(incident_title)}]({incident_url})"]
    if page_url:
        facts.append(f"- **Post-mortem:** [wiki page]({page_url})")
    if item.owners:
        facts.append(
            "- **Owner"
            + ("s" if len(item.owners) > 1 else "")
            + ":** "
            + ", ".join(f"@{o}" for o in item.owners)
        )
    if item.type:
        facts.append(f"- **Type:** {item.type}")
    if item.priority:
        facts.append(f"- **Priority:** {item.priority}")
    if item.due:
        facts.append(f"- **Due:** {item.due.isoformat()}")
    note = ""
    if unassignable:
        names = ", ".join(f"@{o}" for o in unassignable)
        note = (
            f"\n{names} could not be assigned (not a collaborator of {full_name}), "
            "so they are mentioned here instead.\n"
        )
    head = (
        f"Action item agreed in the post-mortem of #{incident_number}, taken from {source}.\n\n"
        + "\n".join(facts)
        + "\n\nAs written:\n\n"
    )
    tail = (
        f"\n{note}\nTick it off by closing this issue; pmaction ticks the item in the post-mortem.\n\n"
        + markers.item_marker(full_name, incident_number, item.key)
    )
    room = BODY_LIMIT - len(head) - len(tail) - 3
    quoted = item.raw.strip()
    if len(quoted) > room:
        quoted = quoted[: max(room - 1, 0)] + "…"
    return head + "> " + quoted + "\n" + tail


def backlog_labels(
    item: ActionItem, *, base_label: str = "postmortem-action", severity_label: str | None
) -> list[str]:
    labels = [base_label]
    if item.type:
        labels.append(f"type:{item.type}")
    if item.priority:
        labels.append(f"priority:{item.priority}")
    if severity_label:
        labels.append(severity_label)
    return list(dict.fromkeys(labels))
