"""The GitHub REST edge: the ``GitHub`` class, the one place that talks to the API.

Everything it returns is plain data from ``pmaction.github.data``; every failure becomes a
``PmactionError`` whose message names the fix (``pmaction.github.errors``). Retrying and the PyGithub
client are in ``pmaction.github.retry``, the conversion of API objects in ``pmaction.github.convert``.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import UTC, datetime

from github import GithubException
from github.Issue import Issue as GhIssue
from github.IssueComment import IssueComment

from pmaction.errors import PmactionError
from pmaction.github.convert import issue_from_api, parse_time, payload_of, repo_from_api
from pmaction.github.data import Comment, Issue, IssueEvent, Repo
from pmaction.github.errors import TRANSPORT_ERRORS, api_step, call, translate
from pmaction.github.retry import ApiSettings, build_client

__all__ = ["ApiSettings", "GitHub"]


class GitHub:
    """Thin, typed access to the REST calls pmaction makes, for one repository."""

    def __init__(self, settings: ApiSettings, full_name: str) -> None:
        self.settings = settings
        self.full_name = full_name
        self.client = build_client(settings)
        self.repo = self.client.get_repo(full_name)
        self._comment_objects: dict[int, IssueComment] = {}

    # reads
    def repository(self) -> Repo:
        return call(
            f"read repository {self.full_name}", lambda: repo_from_api(self.client.get_repo(self.full_name))
        )

    def issue(self, number: int) -> tuple[GhIssue, Issue]:
        def read() -> tuple[GhIssue, Issue]:
            # Lazy objects fetch on first attribute access: convert inside the step so its failure is named.
            gh_issue = self.repo.get_issue(number)
            return gh_issue, issue_from_api(gh_issue)

        return call(f"read issue #{number}", read)

    def comments(self, gh_issue: GhIssue) -> list[Comment]:
        def read() -> list[Comment]:
            out = []
            for c in gh_issue.get_comments():
                raw = payload_of(c)
                self._comment_objects[int(raw["id"])] = c
                user = raw.get("user") or {}
                out.append(
                    Comment(
                        id=int(raw["id"]),
                        author=str(user.get("login") or "ghost"),
                        association=str(raw.get("author_association") or "NONE"),
                        created_at=parse_time(raw.get("created_at")) or datetime.now(UTC),
                        updated_at=parse_time(raw.get("updated_at")) or datetime.now(UTC),
                        body=str(raw.get("body") or ""),
                        html_url=str(raw.get("html_url") or ""),
                        author_is_bot=str(user.get("type") or "") == "Bot",
                    )
                )
            return out

        return call(f"read the comments of issue #{gh_issue.number}", read)

    def events(self, gh_issue: GhIssue) -> list[IssueEvent]:
        def read() -> list[IssueEvent]:
            out = []
            for e in gh_issue.get_events():
                raw = payload_of(e)
                out.append(
                    IssueEvent(
                        id=int(raw["id"]),
                        event=str(raw.get("event") or ""),
                        actor=(raw.get("actor") or {}).get("login"),
                        created_at=parse_time(raw.get("created_at")) or datetime.now(UTC),
                        label=(raw.get("label") or {}).get("name"),
                        assignee=(raw.get("assignee") or {}).get("login"),
                        milestone=(raw.get("milestone") or {}).get("title"),
                    )
                )
            return out

        return call(f"read the events of issue #{gh_issue.number}", read)

    def file_text(self, path: str, ref: str | None = None) -> str | None:
        """A file of the repository via the contents API, or None when it does not exist."""
        try:
            content = self.repo.get_contents(path, ref=ref) if ref else self.repo.get_contents(path)
        except GithubException as exc:
            if exc.status == 404:
                return None
            raise translate(exc, f"read {path}", area="contents") from None
        except TRANSPORT_ERRORS as exc:
            raise translate(exc, f"read {path}", area="contents") from None
        if isinstance(content, list):
            raise PmactionError(f"{path} is a folder, not a file: point config_file at a YAML file")
        raw = content.raw_data.get("content") or ""
        return base64.b64decode(raw).decode("utf-8", errors="replace")

    def is_assignable(self, login: str) -> bool:
        return call(
            f"check whether @{login} can be assigned", lambda: bool(self.repo.has_in_assignees(login))
        )

    def labels(self) -> dict[str, str]:
        return call(
            "list labels", lambda: {label.name.lower(): label.name for label in self.repo.get_labels()}
        )

    def create_label(self, name: str, color: str, description: str) -> None:
        try:
            self.repo.create_label(name=name, color=color, description=description)
        except GithubException as exc:
            # Someone (a concurrent run) created it in between: that is the state we wanted.
            if exc.status == 422 and "already_exists" in str(exc.data):
                return
            raise translate(exc, f"create label {name!r}", area="labels") from None
        except TRANSPORT_ERRORS as exc:
            raise translate(exc, f"create label {name!r}", area="labels") from None

    def ensure_labels(
        self, wanted: Sequence[tuple[str, str, str]], known: dict[str, str] | None = None
    ) -> None:
        existing = known if known is not None else self.labels()
        for name, color, description in wanted:
            if name.lower() not in existing:
                self.create_label(name, color, description)
                existing[name.lower()] = name

    def edit_comment(self, comment_id: int, body: str) -> None:
        """Edit a comment read earlier in this run (no extra GET)."""
        comment = self._comment_objects.get(comment_id)
        with api_step(f"update comment {comment_id}"):
            if comment is None:
                raise PmactionError(f"comment {comment_id} was not read in this run; re-run")
            comment.edit(body)

    def delete_comment(self, comment_id: int) -> bool:
        """Delete a comment read earlier in this run; False when it was not read here. A 404 means another
        run deleted it already, which is the state we wanted."""
        comment = self._comment_objects.get(comment_id)
        if comment is None:
            return False
        with api_step(f"delete comment {comment_id}"):
            try:
                comment.delete()
            except GithubException as exc:
                if exc.status != 404:
                    raise
        return True
