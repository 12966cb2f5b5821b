"""What an event's payload already carries, so a run need not read it again.

Every ``issues`` and ``issue_comment`` webhook holds the issue (as GET /repos/{o}/{r}/issues/{n} gives it) and
every event the repository (as GET /repos/{o}/{r} gives it). Both are as of the event: a later change to the
issue is an event of its own, whose run (the newest one of a concurrency group always runs) carries it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pmaction.github.convert import issue_from_payload, repo_from_payload
from pmaction.github.data import Issue, Repo

ISSUE_EVENTS = frozenset({"issues", "issue_comment"})
# What the sync needs of the repository; a payload without them (a hand-made one) is not trusted.
_REPO_FIELDS = ("full_name", "html_url", "private", "has_wiki", "default_branch")
_ISSUE_FIELDS = ("number", "title", "state", "html_url", "created_at", "labels", "user")


def event_repo(payload: Mapping[str, Any], full_name: str) -> Repo | None:
    """The repository as the payload carries it, when it is this one and complete."""
    raw = payload.get("repository")
    if not isinstance(raw, dict) or any(key not in raw for key in _REPO_FIELDS):
        return None
    if str(raw["full_name"]).lower() != full_name.lower():
        return None
    return repo_from_payload(raw)


def event_issue(event_name: str, payload: Mapping[str, Any], number: int) -> Issue | None:
    """Issue ``number`` as an ``issues``/``issue_comment`` payload carries it (None for another issue: a
    backlog issue's event syncs its incident, which is then read)."""
    raw = payload.get("issue")
    if event_name not in ISSUE_EVENTS or not isinstance(raw, dict):
        return None
    if any(key not in raw for key in _ISSUE_FIELDS) or raw.get("number") != number:
        return None
    return issue_from_payload(raw)
