"""One incident as read from GitHub: the issue, its comments and its events, read once per run."""

from __future__ import annotations

from dataclasses import dataclass, field

from pmaction.github.changes import RepoChanges
from pmaction.github.data import Comment, Issue, IssueEvent, Repo
from pmaction.slack.data import SlackMessage


@dataclass(frozen=True)
class Outside:
    """What the sync read outside the issue, once per run, for the timeline's sources to turn into rows:
    the incident channel's marked messages and what changed in the repository (empty when not asked)."""

    slack: tuple[SlackMessage, ...] = ()
    changes: RepoChanges = field(default_factory=RepoChanges)


@dataclass
class Incident:
    """Everything read from GitHub about one incident issue, in one place."""

    repo: Repo
    issue: Issue
    comments: list[Comment] = field(default_factory=list)
    events: list[IssueEvent] = field(default_factory=list)
    outside: Outside = field(default_factory=Outside)
