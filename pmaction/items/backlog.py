"""Agreed action items become backlog issues, exactly once.

Identity: an annotated item ``(#123)`` is that issue forever (its text may change); an item not yet
annotated is matched by key against the incident's existing backlog issues, listed once per run
(the review milestone's issues with our hidden marker), so a crash between "create" and "annotate" heals on
rerun.

Any number of runs racing on one incident can each create an item. GitHub cannot delete an issue, so every
copy but the first is closed as a duplicate and taken out of the milestone, in one PATCH, so no count ever
holds it. The first (lowest number) is the item's issue in every run's eyes: GitHub numbers issues in the
order it creates them, so each copy's creator, listing the milestone after its create, sees the older one,
and no run ever closes the lowest. docs/robustness.md has the whole argument.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from pmaction.errors import PmactionError
from pmaction.github.client import GitHub
from pmaction.github.data import TRUSTED_ASSOCIATIONS, Issue, closed_as_duplicate
from pmaction.github.labels import labels_and_assignees
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
    body: str = ""

    @property
    def duplicate(self) -> bool:
        return closed_as_duplicate(self.state, self.state_reason)


@dataclass
class Backlog:
    """The incident's backlog issues as found on GitHub, by item key and by number."""

    by_key: dict[str, BacklogIssue] = field(default_factory=dict)
    by_number: dict[int, BacklogIssue] = field(default_factory=dict)
    # From a listing of the review milestone: then ``others`` holds the states of its issues that are not
    # backlog issues of ours (a person's, a pull request), and ``in_milestone`` counts it all.
    listed: bool = False
    others: list[str] = field(default_factory=list)

    def add(self, issue: BacklogIssue) -> None:
        self.by_number[issue.number] = issue
        if not issue.key:
            return
        # The item's issue: one not closed as a duplicate, else the lowest number (the first one made).
        current = self.by_key.get(issue.key)
        if current is None or (issue.duplicate, issue.number) < (current.duplicate, current.number):
            self.by_key[issue.key] = issue

    def is_copy(self, issue: BacklogIssue) -> bool:
        """A racing run's copy of an item beside the item's issue: closed as a duplicate and out of the
        milestone, or about to be. Never counted."""
        return bool(issue.key) and self.by_key[issue.key or ""].number != issue.number

    @property
    def shown(self) -> list[BacklogIssue]:
        """The issues a person tracks: one per item, so a racing run's copy is never counted."""
        return [issue for issue in self.by_number.values() if not self.is_copy(issue)]

    def in_milestone(self) -> tuple[int, int]:
        """(open, closed) as GitHub's milestone counts them once every copy has left it (only meaningful
        when ``listed``)."""
        states = [issue.state for issue in self.shown] + self.others
        closed = states.count("closed")
        return len(states) - closed, closed

    @property
    def closed(self) -> int:
        return sum(1 for issue in self.shown if issue.state == "closed")

    @property
    def total(self) -> int:
        return len(self.shown)


def list_backlog(github: GitHub, *, incident: int, label: str, milestone: int | None) -> Backlog:
    """One listing (100 a page) of the issues pmaction made for this incident: its review milestone's
    issues (all of them, so the milestone's counts can be told), else those with the label."""
    backlog = Backlog(listed=milestone is not None)
    listed = github.issues(
        state="all",
        labels=[] if milestone is not None else [label],
        milestone=milestone,
        action=f"list the backlog issues of incident #{incident}",
    )
    for found in listed:
        marker = markers.parse_item_marker(found.body)
        # An outsider's copy of our marker must not stand in for the item.
        ours = marker is not None and marker[0].names(github.full_name, incident)
        if marker is None or not ours or not _written_by_us_or_the_team(found):
            backlog.others.append(found.state)
            continue
        backlog.add(
            BacklogIssue(
                found.number,
                found.state,
                marker[1],
                found.title,
                found.html_url,
                found.state_reason,
                found.body,
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
            found = self.github.issue_if_any(number, action=f"read backlog issue #{number}")
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
        # The answer's milestone counts cannot tell a race (a copy leaving the milestone lowers them as
        # another run's create raises them): settle_duplicates lists instead.
        issue, _ = answer
        made = BacklogIssue(issue.number, "open", item.key, title, issue.html_url)
        self.backlog.add(made)
        self.created.append(made)
        return made.number

    def settle_duplicates(self) -> dict[int, int]:
        """After this run created issues: list the backlog again (one request per 100 issues) and close
        every copy found, as a duplicate of its item's issue. Returns {copy: original}."""
        unchecked = [made for made in self.created if made.number not in self._checked]
        if unchecked and self.milestone is not None:
            self._checked.update(made.number for made in unchecked)
            self.backlog = fresh = list_backlog(
                self.github, incident=self.incident, label=self.base_label, milestone=self.milestone
            )
            for made in unchecked:
                # Gone from the milestone while its item has another issue there: a run that listed first
                # closed it as a copy. Its lines must link the item's issue, not the copy.
                kept = fresh.by_key.get(made.key or "")
                if made.number not in fresh.by_number and kept is not None and kept.number < made.number:
                    self.duplicates[made.number] = kept.number
                    self.created = [issue for issue in self.created if issue.number != made.number]
            self.close_copies()
        return dict(self.duplicates)

    def close_copies(self) -> None:
        """Close each copy in the listed backlog that still counts (open and never closed, or closed as a
        duplicate but still in the milestone) as a duplicate of the item's issue, out of the milestone.

        Whoever lists it first closes it: the run that made it, or any other, if that run ended first. The
        one PATCH is absolute (the same fields from every run), so runs closing the same copy at once leave
        what one would, and nothing is said twice. A copy a person reopened or closed for another reason is
        theirs and is left alone."""
        backlog = self.backlog
        for copy in sorted(backlog.by_number.values(), key=lambda issue: issue.number):
            open_copy = copy.state == "open" and copy.state_reason is None
            if not backlog.is_copy(copy) or not (open_copy or copy.duplicate):
                continue
            original = backlog.by_key[copy.key or ""].number
            step = f"close #{copy.number}, a duplicate of #{original} made by a concurrent run"
            # Closed, out of the review milestone and saying why, in one request: no moment in which the
            # milestone counts a closed duplicate as progress, and no comment that two runs could both post.
            self.github.edit_issue(
                copy.number,
                body=duplicate_body(copy.body, original),
                state="closed",
                state_reason="duplicate",
                clear_milestone=True,
                action=step,
                planned=f"would close #{copy.number} as a duplicate of #{original}",
            )
            self.reporter.notice(
                f"closed #{copy.number} as a duplicate of #{original} (concurrent runs created both)"
            )
            closed = replace(copy, state="closed", state_reason="duplicate")
            backlog.by_number[copy.number] = closed
            self.duplicates[copy.number] = original
            self.created = [made for made in self.created if made.number != copy.number]

    def prepare_labels(self, items: Sequence[ActionItem]) -> None:
        """Every label the new items' issues need, ensured before the first is created: the missing ones
        then cost one request together instead of one or more per item."""
        names = [
            name
            for item in items
            for name in backlog_labels(item, base_label=self.base_label, severity_label=self.severity_label)
        ]
        if names and self._labels is None:
            self._labels = labels_and_assignees(self.github)  # with who can be assigned: one request
        if names:
            self._ensure_labels(list(dict.fromkeys(names)))

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


DUPLICATE_NOTE = (
    "Duplicate of #{0}: concurrent pmaction runs created this action item more than once; #{0} is the one "
    "to track."
)


def duplicate_body(body: str, original: int) -> str:
    """A copy's body, saying first which issue it duplicates (the same text from every run: absolute)."""
    note = DUPLICATE_NOTE.format(original)
    return body if body.startswith(note) else f"{note}\n\n{body}"
