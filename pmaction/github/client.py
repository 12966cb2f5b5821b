"""The GitHub REST edge: the ``GitHub`` class, the one place that talks to the API.

Everything it takes and returns is plain data from ``pmaction.github.data`` (numbers, strings, those
dataclasses): no PyGithub object leaves this package. Every failure becomes a ``PmactionError`` whose
message names the fix (``pmaction.github.errors``), through the one ``call`` every request goes through.
In a dry run every write is recorded instead of sent (``pmaction.github.recorder``): the write methods
then return None (or False) where they would return what GitHub made.
Retrying and the PyGithub client are in ``pmaction.github.retry``, conversions in ``pmaction.github.convert``.
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from github.Issue import Issue as GhIssue
from github.IssueComment import IssueComment

from pmaction.errors import PmactionError
from pmaction.github.convert import (
    comment_from_payload,
    event_from_payload,
    issue_from_api,
    issue_from_payload,
    milestone_from_payload,
    payload_of,
    repo_from_api,
)
from pmaction.github.data import Comment, Issue, IssueEvent, Milestone, Repo
from pmaction.github.errors import Gone, NotFound, Refused, call
from pmaction.github.recorder import PlannedWrite, WriteRecorder
from pmaction.github.retry import build_client
from pmaction.github.settings import ApiSettings

__all__ = ["ApiSettings", "GitHub"]


class GitHub:
    """Thin, typed access to the REST calls pmaction makes, for one repository.

    PyGithub objects are lazy (``lazy=True``): one built from a number costs no request, so a write to an
    issue or milestone needs no GET first. Issues and comments read or made in this run are kept by
    number and id, so a later write uses the object it already has.
    """

    def __init__(self, settings: ApiSettings, full_name: str) -> None:
        self.settings = settings
        self.full_name = full_name
        self._client = build_client(settings)
        self._repo = self._client.get_repo(full_name)  # lazy: no request
        self.recorder = WriteRecorder(dry_run=settings.dry_run)
        self._issue_objects: dict[int, GhIssue] = {}
        self._comment_objects: dict[int, IssueComment] = {}

    def take_planned(self) -> list[PlannedWrite]:
        """The writes a dry run recorded since the last call (none in a real run)."""
        return self.recorder.take()

    def _issue_object(self, number: int) -> GhIssue:
        """The issue's PyGithub object: the one read or made in this run, else a lazy one (no request)."""
        if number not in self._issue_objects:
            self._issue_objects[number] = self._repo.get_issue(number)
        return self._issue_objects[number]

    # --- reads -----------------------------------------------------------------------------------

    def repository(self) -> Repo:
        return call(
            f"read repository {self.full_name}",
            lambda: repo_from_api(self._client.get_repo(self.full_name)),
        )

    def issue(self, number: int, *, action: str | None = None) -> Issue:
        """The issue as GitHub has it now (one GET, also when it was read before in this run)."""

        def read() -> Issue:
            # Lazy objects fetch on first attribute access: convert inside the step so its failure is named.
            gh_issue = self._repo.get_issue(number)
            found = issue_from_api(gh_issue)
            self._issue_objects[number] = gh_issue
            return found

        return call(action or f"read issue #{number}", read)

    def issue_if_any(self, number: int, *, action: str | None = None) -> Issue | None:
        """Like ``issue``; None when it does not exist (404) or Issues are disabled (410)."""
        try:
            return self.issue(number, action=action)
        except (NotFound, Gone):
            return None

    def comments(self, number: int) -> list[Comment]:
        def read() -> list[Comment]:
            out = []
            for gh_comment in self._issue_object(number).get_comments():
                comment = comment_from_payload(payload_of(gh_comment))
                self._comment_objects[comment.id] = gh_comment
                out.append(comment)
            return out

        return call(f"read the comments of issue #{number}", read)

    def events(self, number: int) -> list[IssueEvent]:
        return call(
            f"read the events of issue #{number}",
            lambda: [event_from_payload(payload_of(e)) for e in self._issue_object(number).get_events()],
        )

    def issues(
        self, *, state: str, action: str, labels: Sequence[str] = (), milestone: int | None = None
    ) -> list[Issue]:
        """One listing (100 a page) of the repository's issues and pull requests that match."""
        kwargs: dict[str, Any] = {"state": state}
        if labels:
            kwargs["labels"] = list(labels)
        if milestone is not None:
            kwargs["milestone"] = self._repo.get_milestone(milestone)  # lazy: only its number is sent

        return call(
            action, lambda: [issue_from_payload(payload_of(i)) for i in self._repo.get_issues(**kwargs)]
        )

    def recent_comments(self, since: datetime) -> list[Comment]:
        """The repository's comments since ``since``, newest first (one listing per 100)."""
        return call(
            "list recent comments",
            lambda: [
                comment_from_payload(payload_of(c))
                for c in self._repo.get_issues_comments(sort="created", direction="desc", since=since)
            ],
        )

    def milestones(self, state: str) -> list[Milestone]:
        """The repository's milestones, soonest due first (one listing per 100)."""
        return call(
            "list milestones",
            lambda: [
                milestone_from_payload(payload_of(m))
                for m in self._repo.get_milestones(state=state, sort="due_on", direction="asc")
            ],
        )

    def file_text(self, path: str, ref: str | None = None) -> str | None:
        """A file of the repository via the contents API, or None when it does not exist."""

        def read() -> Any:
            content = self._repo.get_contents(path, ref=ref) if ref else self._repo.get_contents(path)
            return content if isinstance(content, list) else content.raw_data.get("content") or ""

        try:
            content = call(f"read {path}", read, area="contents")
        except NotFound:
            return None
        if isinstance(content, list):
            raise PmactionError(f"{path} is a folder, not a file: point config_file at a YAML file")
        return base64.b64decode(content).decode("utf-8", errors="replace")

    def is_assignable(self, login: str) -> bool:
        return call(
            f"check whether @{login} can be assigned", lambda: bool(self._repo.has_in_assignees(login))
        )

    def labels(self) -> dict[str, str]:
        return call(
            "list labels", lambda: {label.name.lower(): label.name for label in self._repo.get_labels()}
        )

    # --- writes ----------------------------------------------------------------------------------

    def create_label(self, name: str, color: str, description: str) -> None:
        if self.recorder.holds(f"would create label '{name}'"):
            return
        try:
            call(
                f"create label {name!r}",
                lambda: self._repo.create_label(name=name, color=color, description=description),
                area="labels",
            )
        except Refused as exc:
            # Someone (a concurrent run) created it in between: that is the state we wanted.
            if not exc.already_exists:
                raise

    def ensure_labels(
        self, wanted: Sequence[tuple[str, str, str]], known: dict[str, str] | None = None
    ) -> None:
        existing = known if known is not None else self.labels()
        for name, color, description in wanted:
            if name.lower() not in existing:
                self.create_label(name, color, description)
                existing[name.lower()] = name

    def create_milestone(
        self, *, title: str, description: str, due: date, action: str, planned: str
    ) -> Milestone | None:
        """A new open milestone. A title that exists already raises ``Refused`` with ``already_exists``."""
        if self.recorder.holds(planned):
            return None
        return call(
            action,
            lambda: milestone_from_payload(
                payload_of(
                    self._repo.create_milestone(
                        title=title, state="open", description=description, due_on=_noon_utc(due)
                    )
                )
            ),
            area="milestones",
        )

    def edit_milestone(
        self, number: int, *, title: str, description: str, action: str, planned: str
    ) -> Milestone | None:
        """Set a milestone's title and description; returns the milestone as GitHub answered."""
        if self.recorder.holds(planned):
            return None

        def send() -> Milestone:
            # PyGithub's Milestone.edit keeps the answer out of raw_data: ask the requester for the JSON.
            _, data = self._repo.requester.requestJsonAndCheck(
                "PATCH",
                f"{self._repo.url}/milestones/{number}",
                input={"title": title, "description": description},
            )
            return milestone_from_payload(data)

        return call(action, send, area="milestones")

    def create_issue(
        self,
        *,
        title: str,
        body: str,
        labels: Sequence[str],
        assignees: Sequence[str] = (),
        milestone: int | None = None,
        action: str,
        planned: str,
    ) -> tuple[Issue, Milestone | None] | None:
        """A new issue, and its milestone as the answer describes it (with GitHub's fresh issue counts)."""
        if self.recorder.holds(planned, f"would create the issue '{title}':\n{body}"):
            return None
        kwargs: dict[str, Any] = {"title": title, "body": body, "labels": list(labels)}
        if assignees:
            kwargs["assignees"] = list(assignees)
        if milestone is not None:
            kwargs["milestone"] = self._repo.get_milestone(milestone)  # lazy: only its number is sent

        def send() -> tuple[Issue, Milestone | None]:
            gh_issue = self._repo.create_issue(**kwargs)
            raw = payload_of(gh_issue)
            made = issue_from_payload(raw)
            self._issue_objects[made.number] = gh_issue  # later edits need no GET
            in_milestone = raw.get("milestone")
            return made, milestone_from_payload(in_milestone) if isinstance(in_milestone, dict) else None

        return call(action, send)

    def create_comment(self, number: int, body: str, *, action: str, planned: str) -> int | None:
        """Comment on an issue; returns the new comment's id."""
        if self.recorder.holds(planned, f"would comment on #{number}:\n{body}"):
            return None

        def send() -> int:
            gh_comment = self._issue_object(number).create_comment(body)
            comment_id = int(payload_of(gh_comment)["id"])
            self._comment_objects[comment_id] = gh_comment
            return comment_id

        return call(action, send)

    def edit_issue(
        self,
        number: int,
        *,
        action: str,
        planned: str,
        body: str | None = None,
        state: str | None = None,
        state_reason: str | None = None,
    ) -> bool:
        """PATCH an issue's body, state or state reason (absolute values: safe to repeat); False when only
        planned."""
        if self.recorder.holds(planned):
            return False
        given = {"body": body, "state": state, "state_reason": state_reason}
        fields: dict[str, Any] = {key: value for key, value in given.items() if value is not None}
        call(action, lambda: self._issue_object(number).edit(**fields))
        return True

    def edit_comment(self, comment_id: int, body: str, *, planned: str) -> bool:
        """Edit a comment read earlier in this run (no extra GET); False when only planned."""
        if self.recorder.holds(planned):
            return False
        comment = self._comment_objects.get(comment_id)

        def send() -> None:
            if comment is None:
                raise PmactionError(f"comment {comment_id} was not read in this run; re-run")
            comment.edit(body)

        call(f"update comment {comment_id}", send)
        return True

    def delete_comment(self, comment_id: int, *, planned: str) -> bool:
        """Delete a comment read earlier in this run; False when it was not read here, or only planned. A 404
        means another run deleted it already, which is the state we wanted."""
        comment = self._comment_objects.get(comment_id)
        if comment is None or self.recorder.holds(planned):
            return False
        with contextlib.suppress(NotFound):
            call(f"delete comment {comment_id}", comment.delete)
        return True


def _noon_utc(due: date) -> datetime:
    # PyGithub formats this as YYYY-MM-DDT12:00:00Z; GitHub floors due_on to a US-Pacific date, so noon
    # UTC keeps the day we meant (midnight UTC would come back a day early).
    return datetime(due.year, due.month, due.day, 12, 0, tzinfo=UTC)
