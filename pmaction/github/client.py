"""The GitHub REST edge: the ``GitHub`` class, the one place that talks to the API.

Everything it takes and returns is plain data from ``pmaction.github.data`` (numbers, strings, those
dataclasses): no PyGithub object leaves this package. Every failure becomes a ``PmactionError`` whose
message names the fix (``pmaction.github.errors``), through the one ``call`` every request goes through.
In a dry run every write is recorded instead of sent (``pmaction.github.recorder``): the write methods
then return None (or False) where they would return what GitHub made.
Reads are conditional (``pmaction.github.conditional``): a read repeated within the run costs a 304, which
GitHub does not count against the rate limit, and a caller holding an earlier run's ``Validators`` may pass
them as ``known`` to get ``NotModified`` back. Writes are spaced by ``pmaction.github.spacing``.
Retrying and the PyGithub client are in ``pmaction.github.retry``, conversions in ``pmaction.github.convert``.
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any, TypeVar, overload
from urllib.parse import quote

from github.Issue import Issue as GhIssue

from pmaction.errors import PmactionError
from pmaction.github.conditional import ConditionalReader, Validators, listing_key
from pmaction.github.convert import (
    comment_from_payload,
    event_from_payload,
    issue_from_payload,
    milestone_from_payload,
    payload_of,
    repo_from_payload,
)
from pmaction.github.data import Comment, Issue, IssueEvent, Milestone, NotModified, Repo
from pmaction.github.errors import Gone, NotFound, Refused, call, translate
from pmaction.github.graphql import Answer, LabelWanted, Unsupported, answer_of
from pmaction.github.labels import ensure_labels
from pmaction.github.recorder import PlannedWrite, WriteRecorder
from pmaction.github.retry import build_client
from pmaction.github.settings import ApiSettings
from pmaction.github.spacing import WriteSpacer

__all__ = ["ApiSettings", "GitHub", "NotModified", "Validators"]

T = TypeVar("T")


class GitHub:
    """Thin, typed access to the REST calls pmaction makes, for one repository.

    PyGithub objects are lazy (``lazy=True``): one built from a number costs no request, so a write to an
    issue or milestone needs no GET first. Issues made in this run are kept by number and comments read or
    made in it by id (their URL), so a later write needs no GET either.
    """

    def __init__(self, settings: ApiSettings, full_name: str) -> None:
        self.settings = settings
        self.full_name = full_name
        self._client = build_client(settings)
        self._repo = self._client.get_repo(full_name)  # lazy: no request
        self.recorder = WriteRecorder(dry_run=settings.dry_run)
        self.reader = ConditionalReader(self._repo.requester)
        self.spacer = WriteSpacer(settings.seconds_between_writes)
        self._issue_objects: dict[int, GhIssue] = {}
        self._comment_urls: dict[int, str] = {}
        self._assignable: dict[str, bool] = {}  # answers of the one-by-one check, past a long listing
        self._bodies_sent: dict[int, str] = {}  # issue bodies this run wrote (the sync records their digest)
        self.repository_node = ""  # the repository's GraphQL id, once a payload or an answer gave it

    def take_planned(self) -> list[PlannedWrite]:
        """The writes a dry run recorded since the last call (none in a real run)."""
        return self.recorder.take()

    def body_sent(self, number: int) -> str | None:
        """The body this run last wrote to issue ``number`` (None: it wrote none, or only planned one)."""
        return self._bodies_sent.get(number)

    def validators(self) -> Validators:
        """The ETags of this run's reads that a later run may pass back as ``known`` (see conditional.py)."""
        return self.reader.validators()

    def _issue_object(self, number: int) -> GhIssue:
        """The issue's PyGithub object: the one made in this run, else a lazy one (no request)."""
        if number not in self._issue_objects:
            self._issue_objects[number] = self._repo.get_issue(number)
        return self._issue_objects[number]

    def _url(self, path: str) -> str:
        return f"{self._repo.url}{path}"

    def _write(self, action: str, fn: Callable[[], T], *, area: str = "issues") -> T:
        """Send one write: spaced after the run's first writes (spacing.py), failures translated."""
        with self.spacer.write():
            return call(action, fn, area=area)

    def _send(self, verb: str, url: str, body: Any = None) -> Any:
        return self._repo.requester.requestJsonAndCheck(verb, url, input=body)[1]

    def graphql(
        self, action: str, document: str, variables: dict[str, Any], *, area: str, write: bool = False
    ) -> Answer:
        """One GraphQL request; a document refused as a whole fails like the REST call it replaces."""
        requester = self._repo.requester

        def send() -> Answer:
            payload = {"query": document, "variables": variables}
            return answer_of(requester.requestJsonAndCheck("POST", requester.graphql_url, input=payload)[1])

        answer = self._write(action, send, area=area) if write else call(action, send, area=area)
        whole = answer.whole_failure()
        if whole is not None and not whole.type:
            # Validation refused the document: a GitHub (an older Enterprise Server) without these fields.
            raise Unsupported(f"GitHub's GraphQL API does not take the document to {action}: {whole.message}")
        if whole is not None:
            raise translate(whole.as_exception(), action, area=area)
        return answer

    # --- reads -----------------------------------------------------------------------------------

    @overload
    def repository(self, *, known: None = None) -> Repo: ...
    @overload
    def repository(self, *, known: Validators) -> Repo | NotModified: ...
    def repository(self, *, known: Validators | None = None) -> Repo | NotModified:
        found = call(
            f"read repository {self.full_name}",
            lambda: self.reader.read_object("repository", self._url(""), known),
        )
        if isinstance(found, NotModified):
            return found
        repo = repo_from_payload(found)
        self.repository_node = self.repository_node or repo.node_id
        return repo

    @overload
    def issue(self, number: int, *, action: str | None = None, known: None = None) -> Issue: ...
    @overload
    def issue(self, number: int, *, action: str | None = None, known: Validators) -> Issue | NotModified: ...
    def issue(
        self, number: int, *, action: str | None = None, known: Validators | None = None
    ) -> Issue | NotModified:
        """The issue as GitHub has it now: one GET, a free 304 when this run read it already (or ``known``
        holds its tag: then ``NotModified``)."""
        found = call(
            action or f"read issue #{number}",
            lambda: self.reader.read_object(f"issue/{number}", self._url(f"/issues/{number}"), known),
        )
        return found if isinstance(found, NotModified) else issue_from_payload(found)

    def issue_if_any(self, number: int, *, action: str | None = None) -> Issue | None:
        """Like ``issue``; None when it does not exist (404) or Issues are disabled (410)."""
        try:
            return self.issue(number, action=action)
        except (NotFound, Gone):
            return None

    def _listing(
        self, action: str, key: str, path: str, params: dict[str, Any], known: Validators | None
    ) -> Any:
        return call(action, lambda: self.reader.read_listing(key, self._url(path), params, known))

    @overload
    def comments(
        self, number: int, *, known: None = None, since: datetime | None = None
    ) -> list[Comment]: ...
    @overload
    def comments(
        self, number: int, *, known: Validators, since: datetime | None = None
    ) -> list[Comment] | NotModified: ...
    def comments(
        self, number: int, *, known: Validators | None = None, since: datetime | None = None
    ) -> list[Comment] | NotModified:
        """The issue's comments, oldest first (one listing per 100); with ``since``, only those updated at or
        after it (kept apart from the whole listing's ETag)."""
        params = {} if since is None else {"since": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
        found = self._listing(
            f"read the comments of issue #{number}",
            f"comments/{number}" + ("/since" if since is not None else ""),
            f"/issues/{number}/comments",
            params,
            known,
        )
        if isinstance(found, NotModified):
            return found
        self._comment_urls.update({int(raw["id"]): str(raw["url"]) for raw in found})
        return [comment_from_payload(raw) for raw in found]

    @overload
    def events(self, number: int, *, known: None = None) -> list[IssueEvent]: ...
    @overload
    def events(self, number: int, *, known: Validators) -> list[IssueEvent] | NotModified: ...
    def events(self, number: int, *, known: Validators | None = None) -> list[IssueEvent] | NotModified:
        """The issue's events, oldest first (one listing per 100)."""
        found = self._listing(
            f"read the events of issue #{number}", f"events/{number}", f"/issues/{number}/events", {}, known
        )
        return found if isinstance(found, NotModified) else [event_from_payload(raw) for raw in found]

    @overload
    def issues(
        self,
        *,
        state: str,
        action: str,
        labels: Sequence[str] = (),
        milestone: int | None = None,
        known: None = None,
    ) -> list[Issue]: ...
    @overload
    def issues(
        self,
        *,
        state: str,
        action: str,
        labels: Sequence[str] = (),
        milestone: int | None = None,
        known: Validators,
    ) -> list[Issue] | NotModified: ...
    def issues(
        self,
        *,
        state: str,
        action: str,
        labels: Sequence[str] = (),
        milestone: int | None = None,
        known: Validators | None = None,
    ) -> list[Issue] | NotModified:
        """One listing (100 a page) of the repository's issues and pull requests that match."""
        params: dict[str, Any] = {"state": state}
        if labels:
            params["labels"] = ",".join(labels)
        if milestone is not None:
            params["milestone"] = str(milestone)
        found = self._listing(action, listing_key("issues", params), "/issues", params, known)
        return found if isinstance(found, NotModified) else [issue_from_payload(raw) for raw in found]

    def recent_comments(self, since: datetime) -> list[Comment]:
        """The repository's comments since ``since``, newest first (one listing per 100)."""
        return call(
            "list recent comments",
            lambda: [
                comment_from_payload(payload_of(c))
                for c in self._repo.get_issues_comments(sort="created", direction="desc", since=since)
            ],
        )

    @overload
    def milestones(self, state: str, *, known: None = None) -> list[Milestone]: ...
    @overload
    def milestones(self, state: str, *, known: Validators) -> list[Milestone] | NotModified: ...
    def milestones(self, state: str, *, known: Validators | None = None) -> list[Milestone] | NotModified:
        """The repository's milestones, soonest due first (one listing per 100)."""
        params = {"state": state, "sort": "due_on", "direction": "asc"}
        found = self._listing("list milestones", f"milestones/{state}", "/milestones", params, known)
        return found if isinstance(found, NotModified) else [milestone_from_payload(raw) for raw in found]

    @overload
    def milestone(self, number: int, *, known: None = None) -> Milestone: ...
    @overload
    def milestone(self, number: int, *, known: Validators) -> Milestone | NotModified: ...
    def milestone(self, number: int, *, known: Validators | None = None) -> Milestone | NotModified:
        """One milestone by number (its open and closed counts included): one GET."""
        found = call(
            f"read milestone {number}",
            lambda: self.reader.read_object(f"milestone/{number}", self._url(f"/milestones/{number}"), known),
            area="milestones",
        )
        return found if isinstance(found, NotModified) else milestone_from_payload(found)

    def public_email(self, login: str) -> str | None:
        """The e-mail ``login`` shows on their GitHub profile, or None (none public, or no such user).
        One GET per person per run (a repeat is a free 304)."""
        url = f"{self.settings.api_url.rstrip('/')}/users/{quote(login, safe='')}"
        try:
            found = call(
                f"read the profile of @{login}", lambda: self.reader.read_object(f"user/{login}", url)
            )
        except NotFound:
            return None
        email = found.get("email") if isinstance(found, dict) else None
        return str(email) if isinstance(email, str) and "@" in email else None

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

    @overload
    def assignees(self, *, known: None = None) -> frozenset[str]: ...
    @overload
    def assignees(self, *, known: Validators) -> frozenset[str] | NotModified: ...
    def assignees(self, *, known: Validators | None = None) -> frozenset[str] | NotModified:
        """The logins an issue can be assigned to, lower-cased (one listing per 100)."""
        found = self._listing("list who can be assigned", "assignees", "/assignees", {}, known)
        return found if isinstance(found, NotModified) else frozenset(str(u["login"]).lower() for u in found)

    def is_assignable(self, login: str) -> bool:
        """From one listing of the assignees per run (the first page, 100 people); only past a longer
        listing, a login not on its first page is checked on its own (and remembered)."""
        people, complete = call(
            "list who can be assigned",
            lambda: self.reader.read_first_page("assignees", self._url("/assignees"), {}),
        )
        if login.lower() in {str(person["login"]).lower() for person in people}:
            return True
        if complete:
            return False
        if login.lower() not in self._assignable:
            self._assignable[login.lower()] = call(
                f"check whether @{login} can be assigned", lambda: bool(self._repo.has_in_assignees(login))
            )
        return self._assignable[login.lower()]

    @overload
    def labels(self, *, known: None = None) -> dict[str, str]: ...
    @overload
    def labels(self, *, known: Validators) -> dict[str, str] | NotModified: ...
    def labels(self, *, known: Validators | None = None) -> dict[str, str] | NotModified:
        """The repository's labels, by lower-cased name (one listing per 100)."""
        found = self._listing("list labels", "labels", "/labels", {}, known)
        if isinstance(found, NotModified):
            return found
        return {str(label["name"]).lower(): str(label["name"]) for label in found}

    # --- writes ----------------------------------------------------------------------------------

    def create_label(self, name: str, color: str, description: str) -> None:
        if self.recorder.holds(f"would create label '{name}'"):
            return
        try:
            self._write(
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
        """Create the labels of ``wanted`` that ``known`` (else a listing) lacks (see labels.py)."""
        ensure_labels(self, [LabelWanted(*label) for label in wanted], known)

    def create_milestone(
        self, *, title: str, description: str, due: date, action: str, planned: str
    ) -> Milestone | None:
        """A new open milestone. A title that exists already raises ``Refused`` with ``already_exists``."""
        if self.recorder.holds(planned):
            return None
        return self._write(
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
        self, number: int, *, title: str | None, description: str, action: str, planned: str
    ) -> Milestone | None:
        """Set a milestone's title (None: keep it) and description; returns the milestone GitHub sent."""
        if self.recorder.holds(planned):
            return None
        body = {"description": description} if title is None else {"title": title, "description": description}

        def send() -> Milestone:
            # PyGithub's Milestone.edit keeps the answer out of raw_data: ask the requester for the JSON.
            data = self._send("PATCH", self._url(f"/milestones/{number}"), body)
            return milestone_from_payload(data)

        return self._write(action, send, area="milestones")

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

        return self._write(action, send)

    def create_comment(self, number: int, body: str, *, action: str, planned: str) -> int | None:
        """Comment on an issue; returns the new comment's id."""
        if self.recorder.holds(planned, f"would comment on #{number}:\n{body}"):
            return None

        def send() -> int:
            raw = payload_of(self._issue_object(number).create_comment(body))
            self._comment_urls[int(raw["id"])] = str(raw["url"])
            return int(raw["id"])

        return self._write(action, send)

    def edit_issue(
        self,
        number: int,
        *,
        action: str,
        planned: str,
        body: str | None = None,
        state: str | None = None,
        state_reason: str | None = None,
        clear_milestone: bool = False,
    ) -> bool:
        """PATCH an issue's body, state or state reason, and take it out of its milestone with
        ``clear_milestone`` (absolute values: safe to repeat); False when only planned."""
        if self.recorder.holds(planned):
            return False
        given = {"body": body, "state": state, "state_reason": state_reason}
        fields: dict[str, Any] = {key: value for key, value in given.items() if value is not None}
        if clear_milestone:
            # GitHub's issues/update: "use null to remove the current milestone". PyGithub sends "" for
            # milestone=None, so this one PATCH goes out as it is written, in the same request as the rest.
            url = self._url(f"/issues/{number}")
            self._write(action, lambda: self._send("PATCH", url, {**fields, "milestone": None}))
        else:
            self._write(action, lambda: self._issue_object(number).edit(**fields))
        if body is not None:
            self._bodies_sent[number] = body
        return True

    def edit_comment(self, comment_id: int, body: str, *, planned: str) -> bool:
        """Edit a comment read earlier in this run (no extra GET); False when only planned."""
        if self.recorder.holds(planned):
            return False
        url = self._comment_urls.get(comment_id)
        if url is None:
            raise PmactionError(f"comment {comment_id} was not read in this run; re-run")
        self._write(f"update comment {comment_id}", lambda: self._send("PATCH", url, {"body": body}))
        return True

    def delete_comment(self, comment_id: int, *, planned: str) -> bool:
        """Delete a comment read earlier in this run; False when it was not read here, or only planned. A 404
        means another run deleted it already, which is the state we wanted."""
        url = self._comment_urls.get(comment_id)
        if url is None or self.recorder.holds(planned):
            return False
        with contextlib.suppress(NotFound):
            self._write(f"delete comment {comment_id}", lambda: self._send("DELETE", url))
        return True


def _noon_utc(due: date) -> datetime:
    # PyGithub formats this as YYYY-MM-DDT12:00:00Z; GitHub floors due_on to a US-Pacific date, so noon
    # UTC keeps the day we meant (midnight UTC would come back a day early).
    return datetime(due.year, due.month, due.day, 12, 0, tzinfo=UTC)
