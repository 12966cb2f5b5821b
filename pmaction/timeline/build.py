"""The incident timeline: entries from the issue, its comments and its events.

The team's timeline runs from the moment the incident was announced (incident label added, or the issue
opened with it) to the moment it was declared over (issue closed). Entries come from the Timeline section
of the issue body, trusted comments (``/timeline <text> | <time>`` back-dates one), and issue events.
Nothing is dropped: a line whose time can't be read stays, as "time unknown", with a warning.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo

from pmaction.github.data import TRUSTED_ASSOCIATIONS, Comment, Issue, IssueEvent
from pmaction.incident.issueform import NO_RESPONSE, field_value, heading, iter_lines, normalise_key
from pmaction.incident.model import Incident
from pmaction.text import markers
from pmaction.text.times import parse_time, split_time_prefix
from pmaction.timeline.durations import compute_durations, order_warnings
from pmaction.timeline.model import Entry, Moments, Timeline

# Key moments a timeline entry can mark with a hashtag, plus the two read from the issue.
KEY_TAGS = ("started", "detected", "mitigated", "resolved")


# --- Building the timeline (pure functions below; no I/O) -------------------------------------------------

DEFAULT_BOT_LOGINS = frozenset({"github-actions[bot]"})
# GitHub applies labels chosen at creation a moment after the issue exists; within this it was "opened with".
OPENED_WITH_LABEL = timedelta(seconds=60)
EVENT_KINDS = frozenset(
    {"labeled", "unlabeled", "assigned", "unassigned", "closed", "reopened", "milestoned"}
)
# Body fields that set a moment directly (explicit fields win over tags and over issue events).
MOMENT_FIELDS = {
    "started": "Started",
    "detected": "Detected",
    "mitigated": "Mitigated",
    "resolved": "Resolved",
    "announced": "Announced",
    "declared_over": "Declared over",
}
TIME_HINT = 'write it as "YYYY-MM-DD HH:MM TZ" or "HH:MM TZ".'

_TAG = re.compile(r"(?<![\w#&/])#(started|detected|mitigated|resolved)\b", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_COMMAND = re.compile(r"^\s*/timeline(?:[ \t]+(?P<rest>.*?))?\s*$", re.IGNORECASE)


def find_tags(text: str) -> frozenset[str]:
    """Key-moment hashtags in ``text`` (``#detected`` ...), lower-case."""
    return frozenset(match.lower() for match in _TAG.findall(text))


def _quote(line: str, limit: int = 200) -> str:
    line = " ".join(line.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _normalise_line(line: str) -> str:
    """What a body line's key is computed from: bullet, numbering and spacing changes keep the key."""
    return " ".join(_BULLET.sub("", line).split())


# --- announced / declared over ------------------------------------------------------------------------------


def _first_labeled(events: Sequence[IssueEvent], label: str) -> IssueEvent | None:
    """The first event that added the incident label (it stands for the announcement on the timeline)."""
    wanted = label.lower()
    labeled = sorted(
        (e for e in events if e.event == "labeled" and (e.label or "").lower() == wanted),
        key=lambda e: e.created_at,
    )
    return labeled[0] if labeled else None


def _announce_event(issue: Issue, events: Sequence[IssueEvent], label: str) -> IssueEvent | None:
    """The labeled event that announced the incident, or None when the issue was opened with the label."""
    first = _first_labeled(events, label)
    if first is None or first.created_at - issue.created_at <= OPENED_WITH_LABEL:
        return None
    return first


def announced_at(issue: Issue, events: Sequence[IssueEvent], label: str) -> datetime | None:
    """When the incident label was first added, or the issue's creation if it was opened with it.

    Without any labeled event we also fall back to the creation time: the events list can be empty for
    issues created with the label, and an incident always has a start to count from.
    """
    event = _announce_event(issue, events, label)
    return event.created_at if event is not None else issue.created_at


def _close_event(issue: Issue, events: Sequence[IssueEvent]) -> IssueEvent | None:
    if issue.state != "closed":
        return None
    closes = [e for e in events if e.event == "closed"]
    reopens = [e.created_at for e in events if e.event == "reopened"]
    if not closes:
        return None
    last = max(closes, key=lambda e: e.created_at)
    if reopens and max(reopens) > last.created_at:
        return None  # the events disagree with the state; issue.closed_at is the better witness
    return last


def declared_over_at(issue: Issue, events: Sequence[IssueEvent]) -> datetime | None:
    """When the issue was last closed, if it is closed now (a reopen clears it)."""
    event = _close_event(issue, events)
    if event is not None:
        return event.created_at
    return issue.closed_at if issue.state == "closed" else None


# --- entries from the issue body ----------------------------------------------------------------------------


def _timeline_section(body: str) -> list[tuple[str, bool]]:
    """Lines (with their in-fence flag) of the first heading named "Timeline", up to the next heading of the
    same or a higher level."""
    level: int | None = None
    lines: list[tuple[str, bool]] = []
    for line, fenced in iter_lines(body or ""):
        found = None if fenced else heading(line)
        if level is None:
            if found is not None and re.fullmatch(r"timeline\b.*", normalise_key(found[1])):
                level = found[0]
            continue
        if found is not None and found[0] <= level:
            break
        lines.append((line, fenced))
    return lines


def _section_items(lines: list[tuple[str, bool]]) -> list[str]:
    """The entry lines of a timeline section; a fenced block joins the entry above it (a pasted log is part
    of that observation). Template comments, ``_No response_`` and table header/separator rows are not
    entries."""
    items: list[str] = []
    in_comment = False
    for index, (line, fenced) in enumerate(lines):
        stripped = line.strip()
        if fenced:
            if items:
                items[-1] += "\n" + line
            else:
                items.append(line)
            continue
        if in_comment:
            in_comment = "-->" not in stripped
            continue
        if stripped.startswith("<!--"):
            in_comment = "-->" not in stripped
            continue
        # Sub-headings ("#### Day 2") only structure the section; they are not observations.
        if not stripped or stripped == NO_RESPONSE or _TABLE_SEPARATOR.match(stripped) or heading(line):
            continue
        following = lines[index + 1][0] if index + 1 < len(lines) else ""
        if stripped.startswith("|") and _TABLE_SEPARATOR.match(following.strip()):
            continue  # the header row of a table
        items.append(line)
    return items


def _table_cells(row: str) -> list[str]:
    inner = row.strip()[1:]
    if inner.endswith("|") and not inner.endswith("\\|"):
        inner = inner[:-1]
    return [cell.strip() for cell in _CELL_SPLIT.split(inner)]


def _read_body_line(item: str, *, tz: tzinfo, default_date: date | None) -> tuple[datetime | None, str]:
    first, _, more = item.partition("\n")
    extra = "\n" + more if more else ""
    if first.strip().startswith("|"):
        cells = _table_cells(first)
        when = parse_time(cells[0], tz=tz, default_date=default_date)
        shown = cells[1:] if when is not None else cells
        return when, " | ".join(cell for cell in shown if cell) + extra
    when, text = split_time_prefix(_BULLET.sub("", first), tz=tz, default_date=default_date)
    return when, text + extra


def body_entries(body: str, *, tz: tzinfo, default_date: date | None) -> tuple[list[Entry], list[str]]:
    """Entries from the Timeline section of the issue body, and a warning for each line without a time."""
    entries: list[Entry] = []
    warnings: list[str] = []
    seen: dict[str, int] = {}
    for number, item in enumerate(_section_items(_timeline_section(body)), start=1):
        when, text = _read_body_line(item, tz=tz, default_date=default_date)
        first_line = item.split("\n", 1)[0].strip()
        if when is None:
            warnings.append(
                f"Timeline line {number} of the issue body has no time pmaction can read: "
                f'"{_quote(first_line)}" — {TIME_HINT}'
            )
        digest = hashlib.sha1(_normalise_line(first_line).encode("utf-8")).hexdigest()[:12]
        seen[digest] = seen.get(digest, 0) + 1
        key = f"body-{digest}" if seen[digest] == 1 else f"body-{digest}-{seen[digest]}"
        entries.append(
            Entry(key=key, when=when, text=text, source="body", tags=find_tags(text), raw=item, order=number)
        )
    return entries, warnings


# --- entries from comments ----------------------------------------------------------------------------------


def is_own_comment(comment: Comment, bot_logins: frozenset[str] = DEFAULT_BOT_LOGINS) -> bool:
    """Comments written by pmaction are not observations: its bot's, or (run with a person's token) one
    that ends with our marker line. A person quoting a marker inside an observation is still heard."""
    if comment.author in bot_logins or comment.author_is_bot:
        return True
    return markers.ends_with_own_comment_marker(comment.body)


def _commands(body: str) -> list[str]:
    """The ``/timeline`` lines of a comment, outside code fences (someone explaining the syntax)."""
    found = []
    for line, fenced in iter_lines(body):
        match = None if fenced else _COMMAND.match(line)
        if match is not None:
            found.append(match["rest"] or "")
    return found


def _read_command(
    rest: str, comment: Comment, *, tz: tzinfo, default_date: date | None
) -> tuple[datetime | None, str, str | None]:
    """(when, text, warning) for ``/timeline <text> | <time>``; without ``| time`` a leading time is used,
    else the comment's own time."""
    if "|" in rest:
        text, _, stamp = rest.rpartition("|")
        when = parse_time(stamp, tz=tz, default_date=default_date)
        if when is None:
            warning = (
                f"A /timeline command in the comment by {comment.author} ({comment.html_url}) has no time "
                f'pmaction can read: "/timeline {_quote(rest)}" — {TIME_HINT}'
            )
            return None, text.strip(), warning
        return when, text.strip(), None
    when, text = split_time_prefix(rest, tz=tz, default_date=default_date)
    return (when or comment.created_at), text, None


def comment_entries(
    comments: Sequence[Comment],
    *,
    tz: tzinfo,
    default_date: date | None,
    trusted_only: bool = True,
    bot_logins: frozenset[str] = DEFAULT_BOT_LOGINS,
) -> tuple[list[Entry], list[str]]:
    """One entry per trusted comment at its own time; a comment with ``/timeline`` lines gives one back-dated
    entry per line instead ("comment-<id>", then "comment-<id>-2", ... so the first key survives edits)."""
    entries: list[Entry] = []
    warnings: list[str] = []
    for comment in sorted(comments, key=lambda c: (c.created_at, c.id)):
        if is_own_comment(comment, bot_logins):
            continue
        if trusted_only and comment.association.upper() not in TRUSTED_ASSOCIATIONS:
            continue
        commands = _commands(comment.body)
        if not commands:
            text = comment.body.strip()
            entries.append(
                Entry(
                    key=f"comment-{comment.id}",
                    when=comment.created_at,
                    text=text,
                    source="comment",
                    author=comment.author,
                    url=comment.html_url,
                    tags=find_tags(text),
                    raw=comment.body,
                    order=len(entries),
                )
            )
            continue
        for k, rest in enumerate(commands, start=1):
            when, text, warning = _read_command(rest, comment, tz=tz, default_date=default_date)
            if warning:
                warnings.append(warning)
            entries.append(
                Entry(
                    key=f"comment-{comment.id}" if k == 1 else f"comment-{comment.id}-{k}",
                    when=when,
                    text=text,
                    source="comment",
                    author=comment.author,
                    url=comment.html_url,
                    tags=find_tags(text),
                    raw=f"/timeline {rest}",
                    order=len(entries),
                )
            )
    return entries, warnings


# --- entries from issue events ------------------------------------------------------------------------------


def _event_text(event: IssueEvent) -> str:
    # Logins without "@": the text may be quoted in issue comments, where "@" would notify people.
    match event.event:
        case "labeled":
            return f"Label `{event.label}` added"
        case "unlabeled":
            return f"Label `{event.label}` removed"
        case "assigned":
            return f"Assigned to {event.assignee}"
        case "unassigned":
            return f"Unassigned {event.assignee}"
        case "closed":
            return "Issue closed"
        case "reopened":
            return "Issue reopened"
        case "milestoned":
            return f"Added to milestone {event.milestone}"
    return event.event


def event_entries(events: Sequence[IssueEvent]) -> list[Entry]:
    """System entries for the issue events people care about (label, assignment, close, milestone)."""
    chosen = sorted((e for e in events if e.event in EVENT_KINDS), key=lambda e: (e.created_at, e.id))
    return [
        Entry(
            key=f"event-{event.id}",
            when=event.created_at,
            text=_event_text(event),
            source="event",
            author=event.actor,
            order=order,
        )
        for order, event in enumerate(chosen)
    ]


# --- moments and durations ----------------------------------------------------------------------------------


def sort_entries(entries: Iterable[Entry]) -> list[Entry]:
    """By time (ties keep the given order); entries without a time follow, in the given order."""
    listed = list(entries)
    timed = sorted((e for e in listed if e.when is not None), key=lambda e: e.when)  # type: ignore[arg-type,return-value]
    return timed + [e for e in listed if e.when is None]


def _tagged(entries: Iterable[Entry], tag: str) -> list[datetime]:
    return [e.when for e in entries if e.when is not None and tag in e.tags]


def compute_moments(
    entries: Sequence[Entry],
    *,
    announced: datetime | None,
    declared_over: datetime | None,
    fields: Mapping[str, datetime | None] | None = None,
) -> Moments:
    """Key moments: explicit body ``fields`` win; then tags (earliest, or the latest for resolved); announced
    and declared over come from the issue unless a field names them."""
    explicit = {name: when for name, when in (fields or {}).items() if when is not None}

    def tagged(tag: str, pick: Callable[[list[datetime]], datetime]) -> datetime | None:
        if tag in explicit:
            return explicit[tag]
        found = _tagged(entries, tag)
        return pick(found) if found else None

    return Moments(
        announced=explicit.get("announced", announced),
        declared_over=explicit.get("declared_over", declared_over),
        started=tagged("started", min),
        detected=tagged("detected", min),
        mitigated=tagged("mitigated", min),
        resolved=tagged("resolved", max),
    )


# --- everything together ------------------------------------------------------------------------------------


def _body_fields(
    body: str, *, tz: tzinfo, default_date: date | None
) -> tuple[dict[str, datetime], list[str]]:
    found: dict[str, datetime] = {}
    warnings: list[str] = []
    for name, label in MOMENT_FIELDS.items():
        value = field_value(body, label)
        if value is None:
            continue
        first = value.strip().split("\n", 1)[0]
        when = parse_time(first, tz=tz, default_date=default_date)
        if when is None:
            warnings.append(
                f'The "{label}" field of the issue body has no time pmaction can read: "{_quote(first)}"'
                f" — {TIME_HINT}"
            )
        else:
            found[name] = when
    return found, warnings


def _synthetic(
    issue: Issue, events: Sequence[IssueEvent], label: str, moments: Moments, fields: Mapping[str, datetime]
) -> list[Entry]:
    """The two moments the issue itself marks: announced (always) and declared over (once closed)."""

    def moment(key: str, when: datetime | None, text: str, author: str | None) -> Entry:
        return Entry(
            key=key,
            when=when,
            text=text,
            source="issue",
            author=author,
            url=issue.html_url,
            tags=frozenset({key}),
        )

    announce = _announce_event(issue, events, label)
    if "announced" in fields:
        text, author = "Incident announced (time from the issue body's Announced field)", None
    elif announce is not None:
        text, author = f"Incident announced: label `{label}` added by {announce.actor}", announce.actor
    else:
        text = f"Incident announced: issue opened with the `{label}` label by {issue.author}"
        author = issue.author
    made = [moment("announced", moments.announced, text, author)]
    if moments.declared_over is not None:
        close = _close_event(issue, events)
        if "declared_over" in fields:
            text, author = "Incident declared over (time from the issue body's Declared over field)", None
        elif close is not None:
            text, author = f"Incident declared over: issue closed by {close.actor}", close.actor
        else:
            text, author = "Incident declared over: issue closed", None
        made.append(moment("declared-over", moments.declared_over, text, author))
    return made


def build_timeline(
    incident: Incident,
    *,
    label: str = "incident",
    tz: tzinfo = UTC,
    include_events: bool = True,
    trusted_only: bool = True,
    bot_logins: frozenset[str] = DEFAULT_BOT_LOGINS,
) -> Timeline:
    """The whole timeline of one incident: body lines, comments, events and the two issue moments."""
    issue, events = incident.issue, incident.events
    announced = announced_at(issue, events, label)
    # Bare "HH:MM" times belong to the day the incident was announced (an explicit Announced field first).
    provisional = announced.astimezone(tz).date() if announced else None
    announced_field, _ = _body_fields(issue.body, tz=tz, default_date=provisional)
    anchor = announced_field.get("announced", announced)
    default_date = anchor.astimezone(tz).date() if anchor else None

    fields, warnings = _body_fields(issue.body, tz=tz, default_date=default_date)
    from_body, body_warnings = body_entries(issue.body, tz=tz, default_date=default_date)
    from_comments, comment_warnings = comment_entries(
        incident.comments, tz=tz, default_date=default_date, trusted_only=trusted_only, bot_logins=bot_logins
    )
    from_events: list[Entry] = []
    if include_events:
        # The synthetic "announced"/"declared-over" entries stand for these two events, unless the body
        # moved those moments elsewhere (then the events are history worth keeping).
        standing_in = (
            None if "announced" in fields else _first_labeled(events, label),
            None if "declared_over" in fields else _close_event(issue, events),
        )
        covered = {e.id for e in standing_in if e is not None}
        from_events = [e for e in event_entries(events) if int(e.key.removeprefix("event-")) not in covered]

    collected = [*from_body, *from_comments, *from_events]
    moments = compute_moments(
        collected, announced=announced, declared_over=declared_over_at(issue, events), fields=fields
    )
    durations = compute_durations(moments)
    synthetic = _synthetic(issue, events, label, moments, fields)
    entries = sort_entries([synthetic[0], *collected, *synthetic[1:]])
    all_warnings = [*warnings, *body_warnings, *comment_warnings, *order_warnings(moments, tz)]
    return Timeline(
        entries=tuple(entries), moments=moments, durations=durations, warnings=tuple(all_warnings)
    )
