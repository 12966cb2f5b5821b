"""Agreed action items: read them from Markdown the way teams write them (items/edit.py edits their lines,
items/issue_text.py describes their backlog issues).

Pure functions, no I/O. Under an action-items heading (items/sections.py) each list item (with the lines
that wrap it), table row and ``**Action item:**`` line is an item; it is agreed unless it reads as a
proposal (the rule is in ``_verdict`` and the README's "Action items"). Each agreed item becomes exactly one
backlog issue, or is linked to the issue it already names. Before the issue exists an item is known by a
key (a hash of its normalised title); once annotated with ``(#123)`` the reference is its identity, so
later rewording never makes a second issue. Lines under such a heading that make no issue are kept in
``unread``, so the run can say so.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from pmaction.items import fields as f
from pmaction.items.sections import (
    ContentLine,
    Section,
    content_lines,
    indent_of,
    is_definition,
    item_label_end,
    link_definitions,
    untagged,
)
from pmaction.items.tables import Columns, columns_of, row_fields
from pmaction.items.taxonomy import DEFAULT_TAXONOMY
from pmaction.text.markdown import Kind


@dataclass(frozen=True)
class ActionItem:
    key: str  # sha1 of the normalised title, 12 hex digits
    title: str  # text without owners, type, priority, due date, status and reference
    raw: str  # the item's first source line, without its line ending
    line_index: int  # 0-based index of that line in the document (split on "\n")
    checked: bool  # its box is ticked, or the write-up says it is done
    owners: tuple[str, ...]
    type: str | None
    priority: str | None  # "P0".."P3"
    due: date | None
    ref: int | None  # this repository's issue the item is annotated with, "(#123)"
    origin: str  # "body" | "page"
    end_index: int = -1  # its last line (a wrapped item); -1: the first line
    link_at: int = -1  # where in the last line the annotation goes (a table row: its title cell); -1: the end
    tracked: str | None = None  # an issue or bug elsewhere the item names (URL, "Bug 5554823")
    text: str = ""  # the item's lines as written, for the backlog issue

    @property
    def last_index(self) -> int:
        return self.line_index if self.end_index < 0 else self.end_index


@dataclass(frozen=True)
class Unread:
    """A line under an action-items heading that makes no backlog issue, and why."""

    line_index: int
    text: str
    reason: str  # "proposal" | "beside-tasks" | "weak" | "prose"
    section: str


@dataclass(frozen=True)
class ItemsParse:
    agreed: tuple[ActionItem, ...]
    proposals: tuple[str, ...]
    warnings: tuple[str, ...]
    duplicates: tuple[ActionItem, ...]
    unread: tuple[Unread, ...] = ()


def normalise_title(title: str) -> str:
    """Lower-case, punctuation stripped, whitespace collapsed: the text an item's key is made from."""
    return " ".join(re.sub(r"[^\w\s]|_", " ", title.lower()).split())


def item_key(title: str) -> str:
    return hashlib.sha1(normalise_title(title).encode("utf-8")).hexdigest()[:12]


# --- The lines of one item ----------------------------------------------------------------------------------


@dataclass
class _Candidate:
    section: Section
    first: ContentLine
    kind: str  # "task" | "bullet" | "row" | "label"
    parts: list[str]  # its text: the first line's (after marker, box or label) and each wrapped line's
    end: ContentLine
    indent: int = 0
    columns: Columns | None = None
    link_at: int = -1  # where a link goes in its last line, when not at the end


@dataclass
class _Section:
    section: Section
    candidates: list[_Candidate] = field(default_factory=list)
    prose: list[ContentLine] = field(default_factory=list)  # lines that are no item
    intro: list[str] = field(default_factory=list)  # the plain lines before its first item


# Lines under the heading that are no item and need no word: an instruction in italics, a form's empty
# answer, an intro ending with a colon ("Work is split across the following issues:").
_QUIET = re.compile(r"^\s*(?:(?:_[^_].*_|\*[^*].*\*)\s*|.*:\s*|_No response_\s*)$")


# An HTML list, as GitHub renders it: "<li>text</li>" on one line, or "<li>" ... "</li>" around wrapped lines.
_HTML_OPEN = re.compile(r"(?i)^\s*<li(?:\s[^>]*)?>\s*(?P<text>.*?)[ \t]*(?P<close></li>)?\s*$")
_HTML_CLOSE = re.compile(r"(?i)^\s*(?P<text>.*?)[ \t]*</li>\s*$")
_HTML_FRAME = re.compile(r"(?i)^\s*</?(?:ul|ol|p|div|br)\s*/?>\s*$")  # structure only, no words


def _wraps(text: str, after_blank: bool) -> bool:
    """Does this plain line continue the item above? Indented, yes. Unindented right below it (Markdown's
    lazy continuation) only when it does not start like a new sentence: "potentially incompatible ..."
    wraps, "For network resiliency, we ..." is a paragraph of its own that forgot its blank line."""
    if indent_of(text) >= 2:
        return True
    return not after_blank and not text.lstrip()[:1].isupper()


class _Reader:
    """One pass over the content lines: which lines form which item, section by section."""

    def __init__(self) -> None:
        self.sections: dict[int, _Section] = {}
        self.open: _Candidate | None = None
        self.blank = False
        self.columns: dict[int, Columns] = {}
        self.in_li = False  # inside an HTML <li> that spans lines
        self.li: _Candidate | None = None  # its item, once it has text
        self.headings: tuple[str, ...] = ()

    def feed(self, line: ContentLine) -> None:
        section = line.section
        if line.headings != self.headings:
            # A (sub-)heading or a list title between: nothing above it continues below it.
            self.open, self.headings = None, line.headings
        if line.kind is Kind.BLANK:
            self.blank = True
            return
        label = item_label_end(line.text) if line.kind in (Kind.PLAIN, Kind.ITEM) else None
        if section is None and label is None:
            self.open = None
            return
        if section is None:
            section = Section("agreed", line.index, "Action item")
        entry = self.sections.setdefault(section.heading, _Section(section))
        if label is not None:
            self._start(entry, line, "label", line.text[label:])
        elif line.item is not None:
            self._list_item(entry, line)
        elif line.kind is Kind.TABLE_ROW:
            self._row(entry, line)
        elif line.kind is Kind.PLAIN:
            self._plain(entry, line)
        else:
            self.open = None
        self.blank = False

    def _start(self, entry: _Section, line: ContentLine, kind: str, text: str) -> None:
        self.open = _Candidate(entry.section, line, kind, [text], line, indent_of(line.text))
        entry.candidates.append(self.open)

    def _list_item(self, entry: _Section, line: ContentLine) -> None:
        assert line.item is not None
        item, indent = line.item, indent_of(line.text)
        if (
            item.box is None
            and self.open is not None
            and self.open.kind != "row"
            and indent > self.open.indent
        ):
            return  # a detail bullet under the item above: part of it, not an item of its own
        self._start(entry, line, "task" if item.box is not None else "bullet", item.text)

    def _row(self, entry: _Section, line: ContentLine) -> None:
        if line.index == line.table:
            self.columns[line.table] = columns_of(line.text)
            self.open = None
            return
        self._start(entry, line, "row", line.text)
        assert self.open is not None
        self.open.columns = self.columns.get(line.table)

    def _plain(self, entry: _Section, line: ContentLine) -> None:
        if self.in_li:
            self._html_line(entry, line)
            return
        opened = _HTML_OPEN.match(line.text)
        if opened:
            self.in_li, self.li = True, None
            if opened["text"]:
                self._html_line(entry, line, opened["text"], closed=bool(opened["close"]))
            elif opened["close"]:
                self.in_li = False
            return
        candidate = self.open
        wraps = candidate is not None and candidate.kind != "row"
        if wraps and _wraps(line.text, self.blank) and not is_definition(line.text):
            assert candidate is not None
            candidate.parts.append(line.text.strip())
            candidate.end = line
            return
        self.open = None
        if not entry.candidates:
            entry.intro.append(line.text.strip())
        if is_definition(line.text) or _QUIET.match(line.text) or _HTML_FRAME.match(line.text):
            return
        entry.prose.append(line)  # every line, so the note can name each

    def _html_line(
        self, entry: _Section, line: ContentLine, text: str | None = None, closed: bool = False
    ) -> None:
        """A line of an HTML <li>: its first words start the item, later ones wrap it, "</li>" ends it."""
        if text is None:
            closing = _HTML_CLOSE.match(line.text)
            text, closed = (closing["text"], True) if closing else (line.text.strip(), False)
        if untagged(text):
            if self.li is None:
                self._start(entry, line, "bullet", untagged(text))
                self.li = self.open
            else:
                self.li.parts.append(untagged(text))
                self.li.end = line
            assert self.li is not None
            # The link goes before a "</li>" on this line, else at its end.
            self.li.link_at = line.text.find(text) + len(text) if closed else -1
        if closed:
            self.in_li, self.li, self.open = False, None, None


# --- Deciding -----------------------------------------------------------------------------------------------


@dataclass
class _Out:
    agreed: list[ActionItem] = field(default_factory=list)
    proposals: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    duplicates: list[ActionItem] = field(default_factory=list)
    unread: list[Unread] = field(default_factory=list)


def parse_action_items(
    markdown: str, *, origin: str, taxonomy: Sequence[str] = DEFAULT_TAXONOMY, repo: str | None = None
) -> ItemsParse:
    """Agreed items, proposals, warnings, duplicates and the unread lines under action-items headings.
    ``repo`` (owner/name) tells links to this repository's issues from links elsewhere."""
    lines = list(content_lines(markdown))
    reader = _Reader()
    for line in lines:
        reader.feed(line)
    definitions = link_definitions(lines)
    out = _Out()
    for entry in reader.sections.values():
        _decide_section(entry, out, origin, taxonomy, repo, definitions)
    out.unread.sort(key=lambda u: u.line_index)
    return ItemsParse(
        tuple(out.agreed), tuple(out.proposals), tuple(out.warnings), tuple(out.duplicates), tuple(out.unread)
    )


def _decide_section(
    entry: _Section,
    out: _Out,
    origin: str,
    taxonomy: Sequence[str],
    repo: str | None,
    definitions: Mapping[str, str],
) -> None:
    section = entry.section
    boxed = any(c.kind == "task" for c in entry.candidates)
    reads = [_read(c, taxonomy, repo, definitions) for c in entry.candidates]
    # Under "Next steps" and the like the write-up may show the list is the team's own decided work: an intro
    # that commits to it ("The team will conduct the following actions:"), or a status on some of its items
    # (two "(Done)" beside three open ones: the open ones are the rest of the team's list, not ideas).
    listed = section.kind == "weak" and (
        any(read.status for read in reads) or f.worded_as_commitment(" ".join(entry.intro))
    )
    for candidate, read in zip(entry.candidates, reads, strict=True):
        where = f"line {candidate.first.index + 1}"
        out.warnings.extend(read.warnings)
        text = " ".join(part.strip() for part in candidate.parts).strip()
        if not read.title:
            if section.kind != "proposals":
                out.warnings.append(f"{where}: '{quote(candidate.first.text)}' has no text; it was skipped")
            continue
        reason = _verdict(candidate, read, section, boxed, listed)
        if reason is not None:
            if reason != "weak":
                out.proposals.append(text)
            if section.kind != "proposals":
                out.unread.append(Unread(candidate.first.index, candidate.first.text, reason, section.title))
            continue
        _add(out, _item(candidate, read, origin), where)
    # Prose beside items is often an intro, but may hold a commitment: named too, never dropped in silence.
    if section.kind != "proposals":
        out.unread += [Unread(line.index, line.text, "prose", section.title) for line in entry.prose]


def _read(
    candidate: _Candidate, taxonomy: Sequence[str], repo: str | None, definitions: Mapping[str, str]
) -> f.Fields:
    # Field warnings name the line and quote it (quote() makes it one line; the log adapter neutralises).
    quoted = f"line {candidate.first.index + 1} '{quote(candidate.first.text)}'"
    read = _fields(candidate, taxonomy, quoted, repo, definitions)
    return _from_headings(read, candidate, repo, definitions)


def _verdict(
    candidate: _Candidate, read: f.Fields, section: Section, boxed: bool, listed: bool = False
) -> str | None:
    """None when the item is agreed, else why not. A task box is a decision; beside boxed items a plain bullet
    is a proposal (pmaction's first rule, kept for teams that wrote that way); otherwise an owner, an
    issue link or a TODO/DONE status is evidence of a decision; without evidence, a proposal's wording
    ("Consider ...") or a heading that is not only for agreed work ("Next steps") keeps it out, unless the
    write-up shows the list under it is the team's decided work (``listed``)."""
    if section.kind == "proposals":
        return "proposal"
    if candidate.kind == "task":
        return None
    if boxed and candidate.kind == "bullet":
        return "beside-tasks"
    if read.owners or read.ref is not None or read.tracked or read.status:
        return None
    if f.worded_as_proposal(read.title) or f.worded_as_proposal(" ".join(candidate.parts)):
        return "proposal"
    return "weak" if section.kind == "weak" and not listed else None


def _fields(
    candidate: _Candidate,
    taxonomy: Sequence[str],
    where: str,
    repo: str | None,
    definitions: Mapping[str, str],
) -> f.Fields:
    if candidate.kind == "row":
        return row_fields(candidate.first.text, candidate.columns, taxonomy, where, repo, definitions)
    text = " ".join(part.strip() for part in candidate.parts)
    first = candidate.parts[0] if len(candidate.parts) > 1 else None
    read = f.parse_fields(text, taxonomy, where, repo=repo, definitions=definitions, first_line=first)
    end = candidate.link_at if candidate.link_at >= 0 else len(candidate.end.text.rstrip(" \t"))
    return replace(read, link_at=end)


def _from_headings(
    read: f.Fields, candidate: _Candidate, repo: str | None, definitions: Mapping[str, str]
) -> f.Fields:
    """A status or an issue link in a heading above the item ("Immediate actions (Completed)", "Short-term
    ([tracked in #40885](…))") holds for every item under it that does not say its own."""
    status, tracked = read.status, read.ref is not None or read.tracked is not None
    for title in reversed(candidate.first.headings):
        if status is None:
            status = f.status_of(title)[1]
        if not tracked:
            _, number, elsewhere = f.linked(title, repo, definitions)
            if number is not None or elsewhere:
                # An umbrella issue for the items under it, never one item's own (so no duplicates by ref).
                read = replace(read, tracked=elsewhere or f"#{number}")
                tracked = True
    return replace(read, status=status)


def _item(candidate: _Candidate, read: f.Fields, origin: str) -> ActionItem:
    first = candidate.first
    box = first.item.box if candidate.kind == "task" and first.item is not None else None
    return ActionItem(
        key=item_key(read.title),
        title=read.title,
        raw=first.text,
        line_index=first.index,
        checked=box in ("x", "X") or (box is None and read.status == "done"),
        owners=read.owners,
        type=read.type,
        priority=read.priority,
        due=read.due,
        ref=read.ref,
        origin=origin,
        end_index=candidate.end.index,
        link_at=read.link_at,
        tracked=read.tracked,
        text="\n".join([first.text.strip(), *candidate.parts[1:]]),
    )


def _add(out: _Out, item: ActionItem, where: str) -> None:
    first = _duplicate_of(item, out.agreed)
    if first is None:
        out.agreed.append(item)
        return
    out.duplicates.append(item)
    out.warnings.append(
        f"{where}: '{quote(item.raw)}' repeats the action item on line {first.line_index + 1}; "
        "only one backlog issue is made for them"
    )


def _duplicate_of(item: ActionItem, earlier: Sequence[ActionItem]) -> ActionItem | None:
    """The earlier item this one repeats: same issue reference, or same key unless both name
    different issues already (two issues exist; leave them be)."""
    for other in earlier:
        if item.ref is not None and item.ref == other.ref:
            return other
        if item.key == other.key and (item.ref is None or other.ref is None):
            return other
    return None


def quote(text: str, limit: int = 100) -> str:
    """A line as a warning quotes it: one line, stripped, at most ``limit`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def locate(markdown: str, item: ActionItem, repo: str | None = None) -> ActionItem | None:
    """The item as it stands in ``markdown`` now: at its line if that line is unchanged, else (the document
    changed since it was parsed) the first agreed item with an identical first line."""
    matches = [
        found
        for found in parse_action_items(markdown, origin=item.origin, repo=repo).agreed
        if found.raw == item.raw
    ]
    same = [found for found in matches if found.line_index == item.line_index]
    found = same or matches
    return found[0] if found else None


def linked_issue(text: str) -> int | None:
    """The backlog issue an item line is annotated with, ``(#123)`` at its end."""
    number, _, _ = f.trailing_ref(text, None)
    return number
