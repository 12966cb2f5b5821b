"""One incident as read from GitHub: the issue, its comments and its events, read once per run."""

from __future__ import annotations

from dataclasses import dataclass, field

from pmaction.github.data import Comment, Issue, IssueEvent, Repo


@dataclass
class Incident:
    """Everything read from GitHub about one incident issue, in one place."""

    repo: Repo
    issue: Issue
    comments: list[Comment] = field(default_factory=list)
    events: list[IssueEvent] = field(default_factory=list)
