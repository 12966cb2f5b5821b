"""Converting PyGithub objects and GitHub's JSON into the plain data of ``pmaction.github.data``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from github.GithubObject import GithubObject
from github.Issue import Issue as GhIssue
from github.Repository import Repository

from pmaction.github.data import Issue, Repo


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


def issue_from_payload(raw: dict[str, Any]) -> Issue:
    milestone = raw.get("milestone") or None
    user = raw.get("user") or {}
    return Issue(
        number=int(raw["number"]),
        title=str(raw.get("title") or ""),
        body=str(raw.get("body") or ""),
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
        state_reason=raw.get("state_reason"),
    )


def issue_from_api(issue: GhIssue) -> Issue:
    return issue_from_payload(issue.raw_data)  # a fetched issue is complete: no extra request


def repo_from_api(repo: Repository) -> Repo:
    return Repo(
        full_name=repo.full_name,
        html_url=repo.html_url,
        private=bool(repo.private),
        has_wiki=bool(repo.has_wiki),
        default_branch=repo.default_branch or "main",
    )
