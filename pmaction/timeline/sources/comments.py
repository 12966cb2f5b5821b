"""Timeline entries from the issue's comments.

One entry per trusted comment at its own time; ``/timeline <text> | <time>`` back-dates one (each such line
of a comment is its own entry). Comments pmaction wrote are not observations.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, tzinfo

from pmaction.github.data import TRUSTED_ASSOCIATIONS, Comment
from pmaction.incident.authors import written_by_pmaction
from pmaction.incident.issueform import scan_body
from pmaction.incident.model import Incident
from pmaction.text.times import parse_time, split_time_prefix
from pmaction.timeline.model import Entry, Found, SourceContext
from pmaction.timeline.tags import TIME_HINT, find_tags, quote

DEFAULT_BOT_LOGINS = frozenset({"github-actions[bot]"})


def _command_line(name: str) -> re.Pattern[str]:
    return re.compile(rf"^\s*/{name}(?:[ \t]+(?P<rest>.*?))?\s*$", re.IGNORECASE)


_COMMAND = _command_line("timeline")


def is_own_comment(comment: Comment, bot_logins: frozenset[str] = DEFAULT_BOT_LOGINS) -> bool:
    """Comments written by pmaction (incident/authors.py) or by a bot are not observations. A person
    quoting our marker, even on the last line, is still heard."""
    return comment.author in bot_logins or comment.author_is_bot or written_by_pmaction(comment)


def _commands(body: str, command: re.Pattern[str] = _COMMAND) -> list[str]:
    """The ``/timeline`` lines of a comment, outside code fences (someone explaining the syntax)."""
    found = []
    for line in scan_body(body).lines:
        match = None if line.fenced else command.match(line.text)
        if match is not None:
            found.append(match["rest"] or "")
    return found


_BOOKKEEPING = _command_line("facilitator")


def _only_bookkeeping(body: str) -> bool:
    lines = [line for line in scan_body(body).lines if line.text.strip()]
    return bool(lines) and all(not line.fenced and _BOOKKEEPING.match(line.text) for line in lines)


def slash_commands(
    comments: Sequence[Comment], name: str, *, bot_logins: frozenset[str] = DEFAULT_BOT_LOGINS
) -> list[tuple[Comment, str]]:
    """(comment, rest of the line) for each ``/<name> ...`` line, oldest first: the one rule of every comment
    command. Heard only from people with push access (like ``/timeline``), outside code fences, never from
    pmaction's own comments."""
    command = _command_line(re.escape(name))
    found = []
    for comment in sorted(comments, key=lambda c: (c.created_at, c.id)):
        if is_own_comment(comment, bot_logins) or comment.association.upper() not in TRUSTED_ASSOCIATIONS:
            continue
        found += [(comment, rest) for rest in _commands(comment.body, command)]
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
                f'pmaction can read: "/timeline {quote(rest)}" — {TIME_HINT}'
            )
            return None, text.strip(), warning
        return when, text.strip(), None
    when, text = split_time_prefix(rest, tz=tz, default_date=default_date)
    return (when or comment.created_at), text, None


def _comment_entry(
    comment: Comment, key: str, when: datetime | None, text: str, raw: str, order: int
) -> Entry:
    return Entry(
        key=key,
        when=when,
        text=text,
        source="comment",
        author=comment.author,
        url=comment.html_url,
        tags=find_tags(text),
        raw=raw,
        order=order,
    )


def comment_entries(
    comments: Sequence[Comment],
    *,
    tz: tzinfo,
    default_date: date | None,
    trusted_only: bool = True,
    bot_logins: frozenset[str] = DEFAULT_BOT_LOGINS,
) -> Found:
    """One entry per trusted comment at its own time; a comment with ``/timeline`` lines gives one back-dated
    entry per line instead ("comment-<id>", then "comment-<id>-2", ... so the first key survives edits)."""
    entries: list[Entry] = []
    warnings: list[str] = []
    for comment in sorted(comments, key=lambda c: (c.created_at, c.id)):
        if is_own_comment(comment, bot_logins):
            continue
        if trusted_only and comment.association.upper() not in TRUSTED_ASSOCIATIONS:
            continue
        if _only_bookkeeping(comment.body):
            continue  # "/facilitator @bob" names who runs the meeting; it is no observation
        commands = _commands(comment.body)
        if not commands:
            text = comment.body.strip()
            key = f"comment-{comment.id}"
            entries.append(_comment_entry(comment, key, comment.created_at, text, comment.body, len(entries)))
            continue
        for k, rest in enumerate(commands, start=1):
            when, text, warning = _read_command(rest, comment, tz=tz, default_date=default_date)
            if warning:
                warnings.append(warning)
            key = f"comment-{comment.id}" if k == 1 else f"comment-{comment.id}-{k}"
            entries.append(_comment_entry(comment, key, when, text, f"/timeline {rest}", len(entries)))
    return entries, warnings


def entries(incident: Incident, context: SourceContext) -> Found:
    return comment_entries(
        incident.comments,
        tz=context.tz,
        default_date=context.default_date,
        trusted_only=context.trusted_only,
        bot_logins=context.bot_logins,
    )
