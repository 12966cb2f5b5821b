"""The line scanner reads fences, headings, tables, list items and comments where markdown-it-py does.

Hypothesis writes documents from a small grammar of the constructs pmaction reads; markdown-it-py (with
GFM tables) is the reference. Where pmaction reads differently on purpose, the grammar stays out of the
way, and says so:

- a list is always followed by a blank line and an unindented line: pmaction has no container blocks,
  so it lets a table start right under a list item (people paste one under their notes), where
  CommonMark reads the item's lazy continuation; for the same reason a list never starts right under
  paragraph text (CommonMark lets only ``1.`` and non-empty bullets interrupt a paragraph; pmaction
  reads any item as an item);
- indentation stays at 0-3 spaces: pmaction reads a fence indented any amount as a fence (fences inside
  list items are indented) and has no indented code blocks;
- a ``-`` setext underline has at least two dashes: a lone ``-`` is also an empty list item, and what
  follows an empty item is read by list rules pmaction does not model;
- no ``<!-- pmaction:begin/end -->`` markers: a generated block is hidden whole on purpose (see
  tests/test_markdown.py), where markdown-it sees two comments and the text between them;
- bold-only lines, which the action-item parser takes as headings, are paragraphs to the scanner too.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from pmaction.text.markdown import Document, Kind, scan

MD = MarkdownIt("commonmark").enable("table")

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=6)
WORDS = st.lists(WORD, min_size=1, max_size=4).map(" ".join)
INDENT = st.integers(0, 3).map(lambda n: " " * n)


@dataclass(frozen=True)
class Chunk:
    lines: list[str]
    is_list: bool = False
    paragraph: bool = False  # ends in paragraph text (a list right under it would be read differently)


@st.composite
def paragraph(draw: st.DrawFn) -> Chunk:
    lines = draw(st.lists(st.one_of(WORDS, WORDS.map(lambda w: f"**{w}**")), min_size=1, max_size=3))
    return Chunk(lines, paragraph=True)


@st.composite
def atx(draw: st.DrawFn) -> Chunk:
    hashes = "#" * draw(st.integers(1, 6))
    text = draw(st.one_of(st.just(""), WORDS.map(lambda w: " " + w)))
    closing = draw(st.sampled_from(["", " #", " ###", "  "]))
    return Chunk([draw(INDENT) + hashes + text + closing])


@st.composite
def setext(draw: st.DrawFn) -> Chunk:
    text = draw(paragraph()).lines
    char = draw(st.sampled_from("=-"))
    length = draw(st.integers(1 if char == "=" else 2, 5))
    return Chunk([*text, draw(INDENT) + char * length + draw(st.sampled_from(["", " "]))])


@st.composite
def fence(draw: st.DrawFn) -> Chunk:
    char = draw(st.sampled_from("`~"))
    length = draw(st.integers(3, 5))
    # A backtick may stand in a tilde fence's info string only (see inline_code).
    info = draw(st.sampled_from(["", "py", " log", "x ~ y", *(["a`b"] if char == "~" else [])]))
    inner = st.one_of(
        WORDS,
        st.sampled_from(
            ["# not a heading", "| a | b |", "|--|--|", "- [ ] not a task", "<!-- not", "-->", ""]
        ),
        st.integers(1, 6).map(lambda n: char * n + "x"),  # never closes: text after the fence characters
        st.integers(3, 6).map(lambda n: ("~" if char == "`" else "`") * n),  # the other kind of fence
        st.integers(1, length - 1).map(lambda n: char * n),  # too short to close
    )
    content = draw(st.lists(inner, max_size=3))
    lines = [draw(INDENT) + char * length + info, *(draw(INDENT) + line for line in content)]
    if draw(st.integers(0, 9)) > 0:  # now and then a fence runs to the end of the document
        lines.append(
            draw(INDENT) + char * (length + draw(st.integers(0, 2))) + draw(st.sampled_from(["", " "]))
        )
    return Chunk(lines)


@st.composite
def inline_code(draw: st.DrawFn) -> Chunk:
    """```rm -rf``` on one line is inline code in a paragraph, not a fence (its info has a backtick)."""
    ticks = "`" * draw(st.integers(3, 4))
    line = draw(INDENT) + ticks + draw(WORDS) + ticks + draw(st.sampled_from(["", " done"]))
    return Chunk([line], paragraph=True)


@st.composite
def row(draw: st.DrawFn, columns: int) -> str:
    cells = draw(st.lists(WORDS, min_size=columns, max_size=columns))
    lead, tail = draw(st.sampled_from([("| ", " |"), ("", ""), ("|", ""), ("", " |")]))
    return lead + " | ".join(cells) + tail


@st.composite
def table(draw: st.DrawFn) -> Chunk:
    columns = draw(st.integers(1, 4))
    # Now and then the delimiter row has a different count: then it is no table, for either reader.
    delimiters = draw(st.one_of(st.just(columns), st.integers(1, 4)))
    cell = st.builds(
        lambda a, n, b: a + "-" * n + b,
        st.sampled_from(["", ":"]),
        st.integers(1, 4),
        st.sampled_from(["", ":"]),
    )
    parts = draw(st.lists(cell, min_size=delimiters, max_size=delimiters))
    lead, tail = draw(st.sampled_from([("|", "|"), ("", ""), ("| ", " |"), ("|", "")]))
    separator = lead + draw(st.sampled_from(["|", " | "])).join(parts) + tail
    body = draw(st.lists(st.one_of(st.integers(1, 5).flatmap(lambda n: row(n)), WORDS), max_size=3))
    # "- | -" or a lone "-" is no delimiter row but a list item: what follows is read as that item's.
    header = draw(row(columns))
    return Chunk(
        [header, separator, *body],
        is_list=separator == "-" or separator.startswith("- "),
        paragraph=delimiters != columns or "|" not in header,  # no table: the lines are paragraph text
    )


@st.composite
def items(draw: st.DrawFn) -> Chunk:
    marker = st.sampled_from(["- ", "* ", "+ ", "1. ", "2) "])
    box = st.sampled_from(["", "[ ] ", "[x] ", "[X] "])
    lines = draw(st.lists(st.tuples(marker, box, WORDS).map("".join), min_size=1, max_size=3))
    return Chunk(lines, is_list=True)


@st.composite
def comment(draw: st.DrawFn) -> Chunk:
    if draw(st.booleans()):
        return Chunk([draw(INDENT) + "<!-- " + draw(WORDS) + " -->"])
    inner = st.sampled_from(["## hidden heading", "| a | b |", "|---|---|", "```", "- [ ] example", "text"])
    lines = ["<!-- " + draw(WORDS), *draw(st.lists(inner, max_size=3))]
    if draw(st.integers(0, 9)) > 0:
        lines.append(draw(st.sampled_from(["-->", "end -->", "--> after"])))
    return Chunk(lines)


CHUNK = st.one_of(paragraph(), inline_code(), atx(), setext(), fence(), table(), items(), comment())


@st.composite
def documents(draw: st.DrawFn) -> list[str]:
    lines: list[str] = []
    previous: Chunk | None = None
    for chunk in draw(st.lists(CHUNK, min_size=1, max_size=8)):
        if previous is not None and (
            previous.is_list or (chunk.is_list and previous.paragraph) or draw(st.booleans())
        ):
            lines.append(draw(st.sampled_from(["", "  "])))  # a blank line between them
        first, *rest = chunk.lines
        if previous is not None and previous.is_list:
            first = first.lstrip(" ")  # indented, it would go on inside the last list item
        lines.extend([first, *rest])
        previous = chunk
    while len(lines) > 1 and not lines[-1].strip():
        lines.pop()  # markdown-it does not count a last line of spaces (an unclosed fence's content)
    return lines


# --- the two readings --------------------------------------------------------------------------------------


def reference(text: str) -> dict[str, list[tuple[int, int]]]:
    """Line ranges of markdown-it's tokens by type."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for token in MD.parse(text):
        if token.map is not None:
            spans.setdefault(token.type, []).append((token.map[0], token.map[1]))
    return spans


def fences(doc: Document) -> list[tuple[int, int]]:
    spans = []
    start = None
    for line in doc.lines:
        if line.kind is Kind.FENCE_OPEN:
            start = line.index
        elif line.kind is Kind.FENCE_CLOSE and start is not None:
            spans.append((start, line.index + 1))
            start = None
    if start is not None:
        spans.append((start, len(doc.lines)))
    return spans


def headings(doc: Document) -> list[tuple[int, int]]:
    spans = []
    setext_start = None
    for line in doc.lines:
        if line.kind is Kind.HEADING:
            spans.append((line.index, line.index + 1))
        elif line.kind is Kind.SETEXT and setext_start is None:
            setext_start = line.index
        elif line.kind is Kind.UNDERLINE:
            spans.append((line.index if setext_start is None else setext_start, line.index + 1))
            setext_start = None
    return spans


def comments(doc: Document) -> list[tuple[int, int]]:
    """Runs of comment lines, each ending at the line that holds "-->"."""
    spans: list[tuple[int, int]] = []
    open_ = False
    for line in doc.lines:
        if line.kind is not Kind.COMMENT:
            open_ = False
            continue
        if open_:
            spans[-1] = (spans[-1][0], line.index + 1)
        else:
            spans.append((line.index, line.index + 1))
        open_ = "-->" not in line.text
    return spans


@settings(max_examples=250, deadline=None)
@given(documents())
def test_fences_headings_tables_list_items_and_comments_are_where_markdown_it_finds_them(
    lines: list[str],
) -> None:
    text = "\n".join(lines)
    doc = scan(lines)
    found = reference(text)
    assert fences(doc) == found.get("fence", []), text
    assert headings(doc) == found.get("heading_open", []), text
    assert [(t.header, t.end) for t in doc.tables] == found.get("table_open", []), text
    items = [line.index for line in doc.lines if line.kind in (Kind.TASK, Kind.ITEM)]
    assert items == [start for start, _ in found.get("list_item_open", [])], text
    assert comments(doc) == found.get("html_block", []), text
