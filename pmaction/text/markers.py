"""Every hidden marker pmaction writes, formatted and parsed here and nowhere else.

A marker is an HTML comment, ``<!-- pmaction:KIND ... -->``, invisible on GitHub. pmaction finds its own
objects by them (never by title or file name), so each format is one pair of functions: what we write and
what we accept back. Where a marker must stand (alone on a line, last line, end of a table row) is part of
its rule and lives here too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# Every marker starts with this; people's text is escaped so that it can never produce one.
PREFIX = "<!-- pmaction:"


@dataclass(frozen=True)
class Ref:
    """An incident named by a marker: the repository (owner/name) and the issue number."""

    repo: str
    number: int

    def names(self, full_name: str, number: int) -> bool:
        return self.repo.lower() == full_name.lower() and self.number == number


def _ref(match: re.Match[str] | None) -> Ref | None:
    return Ref(match["repo"], int(match["number"])) if match else None


# --- wiki pages -------------------------------------------------------------------------------------------

# First line of every incident page.
_PAGE = re.compile(r"^<!-- pmaction:incident (?P<repo>[^\s#]+)#(?P<number>\d+) -->\r?$")


def page_marker(full_name: str, number: int) -> str:
    return f"<!-- pmaction:incident {full_name}#{number} -->"


def parse_page_marker(line: str) -> Ref | None:
    """The incident a page's first line names (a trailing CR of a CRLF page is allowed)."""
    return _ref(_PAGE.match(line))


# Generated blocks: a begin and an end line, each alone on its line, around text pmaction rewrites.
_BEGIN = re.compile(r"^[ \t]*<!--[ \t]*pmaction:begin[ \t]+(?P<name>[\w-]+)[ \t]*-->[ \t]*$")
_END = re.compile(r"^[ \t]*<!--[ \t]*pmaction:end[ \t]+(?P<name>[\w-]+)[ \t]*-->[ \t]*$")


def block_begin(name: str) -> str:
    return f"<!-- pmaction:begin {name} -->"


def block_end(name: str) -> str:
    return f"<!-- pmaction:end {name} -->"


def parse_block_begin(line: str) -> str | None:
    match = _BEGIN.match(line)
    return match["name"] if match else None


def parse_block_end(line: str) -> str | None:
    match = _END.match(line)
    return match["name"] if match else None


# A generated timeline row ends with its entry's key and a hash of the row as generated.
_ROW = re.compile(
    r"^(?P<body>.*?)[ \t]*<!-- pmaction:e (?P<key>[\w.:-]+) h=(?P<hash>[0-9a-f]{10}) -->[ \t]*\|?[ \t]*$"
)
_ROW_ANYWHERE = re.compile(r"<!-- pmaction:e (?P<key>[\w.:-]+)[ -]")


@dataclass(frozen=True)
class RowMarker:
    body: str  # the row before its marker
    key: str
    hash: str


def row_marker(key: str, digest: str) -> str:
    return f"<!-- pmaction:e {key} h={digest} -->"


def parse_row_marker(line: str) -> RowMarker | None:
    match = _ROW.match(line)
    return RowMarker(match["body"], match["key"], match["hash"]) if match else None


def row_keys(text: str) -> list[str]:
    """The entry keys of every generated row in a page (cheap: no table parsing)."""
    return [match["key"] for match in _ROW_ANYWHERE.finditer(text)]


# A row of the index page ends with the incident it stands for.
_INDEX = re.compile(r"<!-- pmaction:i (?P<repo>[^\s#]+)#(?P<number>\d+) -->[ \t]*\|?[ \t]*$")


def index_marker(full_name: str, number: int) -> str:
    return f"<!-- pmaction:i {full_name}#{number} -->"


def parse_index_marker(line: str) -> Ref | None:
    return _ref(_INDEX.search(line))


# Line 2 of a page: the incident's key facts as JSON, for the report.
_FACTS = re.compile(r"^<!-- pmaction:facts (?P<json>\{.*\}) -->\r?$")


def facts_marker(data: dict[str, Any]) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    # JSON never contains "-->" once ">" is escaped, so the comment cannot be closed early.
    return "<!-- pmaction:facts " + text.replace(">", "\\u003e") + " -->"


def is_facts_marker(line: str) -> bool:
    return _FACTS.match(line) is not None


def parse_facts_marker(line: str) -> dict[str, Any] | None:
    match = _FACTS.match(line)
    if not match:
        return None
    try:
        data = json.loads(match["json"])
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


# --- GitHub objects ---------------------------------------------------------------------------------------

# Last line of a backlog issue's body.
_ITEM = re.compile(
    r"^<!-- pmaction:item (?P<repo>[\w.-]+/[\w.-]+)#(?P<number>\d+) key=(?P<key>[0-9a-f]{12}) -->$"
)


def item_marker(full_name: str, incident: int, key: str) -> str:
    return f"<!-- pmaction:item {full_name}#{incident} key={key} -->"


def parse_item_marker(body: str) -> tuple[Ref, str] | None:
    """(incident, item key) from the marker on the body's last non-blank line; anywhere else it is
    ignored, so a marker pasted into the text cannot claim an issue."""
    lines = body.rstrip().split("\n")
    match = _ITEM.match(lines[-1].strip()) if lines else None
    if match is None:
        return None
    return Ref(match["repo"], int(match["number"])), match["key"]


# A line of its own in a review milestone's description.
_REVIEW = re.compile(r"^<!-- pmaction:review (?P<repo>[\w.-]+/[\w.-]+)#(?P<number>\d+) -->$")


def review_marker(full_name: str, number: int) -> str:
    return f"<!-- pmaction:review {full_name}#{number} -->"


def is_review_marker(line: str) -> bool:
    return _REVIEW.match(line.strip()) is not None


def parse_review_marker(description: str | None) -> Ref | None:
    """The incident a milestone description names on a line of its own; None when there is none."""
    for line in (description or "").split("\n"):
        found = _ref(_REVIEW.match(line.strip()))
        if found:
            return found
    return None


# The incident's assignees, recorded in the milestone description so the nag needs no issue read.
_OWNERS = re.compile(r"^<!-- pmaction:owners (?P<owners>[A-Za-z0-9,\[\]-]*) -->$")


def owners_marker(owners: Sequence[str]) -> str:
    return f"<!-- pmaction:owners {','.join(owners)} -->"


def parse_owners_marker(line: str) -> tuple[str, ...] | None:
    match = _OWNERS.match(line.strip())
    return tuple(login for login in match["owners"].split(",") if login) if match else None


# The post-mortem's facilitator, on the review milestone (the nag mentions them without reading comments).
_FACILITATOR = re.compile(r"^<!-- pmaction:facilitator (?P<login>[A-Za-z0-9-]{0,39}) -->$")


def facilitator_marker(login: str | None) -> str:
    return f"<!-- pmaction:facilitator {login or ''} -->"


def parse_facilitator_marker(line: str) -> str | None:
    """The login ('' when none was named), or None when ``line`` is no facilitator marker."""
    match = _FACILITATOR.match(line.strip())
    return match["login"] if match else None


# Last line of the status comment.
_STATUS = re.compile(r"^<!-- pmaction:status (?P<repo>[^\s#]+)#(?P<number>\d+) -->$")


def status_marker(full_name: str, number: int) -> str:
    return f"<!-- pmaction:status {full_name}#{number} -->"


def parse_status_marker(line: str) -> Ref | None:
    return _ref(_STATUS.match(line.strip()))


# Last line of a review reminder.
_REMINDER = re.compile(
    r"^<!-- pmaction:reminder review=(?P<review>\d+) kind=(?P<kind>soon|overdue) at=(?P<at>\S+) -->$",
    re.MULTILINE,
)


@dataclass(frozen=True)
class Reminder:
    review: int  # milestone number
    kind: str  # soon | overdue
    at: datetime


def reminder_marker(review: int, kind: str, at: datetime) -> str:
    return f"<!-- pmaction:reminder review={review} kind={kind} at={at.strftime('%Y-%m-%dT%H:%M:%SZ')} -->"


def parse_reminders(body: str) -> list[Reminder]:
    out = []
    for match in _REMINDER.finditer(body.replace("\r\n", "\n")):
        try:
            at = datetime.fromisoformat(match["at"].replace("Z", "+00:00"))
        except ValueError:
            continue
        out.append(Reminder(int(match["review"]), match["kind"], at))
    return out


def last_line(body: str) -> str:
    lines = body.replace("\r\n", "\n").strip().split("\n")
    return lines[-1].strip()


# The first lines of the comments pmaction writes (the status comment, the nag's two reminders): with a
# person's token its comments are that person's, and only this shape tells them from the person's own.
STATUS_HEADING = "### Post-mortem bookkeeping"
REMINDER_HEADINGS = ("### Post-mortem review coming up", "### Post-mortem review overdue")
OWN_HEADINGS = (STATUS_HEADING, *REMINDER_HEADINGS)


def ends_with_own_comment_marker(body: str) -> bool:
    """A comment pmaction wrote (status or reminder) ends with its marker on a line of its own."""
    line = last_line(body)
    return parse_status_marker(line) is not None or bool(_REMINDER.match(line))


# The sync's record, the line above the status comment's marker: what the last full sync saw and wrote (the
# review milestone's number, the wiki commit, digests of its inputs), so the next run can tell "unchanged"
# from the comments listing alone. One JSON object of short strings and numbers.
_RECORD = re.compile(r"^<!-- pmaction:record (?P<data>\{.*\}) -->$")


def _json_in_comment(data: dict[str, Any]) -> str:
    # "--" cannot appear inside an HTML comment, ">" could end it early: JSON's \u escapes read back the same.
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return text.replace("-", "\\u002d").replace(">", "\\u003e").replace("<", "\\u003c")


def record_marker(data: dict[str, Any]) -> str:
    return f"<!-- pmaction:record {_json_in_comment(data)} -->"


def _json_from_comment(pattern: re.Pattern[str], line: str) -> dict[str, Any] | None:
    match = pattern.match(line.strip())
    if not match:
        return None
    try:
        data = json.loads(match["data"])
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def parse_record_marker(line: str) -> dict[str, Any] | None:
    return _json_from_comment(_RECORD, line)


# The report page's last line: every review milestone's state as the last run that listed them (report, nag)
# or synced one incident saw it, so a sync renders the report without listing every milestone.
_REVIEWS = re.compile(r"^<!-- pmaction:reviews (?P<data>\{.*\}) -->$")


def reviews_marker(data: dict[str, Any]) -> str:
    return f"<!-- pmaction:reviews {_json_in_comment(data)} -->"


def parse_reviews_marker(line: str) -> dict[str, Any] | None:
    return _json_from_comment(_REVIEWS, line)
