"""The sync's record: what its last full run saw and wrote, kept on a hidden line of the status comment, so an
unchanged re-run is told from the comments listing (which finds the status comment) and the event's payload.

The record holds the review milestone's number (read by number later: no listing of every milestone), the
page's file name, the wiki commit the run left master at, and digests of everything the page, the report
row and the status comment are made of: the issue as the payload carries it (title, body, state, labels,
assignees, milestone), the comments people wrote, and the settings (config, template, pmaction's version,
today's date). A run started by the incident's own ``issues``/``issue_comment`` event whose digests match,
and whose wiki master is still that commit (``git ls-remote``: two git requests, nothing fetched), has
nothing to do. Everything else takes the full path: a backlog issue's event (its change is in its
milestone's counts, which the record does not hold), a dispatched or wiki-edit run, a Slack channel (its
messages change without a GitHub event), a wiki someone pushed to since.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from pmaction import __version__
from pmaction.github.data import Comment, Issue
from pmaction.github.payload import ISSUE_EVENTS
from pmaction.run.config import Config
from pmaction.status.comment import find_status_comments
from pmaction.text import markers

NO_WIKI = "none"  # the repository has no wiki: nothing to compare


@dataclass(frozen=True)
class Record:
    milestone: int | None
    page: str  # the page's file name
    wiki: str  # the commit master was at after the run, NO_WIKI, or "" (not written: the next run retries)
    issue: str
    comments: str
    settings: str

    def marker(self) -> str:
        data = {"m": self.milestone, "p": self.page, "w": self.wiki, "i": self.issue, "c": self.comments}
        return markers.record_marker({**data, "s": self.settings})


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def issue_digest(issue: Issue, body: str | None = None) -> str:
    """What the page and the status comment take from the issue (not ``updated_at``: pmaction's own status
    comment moves it). ``body``: the body this run wrote (the items' links), when it wrote one."""
    return _digest(
        [
            issue.title,
            issue.body if body is None else body,
            issue.state,
            issue.state_reason,
            sorted(label.lower() for label in issue.labels),
            sorted(login.lower() for login in issue.assignees),
            issue.milestone_number,
            issue.closed_at,
            issue.author,
        ]
    )


def comments_digest(comments: Sequence[Comment], full_name: str, number: int) -> str:
    """The comments, pmaction's own status comments left out (they carry this record)."""
    own = {comment.id for comment in find_status_comments(comments, full_name, number)}
    return _digest(
        [
            [c.id, c.updated_at, c.author, c.association, hashlib.sha256(c.body.encode()).hexdigest()]
            for c in sorted(comments, key=lambda c: c.id)
            if c.id not in own
        ]
    )


def _plain(value: Any) -> Any:
    if isinstance(value, set | frozenset):
        return sorted(str(item) for item in value)
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return str(value)


def settings_digest(config: Config, template: str | None, today: date) -> str:
    """Every setting, the template's text, this version of pmaction and today's date (an overdue review reads
    differently tomorrow): a change to any of them is a full run."""
    # Not dry_run: a dry run of an up-to-date incident must plan no update of the status comment.
    settings = {f.name: _plain(getattr(config, f.name)) for f in fields(config) if f.name != "dry_run"}
    return _digest([settings, template, __version__, today.isoformat()])


def record_of(comments: Sequence[Comment], full_name: str, number: int) -> Record | None:
    """The record on the status comment (the oldest one), or None (none yet, or an older pmaction's)."""
    ours = find_status_comments(comments, full_name, number)
    lines = ours[0].body.replace("\r\n", "\n").strip().split("\n") if ours else []
    data = markers.parse_record_marker(lines[-2]) if len(lines) >= 2 else None
    if data is None:
        return None
    milestone = data.get("m")
    strings = [data.get(key) for key in ("p", "w", "i", "c", "s")]
    if not all(isinstance(value, str) for value in strings):
        return None
    if milestone is not None and (not isinstance(milestone, int) or milestone <= 0):
        return None
    page, wiki, issue, comments_seen, settings = (str(value) for value in strings)
    return Record(milestone, page, wiki, issue, comments_seen, settings)


def with_record(body: str, record: Record) -> str:
    """The status comment's body with the record on the line above its marker (the marker stays last)."""
    lines = body.rstrip("\n").split("\n")
    return "\n".join([*lines[:-1], record.marker(), lines[-1]]) + "\n"


def own_event(event_name: str, payload_issue: Any, number: int) -> bool:
    """The run was started by the incident's own issue or comment event (not a backlog issue's, not a
    dispatch, not a wiki edit)."""
    return (
        event_name in ISSUE_EVENTS
        and isinstance(payload_issue, dict)
        and payload_issue.get("number") == number
    )
