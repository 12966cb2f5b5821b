"""Agreed action items become backlog issues, exactly once.

Identity: an annotated item ``(#123)`` is that issue forever (its text may change); an item not yet
annotated is matched by key against the incident's existing backlog issues, listed once per run
(label + milestone, hidden marker), so a crash between "create" and "annotate" heals on rerun.

Two runs racing on one incident can both create an item. GitHub cannot delete an issue, so the run whose
issue came second closes it as a duplicate of the first. It notices for free: the answer to a create
carries the milestone's issue counts, and a count above what this run expects means someone else added one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pmaction.errors import PmactionError
from pmaction.github.client import GitHub
from pmaction.github.data import TRUSTED_ASSOCIATIONS, Issue, Milestone
from pmaction.items.issue_text import LABEL_STYLE, backlog_body, backlog_labels, backlog_title
from pmaction.items.parse import ActionItem
from pmaction.reporter import Reporter
from pmaction.text import markers


@dataclass(frozen=True)
class BacklogIssue:
    number: int
    state: str
    key: str | None
    title: str
    html_url: str
    state_reason: str | None = None

    @property
    def duplicate(self) -> bool:
        return self.state == "closed" and self.state_reason == "duplicate"


@dataclass
class Backlog:
    """The incident's backlog issues as found on GitHub, by item key and by number."""

    by_key: dict[str, BacklogIssue] = field(default_factory=dict)
    by_number: dict[int, BacklogIssue] = field(default_factory=dict)

    def add(self, issue: BacklogIssue) -> None:
        self.by_number[issue.number] = issue
        if not issue.key:
            return
        # The item's issue: one not closed as a duplicate, else the lowest number (the first one made).
        current = self.by_key.get(issue.key)
        if current is None or (issue.duplicate, issue.number) < (current.duplicate, current.number):
            self.by_key[issue.key] = issue

    @property
    def shown(self) -> list[BacklogIssue]:
        """The issues a person tracks: one per item, so a racing run's duplicate (closed, or about to be
        closed by that run) is never counted."""
        return [
            issue
            for issue in self.by_number.values()
            if not issue.key or self.by_key[issue.key].number == issue.number
        ]

    @property
    def closed(self) -> int:
        return sum(1 for issue in self.shown if issue.state == "closed")

    @property
    def total(self) -> int:
        return len(self.shown)


def list_backlog(github: GitHub, *, incident: int, label: str, milestone: int | None) -> Backlog:
    """One listing (100 a page) of the issues pmaction made for this incident (in its review milestone,
    when it has one)."""
    backlog = Backlog()
    listed = github.issues(
        state="all",
        labels=[label],
        milestone=milestone,
        action=f"list the backlog issues of incident #{incident}",
    )
    for found in listed:
        if not _written_by_us_or_the_team(found):
            continue  # an outsider's copy of our marker must not stand in for the item
        marker = markers.parse_item_marker(found.body)
        if marker is None or not marker[0].names(github.full_name, incident):
            continue
        backlog.add(
            BacklogIssue(
                found.number, found.state, marker[1], found.title, found.html_url, found.state_reason
            )
        )
    return backlog


def _written_by_us_or_the_team(issue: Issue) -> bool:
    """Issues pmaction made (its bot, or the person whose token it runs with: a collaborator)."""
    return issue.author_is_bot or issue.author_association.upper() in TRUSTED_ASSOCIATIONS


@dataclass(frozen=True)
class Decision:
    """What to do with one agreed item."""

    item: ActionItem
    # "create" | "annotate" | "tick" | "untick" | "keep" | "skip-checked" | "tracked" (an issue elsewhere)
    action: str
    number: int | None = None
    stale_ref: bool = False  # the item's own "(#N)" names no issue: the new link goes after it


def decide(
    items: Sequence[ActionItem],
    backlog: Backlog,
    *,
    create_checked: bool,
    state_of: Callable[[int], str | None],
) -> list[Decision]:
    """Pure: each agreed item against what exists on GitHub. An item naming an issue that exists (ours, or
    one the team had already) follows that issue; naming one that does not exist, it is made like a new
    item (never lost), and its link goes after the stale one."""
    decisions: list[Decision] = []
    for item in items:
        state = state_of(item.ref) if item.ref is not None else None
        stale = item.ref is not None and state is None
        if state is not None:
            decisions.append(_follow(item, state))
        elif item.key in backlog.by_key:
            decisions.append(Decision(item, "annotate", backlog.by_key[item.key].number, stale_ref=stale))
        elif item.tracked and not stale:
            decisions.append(Decision(item, "tracked"))
        elif item.checked and not create_checked:
            decisions.append(Decision(item, "skip-checked"))
        else:
            decisions.append(Decision(item, "create", stale_ref=stale))
    return decisions


def _follow(item: ActionItem, state: str) -> Decision:
    """The box follows the item's issue: ticked when it is closed, unticked when it is reopened."""
    if state == "closed" and not item.checked:
        return Decision(item, "tick", item.ref)
    if state == "open" and item.checked:
        return Decision(item, "untick", item.ref)
    return Decision(item, "keep", item.ref)


@dataclass
class BacklogWriter:
    """Creates backlog issues for one incident, remembering what it made so retries never repeat it."""

    github: GitHub
    reporter: Reporter
    incident: int
    incident_title: str
    incident_url: str
    page_url: str | None
    base_label: str
    severity_label: str | None
    milestone: int | None  # the review milestone's number, once it exists
    backlog: Backlog
    created: list[BacklogIssue] = field(default_factory=list)
    # Set when creating failed (or cannot be done safely): no further issue is created in this run.
    blocked: PmactionError | None = None
    # Issues the milestone held when this run listed it: more after our own create means a racing run.
    expected_in_milestone: int | None = None
    raced: bool = False
    duplicates: dict[int, int] = field(default_factory=dict)  # our duplicate -> the original, closed
    _checked: set[int] = field(default_factory=set)
    _planned: set[str] = field(default_factory=set)  # keys of items a dry run planned an issue for
    _assignable: dict[str, bool] = field(default_factory=dict)
    _states: dict[int, str | None] = field(default_factory=dict)  # issues items name, outside the backlog
    _labels: dict[str, str] | None = None

    def state_of(self, number: int) -> str | None:
        """The state of the issue an item names; None when there is no such issue (or it is the incident
        itself: a slip, never the item's issue)."""
        if number in self.backlog.by_number:
            return self.backlog.by_number[number].state
        if number == self.incident:
            return None
        if number not in self._states:
            # Moved out of the milestone, relabelled, or an issue the team had already: ask for it (rare).
            found = self.github.issue_if_any(number, action=f"read issue #{number}, named by an action item")
            self._states[number] = found.state if found is not None else None
        return self._states[number]

    def assignable(self, login: str) -> bool:
        if login not in self._assignable:
            self._assignable[login] = self.github.is_assignable(login)
        return self._assignable[login]

    def ensure(self, item: ActionItem) -> int | None:
        """The issue number for a new agreed item: existing (by key) or freshly created."""
        if item.key in self.backlog.by_key:
            return self.backlog.by_key[item.key].number
        if item.key in self._planned:
            return None  # a dry run planned its issue already (the same item in the body and the page)
        title = backlog_title(item)
        owners = [owner for owner in item.owners]
        assignees = [owner for owner in owners if self.assignable(owner)]
        unassignable = [owner for owner in owners if owner not in assignees]
        for owner in unassignable:
            self.reporter.warning(
                f"@{owner} cannot be assigned to '{title}' (not a collaborator of {self.github.full_name}): "
                "they are mentioned in the issue instead; add them as a collaborator to assign them"
            )
        labels = backlog_labels(item, base_label=self.base_label, severity_label=self.severity_label)
        self._ensure_labels(labels)
        body = backlog_body(
            item,
            incident_url=self.incident_url,
            incident_number=self.incident,
            incident_title=self.incident_title,
            page_url=self.page_url,
            full_name=self.github.full_name,
            unassignable=unassignable,
        )
        answer = self.github.create_issue(
            title=title,
            body=body,
            labels=labels,
            assignees=assignees,
            milestone=self.milestone,
            action=f"create the backlog issue '{title}'",
            planned=f"would create backlog issue '{title}'",
        )
        if answer is None:  # a dry run: planned, not made
            self._planned.add(item.key)
            return None
        issue, in_milestone = answer
        made = BacklogIssue(issue.number, "open", item.key, title, issue.html_url)
        self.backlog.add(made)
        self.created.append(made)
        self._notice_race(in_milestone)
        return made.number

    def _notice_race(self, milestone: Milestone | None) -> None:
        if self.expected_in_milestone is None or milestone is None:
            return
        self.expected_in_milestone += 1
        if milestone.open_issues + milestone.closed_issues > self.expected_in_milestone:
            self.raced = True

    def settle_duplicates(self) -> dict[int, int]:
        """After a race: list the backlog again (one request per 100 issues), and close each issue this run
        made whose item already had an older issue, as a duplicate of it. Returns {ours: original}."""
        unchecked = [made for made in self.created if made.number not in self._checked]
        if not self.raced or not unchecked or self.milestone is None:
            return {}
        fresh = list_backlog(
            self.github, incident=self.incident, label=self.base_label, milestone=self.milestone
        )
        for made in unchecked:
            self._checked.add(made.number)
            original = fresh.by_key.get(made.key or "")
            if original is None or original.number >= made.number:
                continue  # ours is the first: the other run closes its own
            step = f"close #{made.number}, a duplicate of #{original.number} made by a concurrent run"
            # Only issues this run made get here, so a dry run (which makes none) never does.
            self.github.create_comment(
                made.number,
                f"Duplicate of #{original.number}: two pmaction runs created this action item at the "
                "same time; the older issue is the one to track.",
                action=step,
                planned=f"would comment on #{made.number} that it duplicates #{original.number}",
            )
            self.github.edit_issue(
                made.number,
                state="closed",
                state_reason="duplicate",
                action=step,
                planned=f"would close #{made.number} as a duplicate of #{original.number}",
            )
            self.created.remove(made)
            self.duplicates[made.number] = original.number
            self.reporter.notice(
                f"closed #{made.number} as a duplicate of #{original.number} (a concurrent run created both)"
            )
        for number, issue in list(fresh.by_number.items()):
            if number in self.duplicates:
                fresh.add(BacklogIssue(number, "closed", issue.key, issue.title, issue.html_url, "duplicate"))
        self.backlog = fresh
        return dict(self.duplicates)

    def _ensure_labels(self, labels: Sequence[str]) -> None:
        if self._labels is None:
            self._labels = self.github.labels()
        wanted = []
        for name in labels:
            style = _style_for(name)
            wanted.append((name, style[0], style[1]))
        self.github.ensure_labels(wanted, self._labels)


def _style_for(name: str) -> tuple[str, str]:
    lowered = name.lower()
    for prefix, style in LABEL_STYLE.items():
        if lowered == prefix or lowered.startswith(prefix):
            return str(style[0]), str(style[1])
    return "ededed", "Label used by pmaction post-mortem follow-ups"
