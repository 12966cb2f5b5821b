"""Plain data the engine works on, decoupled from PyGithub objects.

The GitHub edge (``pmaction.github.client``) turns API objects into these; everything in the
process modules (timeline, page, backlog, review, nag) takes and returns these, so it
can be tested without a network.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# The account GITHUB_TOKEN acts as.
BOT_LOGIN = "github-actions[bot]"
# author_association values GitHub uses for people with push or org membership.
TRUSTED_ASSOCIATIONS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})


@dataclass(frozen=True)
class Comment:
    id: int
    author: str
    association: str  # GitHub's author_association
    created_at: datetime  # timezone-aware UTC
    updated_at: datetime
    body: str
    html_url: str
    author_is_bot: bool = False


@dataclass(frozen=True)
class IssueEvent:
    """One entry of GET /repos/{o}/{r}/issues/{n}/events."""

    id: int
    event: str  # labeled, unlabeled, assigned, unassigned, closed, reopened, milestoned, ...
    actor: str | None
    created_at: datetime  # timezone-aware UTC
    label: str | None = None
    assignee: str | None = None
    milestone: str | None = None


@dataclass(frozen=True)
class Issue:
    number: int
    title: str
    body: str
    state: str  # "open" | "closed"
    html_url: str
    created_at: datetime  # timezone-aware UTC
    closed_at: datetime | None
    author: str
    labels: tuple[str, ...] = ()
    assignees: tuple[str, ...] = ()
    milestone_number: int | None = None
    is_pull_request: bool = False
    state_reason: str | None = None
    comment_count: int = 0  # GitHub's own count: with none, the comments need no listing
    author_association: str = "NONE"  # GitHub's author_association of the author
    author_is_bot: bool = False

    @property
    def duplicate(self) -> bool:
        return closed_as_duplicate(self.state, self.state_reason)


def closed_as_duplicate(state: str, state_reason: str | None) -> bool:
    """The one rule for "is a duplicate": GitHub's own mark, closed with the reason ``duplicate``. A duplicate
    is never progress, so nothing pmaction counts (milestone, page, status comment, report, nag) holds one."""
    return state == "closed" and state_reason == "duplicate"


@dataclass(frozen=True)
class Milestone:
    """One milestone, with GitHub's own counts of its open and closed issues."""

    number: int
    title: str
    description: str
    state: str  # "open" | "closed"
    html_url: str
    due_on: datetime | None  # as GitHub sends it: the due date's US-Pacific midnight, in UTC
    open_issues: int = 0
    closed_issues: int = 0


@dataclass(frozen=True)
class Repo:
    full_name: str  # owner/name
    html_url: str
    private: bool
    has_wiki: bool
    default_branch: str = "main"
    node_id: str = ""  # GraphQL's id of the repository (a mutation names it); "" when not known

    @property
    def owner(self) -> str:
        return self.full_name.split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.full_name.split("/", 1)[1]


@dataclass(frozen=True)
class NotModified:
    """GitHub answered 304: the resource is as it was when it had this ETag (the answer had no body)."""

    etag: str
