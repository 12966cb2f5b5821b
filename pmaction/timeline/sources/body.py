"""Timeline entries from the timeline of the issue body, read the way people write them.

The section is found in timeline/sources/body_section.py. Each line is an entry's first line (it starts
with a time or a date, or is a list item or a table row of its own), a continuation of the entry above (a
wrapped line, a nested detail bullet, a further paragraph, an image, a fenced log), or context: a line that
states the zone or the date for the lines below it (timeline/context.py). Nothing people wrote is dropped:
an entry whose time can't be read stays, as "time unknown" right after the entry above it, with one
warning that names its line in the body.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, tzinfo

from pmaction.incident.issueform import NO_RESPONSE, field_value, scan_body
from pmaction.incident.model import Incident
from pmaction.text.markdown import BLOCK_KINDS, Kind, Line
from pmaction.text.stamps import Stamp, find_moment, read_stamp, words_after
from pmaction.text.times import Placed, Reading, place
from pmaction.timeline.context import (
    date_statement,
    day_title,
    reverse_statement,
    zone_statement,
)
from pmaction.timeline.model import DateOrder, Entry, Found, SourceContext
from pmaction.timeline.sources.body_draft import (
    Draft,
    far_off,
    first_day,
    order_learnt,
    placed_drafts,
    split_further,
)
from pmaction.timeline.sources.body_section import (
    heading_of,
    own_zone,
    preface_zone,
    section_reading,
    timeline_sections,
)
from pmaction.timeline.sources.body_table import TableShape, row_stamp_text, table_shape
from pmaction.timeline.tags import TIME_HINT, find_tags, quote

# Frozen: a body entry's key is a hash of its line without this prefix, and keys are written on wiki pages.
# Reading the line follows the scanner's list-item rule; the key must never move with it.
_KEY_BULLET = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")
# A picture belongs to the entry above it, even after a blank line.
_IMAGE = re.compile(r"^[ \t]*(?:!\[|<(?:img|picture|video|figure)\b)", re.IGNORECASE)
# A link reference definition ("[ashleygwilliams]: https://...") shows nothing: it is no one's observation.
_LINK_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]*\S+")
# A bullet that only labels the ones nested under it ("- **Context**:"), like a sub-heading.
_LABEL = re.compile(r"^(?:\*\*|__)?[\w][\w ./&-]{0,40}?(?:\*\*|__)?[ \t]*:?[ \t]*(?:\*\*|__)?:?$")
_PARENTHESES = re.compile(r"\([^()]*\)")
_POSTED = re.compile(r"^(?:posted|updated)(?:[ \t]+(?:on|at))?[ \t]+", re.IGNORECASE)
_HTML_LEAD = re.compile(
    r"^(?:[ \t]*</?(?:li|ul|ol|p|br|div|span|strong|b|em|dd|dt|dl)\b[^>]*>)+", re.IGNORECASE
)
_HTML_TRAIL = re.compile(r"(?:</?(?:li|ul|ol|p|br|div|span|dd|dt|dl)\b[^>]*>[ \t]*)+$", re.IGNORECASE)
_INVISIBLE = BLOCK_KINDS | {Kind.COMMENT, Kind.TABLE_SEPARATOR, Kind.UNDERLINE}


def _normalise_line(line: str) -> str:
    """What a body line's key is computed from: bullet, numbering and spacing changes keep the key."""
    return " ".join(_KEY_BULLET.sub("", line).split())


def line_key(line: str) -> str:
    """The key of the entry a body line starts (before a number for a repeated line): on the page's rows."""
    return "body-" + hashlib.sha1(_normalise_line(line.strip()).encode("utf-8")).hexdigest()[:12]


def _line_text(line: Line) -> str:
    if line.item is not None:
        return line.item.text
    # A list written in HTML ("</li><li>2017-01-24 17:00 - ..."): the tags before the words are no words.
    return _HTML_TRAIL.sub("", _HTML_LEAD.sub("", line.text)).strip()


def _is_context_only(text: str, stamp: Stamp | None) -> bool:
    """A line that only sets a date or a zone: "2019-01-22", "2015-10-21 _(all times UTC)_", "All times
    in PST". It is no one's observation: no row, no warning."""
    if stamp is not None and stamp.clock is None:
        rest = re.sub(r"[\s*_:,.()\-–—|`]+", " ", text[stamp.end :]).strip()
        return rest == "" or zone_statement(rest) is not None
    return stamp is None and zone_statement(text) is not None and len(text.split()) <= 16


@dataclass
class _Walk:
    """The state of one pass over the section's lines."""

    reading: Reading
    default_day: date | None
    table: TableShape | None = None
    drafts: list[Draft] = field(default_factory=list)
    current: Draft | None = None
    blank: bool = False  # a blank line since the current draft's last line
    statement: str | None = None  # the context paragraph being read: its wrapped lines state it together


def _start(walk: _Walk, line: Line, kind: str, column: int, text: str, stamp: Stamp | None) -> None:
    words, closer = words_after(text, stamp) if stamp is not None else (text.strip(), "")
    if stamp is not None and stamp.date is not None and stamp.clock is None:
        words, closer = _date_words(text, stamp), ""
    lead = len(text[: stamp.start].split()) if stamp is not None else 0
    if stamp is not None and stamp.clock is not None and lead <= 2 and _only_moment(text[stamp.end :]):
        kind = "heading"  # "Update 2023-10-05 12:00 CEST (06:00 AM EDT)": the paragraphs below tell it
    draft = Draft(line, kind, column, stamp, words, walk.reading, closer)
    draft.parts.append(words)
    draft.raw.append(line.text)
    walk.drafts.append(draft)
    walk.current, walk.blank = draft, False


def _date_words(text: str, stamp: Stamp) -> str:
    return words_after(text, replace(stamp, prose=False, opener=""))[0]


def _set_day(walk: _Walk, day: date | None) -> None:
    if day is not None:
        walk.reading = replace(walk.reading, day=day)


def _restate(walk: _Walk, statement: str) -> None:
    """A context paragraph's next line: what the whole paragraph states so far holds."""
    walk.statement = statement
    zone = zone_statement(statement)
    if zone is not None:
        walk.reading = replace(walk.reading, zone=zone)


def _context(walk: _Walk, text: str, stamp: Stamp | None) -> bool:
    """Take what a context line states; False when the line is no context line."""
    if not _is_context_only(text, stamp):
        return False
    # A sentence that states a zone may wrap onto the next line; a date line ("Apr 19, 2016") does not.
    walk.statement = text if stamp is None else None
    zone = zone_statement(text)
    if zone is not None:
        walk.reading = replace(walk.reading, zone=zone)
    if stamp is not None:
        placed = place(stamp, walk.reading, walk.default_day)
        _set_day(walk, placed.day)
        walk.current = None
    return True


def _heading(walk: _Walk, line: Line, title: str) -> None:
    stamp = read_stamp(title)
    if stamp is not None and stamp.clock is not None:
        _start(walk, line, "heading", 0, title, stamp)
        return
    zone = zone_statement(title, heading=True)
    if zone is not None:
        walk.reading = replace(walk.reading, zone=zone)
    if reverse_statement(title):
        walk.reading = replace(walk.reading, reverse=True)
    if stamp is not None:  # a day sub-heading: "### 2020-02-21"
        _set_day(walk, place(stamp, walk.reading, walk.default_day).day)
        walk.current = None
    # Any other sub-heading ("Actions taken") only structures the entries: the lines below it still
    # continue the entry above.


def _continues(walk: _Walk, line: Line) -> bool:
    """Whether ``line`` (no stamp of its own) belongs to the current entry."""
    draft = walk.current
    if draft is None:
        return False
    if draft.kind in ("para", "heading"):
        return True
    if draft.kind == "row":
        return False
    indent = len(line.text) - len(line.text.lstrip())
    if line.kind in (Kind.ITEM, Kind.TASK):
        nested = line.item is not None and len(line.item.lead) - len(line.item.lead.lstrip()) >= draft.column
        return nested or _titled(draft)
    return not walk.blank or indent >= draft.column or _IMAGE.match(line.text) is not None


def _told_under_heading(walk: _Walk, line: Line, text: str, stamp: Stamp) -> bool:
    current = walk.current
    if current is None or current.kind != "heading" or line.kind is not Kind.PLAIN:
        return False
    return not _only_moment(text[stamp.end :])


def _only_moment(rest: str) -> bool:
    """Nothing but punctuation and the same moment restated in parentheses after a stamp."""
    return not re.sub(r"[\W_]+", "", _PARENTHESES.sub("", rest))


def _titled(draft: Draft) -> bool:
    """A timed bullet that only names its moment ("- 15 December 2024, 03:53 (UTC) – Outage Begins"): the
    plain bullet under it is what happened then."""
    words = draft.text.split()
    timed = draft.stamp is not None and draft.stamp.clock is not None
    return timed and len(draft.parts) == 1 and 0 < len(words) <= 4 and all(w[0].isupper() for w in words)


def _plain_or_item(walk: _Walk, line: Line) -> None:
    text = _line_text(line)
    if not text and walk.current is not None:
        walk.current.raw.append(line.text)  # "<div>": no words, but the entry's lines stay together
    if not text or text == NO_RESPONSE or _LINK_DEFINITION.match(line.text):
        return
    if _posted(walk, line, text):
        return
    if walk.statement is not None and line.kind is Kind.PLAIN and not walk.blank and read_stamp(text) is None:
        _restate(walk, f"{walk.statement} {text}")
        return
    walk.statement = None
    if _is_label(text):
        walk.current = None  # "- **Context**:", "Summary:" label the lines below them
        return
    stamp = read_stamp(text)
    if stamp is None and line.kind is Kind.PLAIN and (_new_paragraph(walk) or _new_sentence(walk, text)):
        stamp = find_moment(text)  # "The team became aware of it at 15:44Z, and ..."
    if stamp is not None and stamp.prose and _told_under_heading(walk, line, text, stamp):
        stamp = None  # "On 2023-10-06 at 09:00 we will ...": a sentence of the update above, not a new one
    if stamp is not None and stamp.date is not None and stamp.clock is None and _context(walk, text, stamp):
        return
    if stamp is None and (_context(walk, text, None) or _day_title(walk, line, text)):
        return
    kind = "item" if line.kind in (Kind.ITEM, Kind.TASK) else "para"
    column = len(line.item.lead) if line.item is not None else 0
    if stamp is None and _continues(walk, line):
        nested = line.kind in (Kind.ITEM, Kind.TASK)
        shown = line.text.strip() if nested else text
        walk.current.add(line, shown, wrapped=not nested and not walk.blank, new_block=walk.blank)  # type: ignore[union-attr]
        walk.blank = False
        return
    first = stamp is None and walk.current is None and not walk.drafts and kind == "para"
    if first and (_preface(walk, text) or text.endswith(":")):
        return  # "Below is a timeline of the incident:" leads into it
    _start(walk, line, kind, column, text, stamp)


def _day_title(walk: _Walk, line: Line, text: str) -> bool:
    """A short line that starts a paragraph and ends with a full date ("Rapport de panne du 23 Septembre
    2024"): the day of the lines below it, like a day sub-heading."""
    day = day_title(text) if line.kind is Kind.PLAIN and _new_paragraph(walk) else None
    if day is None:
        return False
    _set_day(walk, day)
    walk.current = None
    return True


def _is_label(text: str) -> bool:
    return (
        _LABEL.match(text) is not None
        and text.rstrip("*_ ").endswith(":")
        and len(text.split()) <= 4
        and read_stamp(text) is None
    )


def _posted(walk: _Walk, line: Line, text: str) -> bool:
    """A status page's update ends with its time ("Investigating / All services are down ... / Posted Apr 05,
    2022 - 15:25 UTC"): that line dates the lines above it, and leads their entry."""
    lead = _POSTED.match(text)
    draft = walk.current
    if draft is None:
        return False
    if draft.stamp is not None:
        alone = lead is None and not walk.blank and _stamp_alone(text)
        return (lead is not None or alone) and _posted_block(
            walk, draft, line, text[lead.end() if lead else 0 :]
        )
    if lead is None:
        # Or a line that is only a moment, right under the update's words ("Apr 19, 19:11 BST").
        stamp = read_stamp(text)
        if not _stamp_alone(text) or draft.kind != "para" or walk.blank or line.kind is not Kind.PLAIN:
            return False
    else:
        stamp = read_stamp(text[lead.end() :])
    if stamp is None or stamp.clock is None:
        return False
    draft.first, draft.stamp, draft.reading = line, stamp, walk.reading
    draft.raw.insert(0, line.text)
    walk.current = None
    return True


def _stamp_alone(text: str) -> bool:
    stamp = read_stamp(text)
    return (
        stamp is not None
        and stamp.clock is not None
        and not re.sub(r"[\W_]+", "", words_after(text, stamp)[0])
    )


def _posted_block(walk: _Walk, draft: Draft, line: Line, stamp_text: str) -> bool:
    """A "Posted ..." line under paragraphs that joined a dated entry above them: they are an update of
    their own, dated by the line."""
    stamp = read_stamp(stamp_text)
    split = split_further(draft, line, stamp, walk.reading) if stamp and stamp.clock else None
    if split is None:
        return False
    walk.drafts.append(split)
    walk.current = None
    return True


def _new_paragraph(walk: _Walk) -> bool:
    """A paragraph of its own: not a wrapped line, and not in an entry under a heading of its own time
    (whose paragraphs all tell that moment, "By 23:02 UTC ..." included)."""
    return walk.blank and (walk.current is None or walk.current.kind != "heading")


def _new_sentence(walk: _Walk, text: str) -> bool:
    """A line of prose that starts a sentence of its own right under a paragraph entry's last sentence, as
    a page copied one paragraph a line shows ("... pas été le cas." / "Une première intervention a eu lieu
    à 18h20 ...")."""
    draft = walk.current
    if draft is None or draft.kind != "para" or walk.blank or not text[:1].isupper():
        return False
    return draft.raw[-1].rstrip().endswith((".", "!", "?"))


def _preface(walk: _Walk, text: str) -> bool:
    """A sentence before the first entry that states the day or the zone ("the events of Thursday February 11,
    2016", "Here is what happened (times are UTC):")."""
    day, zone = date_statement(text), zone_statement(text)
    if day is None and zone is None:
        return False
    walk.statement = text
    _set_day(walk, day)
    if zone is not None:
        walk.reading = replace(walk.reading, zone=zone)
    return True


def _row(walk: _Walk, line: Line) -> None:
    if line.table == line.index:
        walk.table = table_shape(line.text)
        if walk.table.zone is not None:
            walk.reading = replace(walk.reading, zone=walk.table.zone)
        if walk.table.year is not None:
            walk.reading = replace(walk.reading, year=walk.table.year)
        walk.current = None
        return
    stamp_text, words = row_stamp_text(line.text, walk.table)
    stamp = read_stamp(stamp_text)
    # Whatever the moment's cells hold beyond the moment stays in the words: nothing is cut.
    rest = stamp_text if stamp is None else _date_words(stamp_text, stamp)
    words = " | ".join(part for part in (rest, words) if part)
    draft = Draft(line, "row", 0, stamp, words, walk.reading)
    draft.parts.append(words)
    draft.raw.append(line.text)
    walk.drafts.append(draft)
    walk.current = draft


def _fenced(walk: _Walk, line: Line) -> None:
    if walk.current is None:
        _start(walk, line, "fence", 0, line.text, None)
        return
    walk.current.raw.append(line.text)
    walk.current.parts.append(line.text)


def _walk(walk: _Walk, lines: Iterable[Line]) -> None:
    for line in lines:
        if line.kind in _INVISIBLE:
            continue
        if line.kind is Kind.BLANK:
            walk.blank, walk.statement, walk.table = True, None, None
            continue
        _line(walk, line)
        walk.blank = heading_of(line) is not None  # what follows a heading starts a paragraph


def _line(walk: _Walk, line: Line) -> None:
    if line.fenced:
        _fenced(walk, line)
    elif line.kind is Kind.BREAK:
        walk.current = None
    elif (heading := heading_of(line)) is not None:
        _heading(walk, line, heading[1])
    elif line.kind is Kind.TABLE_ROW or (line.text.lstrip().startswith("|") and walk.table):
        _row(walk, line)
    else:
        _plain_or_item(walk, line)


# --- from drafts to entries ---------------------------------------------------------------------------------


def _warning(number: int, draft: Draft, placed: Placed) -> str | None:
    first = draft.first.text.strip()
    if placed.when is None:
        why = f" ({placed.warning})" if draft.stamp is not None and placed.warning else ""
        return (
            f'Line {number} of the issue body has no time pmaction can read{why}: "{quote(first)}" '
            f"— {TIME_HINT}"
        )
    if placed.warning:
        return f'Line {number} of the issue body: "{quote(first)}" {placed.warning}'
    return None


def _unplaced_text(draft: Draft) -> str:
    """An entry whose stamp names no moment keeps the stamp in its words ("2019-02-30 10:00 disk full",
    "11:30/12:30 PM the vendor joined"): the row says what was written, the warning why it has no time."""
    text = draft.full_text()
    if draft.stamp is None or draft.stamp.prose or draft.kind == "row":
        return text
    line = _line_text(draft.first)
    if read_stamp(line) != draft.stamp:
        return text  # a stamp read from part of the line ("Posted ..."): its words are the line's own
    return f"{line[draft.stamp.start : draft.stamp.end].strip()} {text}".strip()


def _entries(drafts: Sequence[Draft], placed: Sequence[Placed]) -> Found:
    entries: list[Entry] = []
    warnings: list[str] = []
    far = far_off(placed, drafts)
    seen: dict[str, int] = {}
    previous: datetime | None = None
    for order, (draft, found) in enumerate(zip(drafts, placed, strict=True), start=1):
        number = draft.first.index + 1
        warning = _warning(
            number, draft, found if order - 1 not in far else replace(found, warning=far[order - 1])
        )
        if warning:
            warnings.append(warning)
        base = line_key(draft.first.text)
        seen[base] = seen.get(base, 0) + 1
        key = base if seen[base] == 1 else f"{base}-{seen[base]}"
        text = draft.full_text() if found.when is not None else _unplaced_text(draft)
        entries.append(
            Entry(
                key=key,
                when=found.when,
                text=text,
                source="body",
                tags=find_tags(text),
                raw="\n".join(draft.raw),
                order=order,
                date_only=found.date_only,
                after=previous if found.when is None else None,
            )
        )
        previous = found.when if found.when is not None else previous
    return entries, warnings


def body_entries(
    body: str,
    *,
    tz: tzinfo,
    default_date: date | None,
    date_order: DateOrder = "auto",
    title: str = "",
) -> Found:
    """Entries from the timeline of the issue body, and a warning for each line without a time."""
    lines = scan_body(body).lines
    sections = timeline_sections(lines)
    if not sections:
        return [], []
    # The incident's own day, as the write-up names it: a "Date:" field, else the title's date.
    stated = field_value(body, "Date", "Incident date", "Date of incident")
    default_day = date_statement(stated or "") or date_statement(title) or default_date
    zone = preface_zone(lines, sections[0].first, tz)
    reading = Reading(zone=zone, order=date_order)
    reading = section_reading(reading, sections[0])
    walk = _Walk(reading=reading, default_day=default_day)
    for section in sections:
        if section is not sections[0] and not section.child:
            walk.current = None
        _walk(walk, section.lines)
    order = order_learnt(walk.drafts, date_order)
    own = own_zone(walk.drafts, tz)
    drafts = [
        replace(
            d, reading=replace(d.reading, order=order, zone=own if d.reading.zone is tz else d.reading.zone)
        )
        for d in walk.drafts
    ]
    placed = placed_drafts(drafts, first_day(drafts, default_day))
    return _entries(drafts, placed)


def entries(incident: Incident, context: SourceContext) -> Found:
    return body_entries(
        incident.issue.body,
        tz=context.tz,
        default_date=context.default_date,
        date_order=context.date_order,
        title=incident.issue.title,
    )
