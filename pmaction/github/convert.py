"""Converting PyGithub objects and GitHub's JSON into the plain data of ``pmaction.github.data``."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from github.GithubObject import GithubObject

from pmaction.github.data import Comment, Issue, IssueEvent, Milestone, Repo


def payload_of(obj: GithubObject) -> dict[str, Any]:
    """The JSON GitHub sent for this object.

    PyGithub's ``raw_data`` (and any attribute missing from a list item) first "completes" the
    object with one GET per item; reading the base class's view avoids that hidden request.
    """
    data = GithubObject.raw_data.fget(obj)  # type: ignore[attr-defined]
    return data if isinstance(data, dict) else {}


def parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# A line break written as a lone CR (old Mac editors, some API clients) is a line break to GitHub's
# renderer; every reader of a body splits on LF. So bodies enter with lone CRs made LF, here, once; CR LF
# stays as it is (edits keep a body's own line endings).
_LONE_CR = re.compile(r"\r(?!\n)")


def body_text(value: Any) -> str:
    """An issue's or comment's body as pmaction reads it: "" for none, every lone CR an LF."""
    return _LONE_CR.sub("\n", str(value or ""))


def _user(raw: dict[str, Any]) -> dict[str, Any]:
    user = raw.get("user")
    return user if isinstance(user, dict) else {}


def issue_from_payload(raw: dict[str, Any]) -> Issue:
    milestone = raw.get("milestone") or None
    user = _user(raw)
    return Issue(
        number=int(raw["number"]),
        title=str(raw.get("title") or ""),
        body=body_text(raw.get("body")),
        state=str(raw.get("state") or "open"),
        html_url=str(raw.get("html_url") or ""),
        created_at=parse_time(raw.get("created_at")) or datetime.now(UTC),
        closed_at=parse_time(raw.get("closed_at")),
        author=str(user.get("login") or "ghost"),
        labels=tuple(str(label.get("name")) for label in raw.get("labels") or [] if isinstance(label, dict)),
        assignees=tuple(
            str(user.get("login")) for user in raw.get("assignees") or [] if isinstance(user, dict)
        ),
        milestone_number=milestone.get("number") if isinstance(milestone, dict) else None,
        is_pull_request=raw.get("pull_request") is not None,
        state_reason=str(raw["state_reason"]) if raw.get("state_reason") else None,
        comment_count=int(raw.get("comments") or 0),
        author_association=str(raw.get("author_association") or "NONE"),
        author_is_bot=user.get("type") == "Bot",
    )


def comment_from_payload(raw: dict[str, Any]) -> Comment:
    user = _user(raw)
    return Comment(
        id=int(raw["id"]),
        author=str(user.get("login") or "ghost"),
        association=str(raw.get("author_association") or "NONE"),
        created_at=parse_time(raw.get("created_at")) or datetime.now(UTC),
        updated_at=parse_time(raw.get("updated_at")) or datetime.now(UTC),
        body=body_text(raw.get("body")),
        html_url=str(raw.get("html_url") or ""),
        author_is_bot=str(user.get("type") or "") == "Bot",
    )


def event_from_payload(raw: dict[str, Any]) -> IssueEvent:
    return IssueEvent(
        id=int(raw["id"]),
        event=str(raw.get("event") or ""),
        actor=(raw.get("actor") or {}).get("login"),
        created_at=parse_time(raw.get("created_at")) or datetime.now(UTC),
        label=(raw.get("label") or {}).get("name"),
        assignee=(raw.get("assignee") or {}).get("login"),
        milestone=(raw.get("milestone") or {}).get("title"),
    )


def milestone_from_payload(raw: dict[str, Any]) -> Milestone:
    return Milestone(
        number=int(raw["number"]),
        title=str(raw.get("title") or ""),
        description=str(raw.get("description") or ""),
        state=str(raw.get("state") or "open"),
        html_url=str(raw.get("html_url") or ""),
        due_on=parse_time(raw.get("due_on")),
        open_issues=int(raw.get("open_issues") or 0),
        closed_issues=int(raw.get("closed_issues") or 0),
    )


def repo_from_payload(raw: dict[str, Any]) -> Repo:
    return Repo(
        full_name=str(raw["full_name"]),
        html_url=str(raw.get("html_url") or ""),
        private=bool(raw.get("private")),
        has_wiki=bool(raw.get("has_wiki")),
        default_branch=str(raw.get("default_branch") or "main"),
        node_id=str(raw.get("node_id") or ""),
    )
