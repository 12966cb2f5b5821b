"""The Markdown structure pmaction reads, one line scanner for all of it.

The issue-form reader, the action-item parser, the body's Timeline section and the page merge all need to
know which lines are code, hidden, headings, table rows or list items. ``scan`` walks a document's lines
once and classifies each; every reader asks it, so a construct means the same thing everywhere (GitHub's
reading, GFM tables included), and nobody writes a second regex for a fence, heading or table row.

It is hand-written on purpose: a 5,000-row wiki page scans in milliseconds, where a full Markdown parser
takes seconds. It follows CommonMark/GFM (tested against markdown-it-py in tests/test_markdown_props.py)
with these deliberate differences:

- any indentation opens a fence, a comment or a list item: inside list items they are indented, and
  reading a pasted log as structure would be worse than treating an odd indented block as code (pmaction
  has no indented code blocks and no container nesting);
- a table may start right under a list item (people paste a table under their notes); CommonMark would
  read it as the item's lazy continuation;
- ``<!-- pmaction:begin NAME -->`` ... ``<!-- pmaction:end NAME -->`` is a generated block, hidden as a
  whole. A begin line counts only if a matching end line follows before another begin of the same name;
  otherwise it is an ordinary comment line and the text below it is read as usual.

Lines are matched without the "\\r" a CRLF document leaves on them; callers edit the original lines, so
documents keep their bytes.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from pmaction.text import markers

# A table cell ends at a pipe that is not escaped with a backslash.
CELL_SPLIT = re.compile(r"(?<!\\)\|")

_FENCE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_ATX = re.compile(r"^ {0,3}(?P<hashes>#{1,6})(?:[ \t]+(?P<text>.*?))?(?:[ \t]+#+)?[ \t]*$")
_LIST_ITEM = re.compile(r"^(?P<lead>[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$))(?P<rest>.*)$")
_TASK_BOX = re.compile(r"^\[(?P<box>[ xX])\](?:[ \t]+(?P<text>.*))?$")
_BREAK = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_UNDERLINE = re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$")
_SEPARATOR_CELL = re.compile(r"^:?-+:?$")
_SEPARATOR_CHARS = frozenset("|-: \t")
# CommonMark's whitespace, what GFM trims from a table row.
_SPACE = " \t\n\r\x0b\x0c"


def strip_cr(line: str) -> str:
    """A line split on "\\n" without the "\\r" a CRLF page leaves on it (the wiki's web editor saves CRLF)."""
    return line[:-1] if line.endswith("\r") else line


# --- single lines ------------------------------------------------------------------------------------------


def atx_heading(text: str) -> tuple[int, str] | None:
    """(level, text) when the line is an ATX heading (``## Timeline``, closing hashes dropped)."""
    match = _ATX.match(text)
    return (len(match["hashes"]), match["text"] or "") if match else None


def fence_open(text: str) -> str | None:
    """The fence (``` or ~~~, at least three) the line opens, else None.

    A backtick fence's info string may not contain a backtick (CommonMark): ```` ```rm -rf``` ```` on one
    line is inline code, not the start of a code block.
    """
    match = _FENCE.match(text)
    if match is None or (match["fence"][0] == "`" and "`" in match["info"]):
        return None
    return match["fence"]


def _closes(text: str, fence: str) -> bool:
    # The same character, at least as long, and nothing else on the line.
    stripped = text.strip(" \t")
    return stripped.startswith(fence) and set(stripped) == {fence[0]}


@dataclass(frozen=True, slots=True)
class ListItem:
    lead: str  # indentation, the marker (``-``, ``*``, ``+``, ``1.``, ``1)``) and the spaces after it
    box: str | None  # " ", "x" or "X" for a task item, else None
    text: str  # what follows the marker (and the box)

    @property
    def box_at(self) -> int:
        """Index in the line of the box's character (``[x]``'s x)."""
        return len(self.lead) + 1


def list_item(text: str) -> ListItem | None:
    """The line as a bullet or numbered list item (a task item when it starts with ``[ ]``/``[x]``)."""
    match = _LIST_ITEM.match(text)
    if match is None:
        return None
    task = _TASK_BOX.match(match["rest"])
    if task is not None:
        return ListItem(match["lead"], task["box"], task["text"] or "")
    return ListItem(match["lead"], None, match["rest"])


def separator_columns(text: str) -> int:
    """How many columns a GFM table delimiter row (``|--|:-:|``, ``---|---``) has; 0 when it is none."""
    line = text.lstrip(" \t")
    if len(line) < 2 or line[0] not in "|-:" or line[1] not in "|-: \t" or not set(line) <= _SEPARATOR_CHARS:
        return 0
    if line[0] == "-" and line[1] in " \t":
        return 0  # "- --" is a list item
    parts = line.split("|")
    count = 0
    for position, part in enumerate(parts):
        cell = part.strip(" \t")
        if not cell and position in (0, len(parts) - 1):
            continue  # the outer pipes
        if not _SEPARATOR_CELL.match(cell):
            return 0
        count += 1
    return count


def _header_columns(text: str) -> int:
    line = text.strip(_SPACE)
    if "|" not in line:
        return 0
    parts = CELL_SPLIT.split(line)
    if parts and parts[0] == "":
        parts.pop(0)
    if parts and parts[-1] == "":
        parts.pop()
    return len(parts)


def cells(text: str) -> list[str]:
    """A table row's cells, stripped (outer pipes optional; ``\\|`` stays inside its cell)."""
    inner = text.strip()
    if inner.startswith("|"):
        inner = inner[1:]
    if inner.endswith("|") and not inner.endswith("\\|"):
        inner = inner[:-1]
    return [cell.strip() for cell in CELL_SPLIT.split(inner)]


def _opens_comment(text: str) -> bool:
    return text.lstrip(" \t").startswith("<!--")


# --- the document ------------------------------------------------------------------------------------------


class Kind(Enum):
    BLANK = "blank"
    PLAIN = "plain"  # paragraph text, a quote, HTML, a line a list item continues on
    FENCE_OPEN = "fence-open"
    FENCED = "fenced"  # inside a fenced code block
    FENCE_CLOSE = "fence-close"
    COMMENT = "comment"  # an HTML comment, its first and last line included
    BLOCK_BEGIN = "block-begin"  # a pmaction generated block: begin line, inside, end line
    BLOCK = "block"
    BLOCK_END = "block-end"
    HEADING = "heading"  # ATX: ``## Timeline``
    SETEXT = "setext"  # a text line of a setext heading ...
    UNDERLINE = "underline"  # ... and its ``===`` / ``---`` underline
    TABLE_ROW = "table-row"  # header and body rows of a GFM table
    TABLE_SEPARATOR = "table-separator"
    TASK = "task"  # ``- [ ] text``
    ITEM = "item"  # any other bullet or numbered list item
    BREAK = "break"  # a thematic break: ``***``, ``---`` after a blank line


FENCE_KINDS = frozenset({Kind.FENCE_OPEN, Kind.FENCED, Kind.FENCE_CLOSE})
BLOCK_KINDS = frozenset({Kind.BLOCK_BEGIN, Kind.BLOCK, Kind.BLOCK_END})


@dataclass(slots=True)  # read-only by convention: frozen ones cost 3x to make, and a long page has thousands
class Line:
    index: int
    text: str  # without a trailing "\r"
    kind: Kind
    level: int = 0  # headings (ATX, setext text and underline): 1-6
    title: str = ""  # headings: their text (a setext heading's lines joined by spaces)
    item: ListItem | None = None  # TASK and ITEM lines
    table: int = -1  # TABLE_ROW and TABLE_SEPARATOR lines: index of their table's header row

    @property
    def fenced(self) -> bool:
        return self.kind in FENCE_KINDS


@dataclass(frozen=True, slots=True)
class Table:
    header: int  # index of the header row; the separator follows it
    end: int  # index after the last row


@dataclass(frozen=True, slots=True)
class Block:
    name: str
    begin: int  # index of the begin line
    end: int  # index of the end line


@dataclass(frozen=True)
class Document:
    lines: tuple[Line, ...]  # one per input line, same index
    tables: tuple[Table, ...]
    blocks: tuple[Block, ...]


def scan(lines: Sequence[str]) -> Document:
    """Classify each of ``lines`` (split on "\\n"; a trailing "\\r" is ignored)."""
    return _Scanner([strip_cr(line) for line in lines]).run()


def scan_text(text: str) -> Document:
    return scan(text.split("\n"))


def _block_ends(texts: Sequence[str]) -> dict[int, tuple[str, int]]:
    """Begin line index -> (name, end line index) for every begin line that has a matching end: the next
    end of its name, with no other begin of that name before it. Fences don't matter here: the block is
    hidden whole, whatever it holds."""
    begins: dict[str, list[int]] = {}
    ends: dict[str, list[int]] = {}
    for index, text in enumerate(texts):
        if not _opens_comment(text):
            continue  # cheap: a marker line is a comment line, and most lines are none
        if name := markers.parse_block_begin(text):
            begins.setdefault(name, []).append(index)
        elif name := markers.parse_block_end(text):
            ends.setdefault(name, []).append(index)
    found: dict[int, tuple[str, int]] = {}
    for name, starts in begins.items():
        closes = ends.get(name, [])
        for position, start in enumerate(starts):
            at = bisect.bisect_right(closes, start)
            following = starts[position + 1] if position + 1 < len(starts) else len(texts)
            if at < len(closes) and closes[at] < following:
                found[start] = (name, closes[at])
    return found


class _Scanner:
    """One pass over the lines. Fences, comments and blocks consume their lines; the state that spans lines
    otherwise is the open paragraph (it may become a setext heading), the open table and whether a list
    item's lazy continuation lines are being read."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.blocks = _block_ends(texts)
        self.out: list[Line] = []
        self.tables: list[Table] = []
        self.paragraph: int | None = None  # first line of the open paragraph
        self.table: int | None = None  # header index of the open table
        self.in_list = False  # a list item, and no blank line since

    def run(self) -> Document:
        index = 0
        while index < len(self.texts):
            index = self._step(index)
        self._interrupt(len(self.texts))
        blocks = tuple(
            Block(name, begin, end) for begin, (name, end) in sorted(self.blocks.items()) if self._kept(begin)
        )
        return Document(tuple(self.out), tuple(self.tables), blocks)

    def _kept(self, begin: int) -> bool:
        return self.out[begin].kind is Kind.BLOCK_BEGIN  # not a begin line inside a fence or another block

    def _add(
        self,
        index: int,
        kind: Kind,
        *,
        level: int = 0,
        title: str = "",
        item: ListItem | None = None,
        table: int = -1,
    ) -> None:
        self.out.append(Line(index, self.texts[index], kind, level, title, item, table))

    def _interrupt(self, index: int) -> None:
        """A construct starts at ``index``: any open paragraph, table and list continuation ends."""
        self.paragraph = None
        self.in_list = False
        if self.table is not None:
            self.tables.append(Table(self.table, index))
            self.table = None

    def _step(self, index: int) -> int:
        text = self.texts[index]
        if index in self.blocks:
            return self._block(index)
        # The first character decides most lines cheaply (a long timeline table is mostly "| ..." rows).
        lead = text.lstrip(" \t")[:1]
        if not lead:
            self._interrupt(index)
            self._add(index, Kind.BLANK)
            return index + 1
        fence = fence_open(text) if lead in "`~" else None
        if fence is not None:
            return self._fence(index, fence)
        if lead == "<" and _opens_comment(text):
            return self._comment(index)
        if self.table is not None:
            if lead == "|" or not _ends_table(text):
                self._add(index, Kind.TABLE_ROW, table=self.table)
                return index + 1
            self._interrupt(index)
        return self._leaf(index, text)

    def _block(self, index: int) -> int:
        self._interrupt(index)
        _, end = self.blocks[index]
        self._add(index, Kind.BLOCK_BEGIN)
        for inside in range(index + 1, end):
            self._add(inside, Kind.BLOCK)
        self._add(end, Kind.BLOCK_END)
        return end + 1

    def _fence(self, index: int, fence: str) -> int:
        self._interrupt(index)
        self._add(index, Kind.FENCE_OPEN)
        for inside in range(index + 1, len(self.texts)):
            if _closes(self.texts[inside], fence):
                self._add(inside, Kind.FENCE_CLOSE)
                return inside + 1
            self._add(inside, Kind.FENCED)
        return len(self.texts)  # an unclosed fence runs to the end of the document

    def _comment(self, index: int) -> int:
        """An HTML comment runs to the first line holding ``-->`` (CommonMark's HTML block)."""
        self._interrupt(index)
        self._add(index, Kind.COMMENT)
        closed = "-->" in self.texts[index]
        at = index + 1
        while not closed and at < len(self.texts):
            if at in self.blocks:
                return at  # its "-->" closes the comment, and it begins a block of ours
            self._add(at, Kind.COMMENT)
            closed = "-->" in self.texts[at]
            at += 1
        return at

    def _leaf(self, index: int, text: str) -> int:
        heading = atx_heading(text)
        if heading is not None:
            self._interrupt(index)
            self._add(index, Kind.HEADING, level=heading[0], title=heading[1])
            return index + 1
        if self.paragraph is not None and _UNDERLINE.match(text):
            self._setext(index, text)
            return index + 1
        item = list_item(text)
        if item is None and self._table_header(index, text):
            return index + 2
        if _BREAK.match(text):  # before list items: "* * *" is a break
            self._interrupt(index)
            self._add(index, Kind.BREAK)
        elif item is not None:
            self._interrupt(index)
            self.in_list = True
            self._add(index, Kind.ITEM if item.box is None else Kind.TASK, item=item)
        else:
            self._plain(index, text)
        return index + 1

    def _plain(self, index: int, text: str) -> None:
        if text.lstrip(" \t").startswith((">", "<")):
            # A quote or HTML: no paragraph of ours starts or goes on here, so no setext heading either.
            self.paragraph = None
        elif self.paragraph is None and not self.in_list:
            self.paragraph = index
        self._add(index, Kind.PLAIN)

    def _setext(self, index: int, text: str) -> None:
        start = self.paragraph if self.paragraph is not None else index
        level = 1 if text.lstrip(" ").startswith("=") else 2
        title = " ".join(self.texts[at].strip() for at in range(start, index))
        for at in range(start, index):
            self.out[at] = Line(at, self.texts[at], Kind.SETEXT, level=level, title=title)
        self._add(index, Kind.UNDERLINE, level=level, title=title)
        self.paragraph = None

    def _table_header(self, index: int, text: str) -> bool:
        """A GFM table starts here: a row with a pipe, then a delimiter row with as many columns."""
        if index + 1 >= len(self.texts) or "|" not in text or text.lstrip(" \t").startswith(">"):
            return False
        columns = separator_columns(self.texts[index + 1])
        if columns == 0 or columns != _header_columns(text):
            return False
        self._interrupt(index)
        self.table = index
        self._add(index, Kind.TABLE_ROW, table=index)
        self._add(index + 1, Kind.TABLE_SEPARATOR, table=index)
        return True


def _ends_table(text: str) -> bool:
    """A line that starts another block ends a table (blank lines, fences and comments are handled before)."""
    return bool(
        atx_heading(text) is not None
        or _BREAK.match(text)
        or list_item(text) is not None
        or text.lstrip(" \t").startswith(">")
    )
