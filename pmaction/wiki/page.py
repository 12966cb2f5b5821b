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
- ``prime_directive``, ``prime_directive_source``.

A template must keep the block markers; blocks it lacks (and a missing timeline table) are added from the
default template instead of failing.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from importlib import resources
from typing import Any
from urllib.parse import quote

from jinja2 import ChainableUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from pmaction.github.data import Issue, Repo
from pmaction.text import markers
from pmaction.text.markdown import ATX, Fences, strip_cr
from pmaction.text.times import format_duration, format_time, parse_time
from pmaction.timeline.model import Entry, Timeline

PRIME_DIRECTIVE = (
    "Regardless of what we discover, we understand and truly believe that everyone did the best job they "
    "could, given what they knew at the time, their skills and abilities, the resources available, and the "
    "situation at hand."
)
PRIME_DIRECTIVE_SOURCE = "Norm Kerth, *Project Retrospectives: A Handbook for Team Reviews*, 2001"
DEFAULT_TEMPLATE_NAME = ".github/postmortem.md.j2"
# Blocks every page has; a team template that lacks one gets the default's.
REQUIRED_BLOCKS = ("facts", "issue-items", "review")
INDEX_TITLE = "Post-mortems"

_SEPARATOR = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
# C0/C1 controls (tab and newline are handled first) and bidi overrides that could disguise text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_FILE_UNSAFE = re.compile(r"[^A-Za-z0-9]+")
_MAX_STEM = 100


# --- Data --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssueItem:
    """An agreed action item from the incident issue, shown (not edited) on the page."""

    text: str
    checked: bool
    ref: int | None  # its backlog issue, once made


@dataclass(frozen=True)
class ReviewInfo:
    title: str
    url: str
    due_on: date
    state: str  # "open" | "closed"


@dataclass(frozen=True)
class PageContext:
    repo: Repo
    issue: Issue
    timeline: Timeline
    severity: str | None
    tz: tzinfo
    review: ReviewInfo | None = None
    issue_items: tuple[IssueItem, ...] = ()
    items_closed: int = 0
    items_total: int = 0


_Day = date  # IndexRow has a field named "date"


@dataclass(frozen=True)
class IndexRow:
    repo: str  # owner/name
    number: int
    title: str
    url: str  # wiki page url (or the issue url)
    date: _Day
    status: str
    duration: str
    review_due: _Day | None


# --- Names and markers -------------------------------------------------------------------------------------


def _ascii_words(text: str) -> str:
    """Letters and digits of ``text`` folded to ASCII, joined by ``-`` (accents dropped, emoji removed)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _FILE_UNSAFE.sub("-", folded).strip("-")


def page_file_name(issue: Issue, announced: datetime | None, tz: tzinfo) -> str:
    """``Postmortem-2026-03-01-12-Database-outage.md``: safe as a wiki file name and a URL path segment.

    Only ``[A-Za-z0-9-]`` besides the ``.md`` suffix, so no ``/``, ``..`` or control characters; at most
    100 characters before ``.md``; the date and number alone when the title has nothing ASCII to keep.
    """
    day = (announced or issue.created_at).astimezone(tz).date()
    stem = f"Postmortem-{day.isoformat()}-{issue.number}"
    words = _ascii_words(issue.title)
    room = _MAX_STEM - len(stem) - 1
    if words and room > 0:
        cut = words[:room]
        if len(words) > room and "-" in cut:
            cut = cut.rsplit("-", 1)[0]  # cut between words, not inside one
        stem = f"{stem}-{cut.strip('-')}" if cut.strip("-") else stem
    return stem[:_MAX_STEM] + ".md"


def page_title(file_name: str) -> str:
    """The title the wiki shows for a file: no ``.md``, ``-`` shown as a space."""
    stem = file_name[:-3] if file_name.endswith(".md") else file_name
    return stem.replace("-", " ")


def wiki_page_url(server_url: str, full_name: str, file_name: str) -> str:
    stem = file_name[:-3] if file_name.endswith(".md") else file_name
    return f"{server_url.rstrip('/')}/{full_name}/wiki/{quote(stem, safe='-_.')}"


def find_incident_page(files: Mapping[str, str], full_name: str, number: int) -> str | None:
    """The wiki file whose first line is this incident's page marker (pages are found by marker, not name)."""
    for name in sorted(files):
        if not name.endswith(".md"):
            continue
        first = strip_cr(files[name].split("\n", 1)[0]).lstrip("\ufeff")
        ref = markers.parse_page_marker(first)
        if ref and ref.names(full_name, number):
            return name
    return None


# --- Escaping user text ------------------------------------------------------------------------------------


def _clean(text: str) -> str:
    """One-line-safe text: controls removed, ``<!--`` neutralised so nobody can open a hidden comment."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = _CONTROL.sub("", text)
    return text.replace("<!--", "&lt;!--").replace("-->", "--&gt;")


def _inline(text: str) -> str:
    """User text for a heading or a list item: one line."""
    return " ".join(_clean(text).split())


def _cell(text: str) -> str:
    """User text for a Markdown table cell: pipes escaped, line breaks as ``<br>``."""
    lines = [" ".join(line.split()) for line in _clean(text).split("\n")]
    return "<br>".join(line for line in lines if line).replace("|", "\\|")


def _link_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def _safe_url(url: str | None) -> str | None:
    """http(s) URLs only, with the characters that would end a Markdown link or a table cell encoded."""
    if not url or not re.match(r"^https?://", url, re.IGNORECASE):
        return None
    return quote(_CONTROL.sub("", url.strip()), safe=":/?#[]@!$&'*+,;=%-._~")


def _link(text: str, url: str | None) -> str:
    safe = _safe_url(url)
    return f"[{_link_text(text)}]({safe})" if safe else text


# --- Rendering ---------------------------------------------------------------------------------------------


def default_template() -> str:
    return resources.files("pmaction").joinpath("templates/incident.md.j2").read_text(encoding="utf-8")


def _tz_label(tz: tzinfo) -> str:
    key = getattr(tz, "key", None)
    return str(key) if key else (tz.tzname(None) or "UTC")


def _row_hash(body: str) -> str:
    """Hash of a row's cells with their padding stripped: an editor that re-aligns the table's columns is
    not a person changing the row."""
    text = body.strip()
    text = text[1:] if text.startswith("|") else text
    text = text[:-1] if text.endswith("|") and not text.endswith("\\|") else text
    canonical = "|".join(cell.strip() for cell in _CELL_SPLIT.split(text))
    return hashlib.sha1(canonical.encode("utf-8")).hexdigest()[:10]


_SOURCE_NAMES = {"comment": "comment", "body": "issue body", "event": "issue event", "issue": "issue"}


def render_row(entry: Entry, tz: tzinfo, issue_url: str | None = None) -> str:
    """One generated timeline row, ending with its marker (key and hash of the row as generated)."""
    source = _SOURCE_NAMES.get(entry.source, _cell(entry.source))
    url = entry.url or (issue_url if entry.source in ("body", "issue") else None)
    cells = [format_time(entry.when, tz), _cell(entry.author or ""), _cell(entry.text), _link(source, url)]
    body = "| " + " | ".join(cells)
    return f"{body.rstrip()} {markers.row_marker(entry.key, _row_hash(body))} |"


def _issue_item_line(item: IssueItem) -> str:
    ref = f" (#{item.ref})" if item.ref is not None else ""
    return f"- [{'x' if item.checked else ' '}] {_inline(item.text)}{ref}"


def _variables(ctx: PageContext, rows: Sequence[str]) -> dict[str, Any]:
    issue, tz = ctx.issue, ctx.tz
    moments, durations = ctx.timeline.moments, ctx.timeline.durations
    status = "Declared over" if moments.declared_over else "Open"
    review = None
    review_summary = "not scheduled"
    if ctx.review is not None:
        review = {
            "title": _link_text(_inline(ctx.review.title)),
            "url": _safe_url(ctx.review.url) or "",
            "due": ctx.review.due_on.isoformat(),
            "state": ctx.review.state,
        }
        review_summary = f"{_link(_inline(ctx.review.title), ctx.review.url)}, due {review['due']}"
    backlog = f"{ctx.items_closed} of {ctx.items_total} items closed"
    title = _inline(issue.title)
    severity = _inline(ctx.severity) if ctx.severity else "not set"
    announced = format_time(moments.announced, tz) if moments.announced else "—"
    declared = format_time(moments.declared_over, tz) if moments.declared_over else "—"
    facts = [
        ("Incident", _cell(_link(f"#{issue.number} {title}", issue.html_url))),
        ("Severity", _cell(severity)),
        ("Status", status),
        ("Announced", announced),
        ("Declared over", declared),
        ("Time to detect", format_duration(durations.time_to_detect)),
        ("Time to mitigate", format_duration(durations.time_to_mitigate)),
        ("Total duration", format_duration(durations.total)),
        ("Review", _cell(review_summary)),
        ("Backlog", backlog),
    ]
    return {
        "page_marker": markers.page_marker(ctx.repo.full_name, issue.number),
        "number": issue.number,
        "title": title,
        "repo": ctx.repo.full_name,
        "issue_url": _safe_url(issue.html_url) or "",
        "severity": severity,
        "status": status,
        "announced": announced,
        "declared_over": declared,
        "time_to_detect": format_duration(durations.time_to_detect),
        "time_to_mitigate": format_duration(durations.time_to_mitigate),
        "total_duration": format_duration(durations.total),
        "review_summary": review_summary,
        "backlog": backlog,
        "facts": facts,
        "tz_label": _tz_label(tz),
        "timeline_rows": list(rows),
        "issue_items": [_issue_item_line(item) for item in ctx.issue_items],
        "review": review,
        "prime_directive": PRIME_DIRECTIVE,
        "prime_directive_source": PRIME_DIRECTIVE_SOURCE,
    }


def _render_template(template_text: str, variables: Mapping[str, Any], template_name: str) -> str:
    env = SandboxedEnvironment(
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=ChainableUndefined,
    )
    source = template_text.replace("\r\n", "\n")
    try:
        return env.from_string(source).render(**variables)
    except TemplateSyntaxError as exc:
        raise ValueError(
            f"{template_name}, line {exc.lineno}: {exc.message}; fix {template_name} (a Jinja2 template)"
        ) from exc
    except TemplateError as exc:
        raise ValueError(f"{template_name}: {exc}; fix {template_name} (a Jinja2 template)") from exc


def render_page(
    ctx: PageContext, template_text: str | None = None, template_name: str = DEFAULT_TEMPLATE_NAME
) -> str:
    """A new page for the incident (a team template lacking our blocks gets the default ones appended)."""
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
    return _merge(existing, ctx, template_text, template_name)


def _render(ctx: PageContext, template_text: str | None, template_name: str) -> str:
    rows = _merge_rows([], ctx)
    return _render_template(template_text or default_template(), _variables(ctx, rows), template_name)


# --- Reading a page's structure ----------------------------------------------------------------------------


@dataclass
class _Layout:
    blocks: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (begin, end) line indexes
    hidden: set[int] = field(default_factory=set)  # lines in fences or generated blocks
    headings: list[tuple[int, int, str]] = field(default_factory=list)  # (index, level, normalised text)


def _norm_heading(text: str) -> str:
    return " ".join(text.lower().split())


def _scan(lines: Sequence[str]) -> _Layout:
    layout = _Layout()
    fences = Fences()
    index = 0
    while index < len(lines):
        text = strip_cr(lines[index])
        if fences.open is not None:
            fences.inside(text)
            layout.hidden.add(index)
            index += 1
            continue
        begin = markers.parse_block_begin(text)
        if begin:
            end = _block_end(lines, index, begin)
            if end is not None:
                layout.blocks.setdefault(begin, (index, end))
                layout.hidden.update(range(index, end + 1))
                index = end + 1
                continue
        if fences.inside(text):  # opens a fence
            layout.hidden.add(index)
            index += 1
            continue
        heading = ATX.match(text)
        if heading:
            layout.headings.append((index, len(heading["hashes"]), _norm_heading(heading["text"] or "")))
        index += 1
    return layout


def _block_end(lines: Sequence[str], begin: int, name: str) -> int | None:
    """The matching end line; a second begin of the same name first means this begin is just text."""
    for index in range(begin + 1, len(lines)):
        text = strip_cr(lines[index])
        if markers.parse_block_end(text) == name:
            return index
        if markers.parse_block_begin(text) == name:
            return None
    return None


def _section_end(layout: _Layout, heading_index: int, level: int, total: int) -> int:
    for index, other_level, _ in layout.headings:
        if index > heading_index and other_level <= level:
            return index
    return total


def _is_row(line: str) -> bool:
    text = strip_cr(line)
    return bool(text.strip()) and bool(_CELL_SPLIT.search(text)) and not ATX.match(text)


def _table_in(lines: Sequence[str], layout: _Layout, start: int, stop: int) -> tuple[int, int] | None:
    """(header index, end index exclusive) of the first table in lines[start:stop]."""
    for index in range(start, min(stop, len(lines)) - 1):
        if index in layout.hidden or index + 1 in layout.hidden:
            continue
        if _is_row(lines[index]) and _SEPARATOR.match(strip_cr(lines[index + 1])):
            end = index + 2
            while end < len(lines) and end not in layout.hidden and _is_row(lines[end]):
                end += 1
            return index, end
    return None


def _timeline_table(lines: Sequence[str], layout: _Layout) -> tuple[int | None, tuple[int, int] | None]:
    """(timeline heading index, table span): the first table under a "Timeline" heading, else the first table
    holding our row markers."""
    heading_at: int | None = None
    for index, level, text in layout.headings:
        if text.startswith("timeline"):
            heading_at = index
            table = _table_in(lines, layout, index + 1, _section_end(layout, index, level, len(lines)))
            if table is not None:
                return index, table
            break
    start = 0
    while (table := _table_in(lines, layout, start, len(lines))) is not None:
        if any(markers.parse_row_marker(strip_cr(lines[i])) for i in range(table[0] + 2, table[1])):
            return heading_at, table
        start = table[1]
    return heading_at, None


# --- Merging -----------------------------------------------------------------------------------------------

_NEVER = float("inf")


def _first_cell(line: str) -> str:
    text = strip_cr(line).strip()
    if text.startswith("|"):
        text = text[1:]
    return _CELL_SPLIT.split(text, 1)[0].strip()


# A page render and merge each rebuild the rows several times (template, blocks, table); rows are a pure
# function of their entry, so remembering them keeps a 5,000-entry refresh linear and fast.
_row = functools.lru_cache(maxsize=20_000)(render_row)


def _merge_rows(existing: Sequence[str], ctx: PageContext, cr: str = "") -> list[str]:
    """The timeline's rows: existing rows merged with the entries, all in time order.

    Each unit is a row with a readable time plus the rows without one that followed it (they stay after
    the row that preceded them). Generated entries without a time go last, as in the timeline.
    """
    tz = ctx.tz
    entries = {entry.key: entry for entry in ctx.timeline.entries}
    announced = ctx.timeline.moments.announced
    last_date = announced.astimezone(tz).date() if announced else None
    units: list[tuple[float, int, list[str]]] = [(-_NEVER, -1, [])]
    claimed: set[str] = set()
    for seq, line in enumerate(existing):
        when = parse_time(_first_cell(line), tz=tz, default_date=last_date)
        if when is not None:
            last_date = when.astimezone(tz).date()
        marker = markers.parse_row_marker(strip_cr(line))
        if marker and marker.key not in claimed:
            key = marker.key
            claimed.add(key)
            if _row_hash(marker.body) == marker.hash:
                entry = entries.get(key)
                if entry is not None:  # ours and untouched: show the entry as it is now
                    at = entry.when.timestamp() if entry.when else _NEVER
                    units.append((at, seq, [_row(entry, tz, ctx.issue.html_url) + cr]))
                continue  # untouched and its entry is gone (comment deleted): drop it
        if when is not None:
            units.append((when.timestamp(), seq, [line]))
        else:
            units[-1][2].append(line)
    base = len(existing)
    for offset, entry in enumerate(ctx.timeline.entries):
        if entry.key not in claimed:
            at = entry.when.timestamp() if entry.when else _NEVER
            units.append((at, base + offset, [_row(entry, tz, ctx.issue.html_url) + cr]))
    units.sort(key=lambda unit: (unit[0], unit[1]))
    return [line for _, _, rows in units for line in rows]


@dataclass(frozen=True)
class _Source:
    """What a fresh rendering says about the page: block contents and where each block belongs."""

    blocks: dict[str, list[str]]
    anchors: dict[str, tuple[str | None, int, bool]]  # name -> (heading line, level, right after it)
    table_head: list[str]


def _source(text: str) -> _Source:
    lines = text.split("\n")
    layout = _scan(lines)
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
    _, table = _timeline_table(lines, layout)
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

    for name in names:  # regenerate the blocks the page has
        span = _scan(lines).blocks.get(name)
        if span is not None:
            lines[span[0] : span[1] + 1] = _with_cr(pick(name).blocks[name], cr, lines[span[0] : span[1] + 1])

    lines = _merge_table(lines, ctx, fresh.table_head or default.table_head, cr)

    for name in names:  # put back the blocks a person deleted; a team template's missing ones go last
        if name not in _scan(lines).blocks:
            source = pick(name)
            heading, level, right_after = source.anchors[name]
            if source is not fresh:
                heading, right_after = (None if level == 1 else heading), False
            lines = _insert_block(lines, source.blocks[name], (heading, level, right_after), cr)
    return "\n".join(lines)


def _with_cr(new: Sequence[str], cr: str, old: Sequence[str] = ()) -> list[str]:
    """Generated lines with the page's line ending; the marker lines keep their own bytes."""
    out = [line + cr for line in new]
    if old and len(out) >= 2:
        out[0], out[-1] = old[0], old[-1]
    return out


def _ensure_page_marker(lines: list[str], marker: str, cr: str) -> list[str]:
    first = strip_cr(lines[0]).lstrip("\ufeff") if lines else ""
    if first == marker:
        return lines
    if markers.parse_page_marker(first):  # the marker of a renamed or transferred repository
        return [marker + cr, *lines[1:]]
    return [marker + cr, *lines]


def _merge_table(lines: list[str], ctx: PageContext, head: Sequence[str], cr: str) -> list[str]:
    layout = _scan(lines)
    heading_at, table = _timeline_table(lines, layout)
    if table is not None:
        start, end = table
        lines[start + 2 : end] = _merge_rows(lines[start + 2 : end], ctx, cr)
        return lines
    fresh_table = _with_cr([*head, *_merge_rows([], ctx)], cr)
    if heading_at is not None:  # the heading survived, the table did not: a fresh table right under it
        after = lines[heading_at + 1] if heading_at + 1 < len(lines) else ""
        tail = [cr] if after.strip() else []
        return [*lines[: heading_at + 1], cr, *fresh_table, *tail, *lines[heading_at + 1 :]]
    return _append(lines, [cr, "## Timeline" + cr, cr, *fresh_table], cr)


def _is_hidden_line(line: str) -> bool:
    return strip_cr(line).startswith(markers.PREFIX)


def _append(lines: list[str], new: list[str], cr: str) -> list[str]:
    """``new`` at the end of the page, keeping a final line ending if the page had one."""
    if not lines or lines == [""]:
        return [*new, ""]
    if lines[-1] == "":
        return [*lines[:-1], *new, ""]
    return [*lines[:-1], lines[-1] + cr, *new, ""]


def _insert_block(
    lines: list[str], block: Sequence[str], anchor: tuple[str | None, int, bool], cr: str
) -> list[str]:
    heading_line, level, right_after = anchor
    body = _with_cr(block, cr)
    layout = _scan(lines)
    target: int | None = None
    if heading_line is not None:
        match = ATX.match(strip_cr(heading_line))
        wanted = _norm_heading(match["text"] or "") if match else ""
        for index, other_level, text in layout.headings:
            if other_level == level and (text == wanted or level == 1):
                target = index
                break
    if target is None:
        if heading_line is None and right_after is False:
            return _append(lines, [cr, *body], cr)
        if heading_line is None or level == 1:  # top of the page, after its hidden first lines
            at = 0
            while at < len(lines) and at not in layout.hidden and _is_hidden_line(lines[at]):
                at += 1
            return [*lines[:at], *body, cr, *lines[at:]]
        return _append(lines, [cr, heading_line + cr, cr, *body], cr)
    if right_after:
        at = target + 1
        tail = [cr] if at < len(lines) and lines[at].strip() else []
        return [*lines[:at], cr, *body, *tail, *lines[at:]]
    at = _section_end(layout, target, level, len(lines))
    while at > target + 1 and not lines[at - 1].strip():
        at -= 1
    return [*lines[:at], cr, *body, *lines[at:]]


# --- Index page and sidebar --------------------------------------------------------------------------------

_INDEX_HEAD = ["| Date | Incident | Status | Duration | Review due |", "|---|---|---|---|---|"]


def render_index_row(row: IndexRow) -> str:
    incident = _cell(_link(f"#{row.number} {_inline(row.title)}", row.url))
    due = row.review_due.isoformat() if row.review_due else "—"
    cells = [row.date.isoformat(), incident, _cell(row.status), _cell(row.duration), due]
    return "| " + " | ".join(cells) + f" {markers.index_marker(row.repo, row.number)} |"


def _row_date(line: str) -> date | None:
    try:
        return date.fromisoformat(_first_cell(line)[:10])
    except ValueError:
        return None


def update_index(existing: str | None, row: IndexRow, title: str = INDEX_TITLE) -> str:
    """The index page with this incident's row updated, or inserted newest first; other rows and text stay."""
    rendered = render_index_row(row)
    if existing is None:
        return "\n".join([f"# {title}", "", *_INDEX_HEAD, rendered, ""])
    lines = existing.split("\n")
    cr = "\r" if existing.count("\r\n") * 2 > existing.count("\n") else ""
    layout = _scan(lines)
    wanted = (row.repo, row.number)
    for index, line in enumerate(lines):
        marker = markers.parse_index_marker(strip_cr(line))
        if marker and marker.names(*wanted) and index not in layout.hidden:
            lines[index] = rendered + cr
            return "\n".join(lines)
    table = _index_table(lines, layout)
    if table is None:
        return "\n".join(_append(lines, [cr, *_with_cr([*_INDEX_HEAD, rendered], cr)], cr))
    start, end = table
    at = end
    for index in range(start + 2, end):
        other = _row_date(lines[index])
        if other is not None and other < row.date:
            at = index
            break
    lines[at:at] = [rendered + cr]
    return "\n".join(lines)


def _index_table(lines: Sequence[str], layout: _Layout) -> tuple[int, int] | None:
    """The table holding our index rows, else the first table on the page."""
    first: tuple[int, int] | None = None
    start = 0
    while (table := _table_in(lines, layout, start, len(lines))) is not None:
        first = first or table
        if any(markers.parse_index_marker(strip_cr(lines[i])) for i in range(table[0] + 2, table[1])):
            return table
        start = table[1]
    return first


def ensure_sidebar(existing: str | None, page: str = INDEX_TITLE) -> str:
    """The sidebar with a link to the index page, appended in a generated block only if none exists."""
    target = page.replace(" ", "-")
    link = f"[{page}]({target})"
    block = [markers.block_begin("sidebar"), f"- {link}", markers.block_end("sidebar")]
    if existing is None:
        return "\n".join([*block, ""])
    if f"]({target})" in existing:
        return existing
    lines = existing.split("\n")
    cr = "\r" if existing.count("\r\n") * 2 > existing.count("\n") else ""
    span = _scan(lines).blocks.get("sidebar")
    if span is not None:
        lines[span[0] : span[1] + 1] = _with_cr(block, cr, lines[span[0] : span[1] + 1])
        return "\n".join(lines)
    return "\n".join(_append(lines, _with_cr(block, cr), cr))
