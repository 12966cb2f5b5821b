"""GitHub's GraphQL API, where one request does what REST needs one request per object for.

GraphQL runs several mutations of one document in a single request, one after the other, each answering
(or failing) on its own alias: ten labels cost one request instead of ten. Every document pmaction sends is
built here, its values passed as variables (never spliced into the text), and checked in the test suite
against GitHub's published schema: the sandbox executes it with graphql-core, on the part of the schema
that scripts/extract_graphql_subset.py cuts for these documents.

An answer's errors are GitHub's: a list of ``{type, path, message}``; a failed alias has ``null`` data. They
become the same one-line messages as REST failures (``errors.translate``) by the status a REST call would have
had.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from github import GithubException

from pmaction.errors import GitHubAPIError

# GitHub's error types and the REST status each would have been (errors.translate names the fix by status).
_STATUS_OF_TYPE = {
    "FORBIDDEN": 403,
    "INSUFFICIENT_SCOPES": 403,  # a classic PAT without the scope: GitHub's message names it
    "NOT_FOUND": 404,
    "UNPROCESSABLE": 422,
    "RATE_LIMITED": 403,
    "INTERNAL": 502,
}


class Unsupported(GitHubAPIError):
    """GitHub's GraphQL API refused a document as a whole: this GitHub lacks a field pmaction uses."""


@dataclass(frozen=True)
class LabelWanted:
    name: str
    color: str  # six hex digits, no '#'
    description: str


@dataclass(frozen=True)
class Problem:
    """One entry of a GraphQL answer's ``errors``."""

    type: str  # FORBIDDEN, NOT_FOUND, UNPROCESSABLE, ... ("" when GitHub gives none: a malformed query)
    message: str
    path: tuple[str | int, ...] = ()

    def as_exception(self) -> GithubException:
        """The failure as a REST call would have raised it, for errors.translate."""
        status = _STATUS_OF_TYPE.get(self.type, 400)
        data: dict[str, Any] = {"message": self.message}
        if self.type == "UNPROCESSABLE" and "taken" in self.message.lower():
            data["errors"] = [{"code": "already_exists", "message": self.message}]
        return GithubException(status, data, None)


@dataclass(frozen=True)
class Answer:
    data: dict[str, Any]
    problems: tuple[Problem, ...]

    def problem_at(self, alias: str) -> Problem | None:
        """The error GitHub gave for the field at ``alias`` (top level), if any."""
        return next((p for p in self.problems if p.path[:1] == (alias,)), None)

    def whole_failure(self) -> Problem | None:
        """An error outside every field (the document was refused as a whole: nothing ran)."""
        return next((p for p in self.problems if not p.path), None) if not self.data else None


def answer_of(raw: Any) -> Answer:
    """GitHub's JSON answer as an ``Answer`` (a missing or null ``data`` is empty data)."""
    body = raw if isinstance(raw, dict) else {}
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    problems = []
    for err in body.get("errors") or []:
        if not isinstance(err, dict):
            continue
        path = tuple(p for p in err.get("path") or () if isinstance(p, str | int))
        message = " ".join(str(err.get("message") or "no message").split())
        problems.append(Problem(str(err.get("type") or ""), message, path))
    return Answer(data or {}, tuple(problems))


# The repository's node id, for a mutation's ``repositoryId`` when no payload or REST answer gave it.
REPOSITORY_ID = """query RepositoryId($owner: String!, $name: String!) {
  repository(owner: $owner, name: $name) {
    id
  }
}
"""


# The labels and who can be assigned, the two listings creating backlog issues needs, in one request.
LABELS_AND_ASSIGNEES = """query LabelsAndAssignees($owner: String!, $name: String!) {
  repository(owner: $owner, name: $name) {
    labels(first: 100) {
      nodes { name }
      pageInfo { hasNextPage }
    }
    assignableUsers(first: 100) {
      nodes { login }
      pageInfo { hasNextPage }
    }
  }
}
"""


def label_alias(index: int) -> str:
    return f"label{index}"


def create_labels(repository_id: str, wanted: Sequence[LabelWanted]) -> tuple[str, dict[str, Any]]:
    """One document creating every label of ``wanted`` (aliases ``label0``, ``label1``, ...), and its
    variables."""
    declared = ["$repository: ID!"]
    fields = []
    variables: dict[str, Any] = {"repository": repository_id}
    for index, label in enumerate(wanted):
        declared += [f"$name{index}: String!", f"$color{index}: String!", f"$description{index}: String"]
        fields.append(
            f"  {label_alias(index)}: createLabel(input: {{repositoryId: $repository, name: $name{index}, "
            f"color: $color{index}, description: $description{index}}}) {{\n    label {{ name }}\n  }}"
        )
        variables |= {
            f"name{index}": label.name,
            f"color{index}": label.color,
            f"description{index}": label.description,
        }
    document = f"mutation CreateLabels({', '.join(declared)}) {{\n" + "\n".join(fields) + "\n}\n"
    return document, variables


def sample_documents() -> list[str]:
    """One of every kind of document pmaction sends: what the schema subset is cut for and checked with."""
    two = [LabelWanted("type:fix", "d73a4a", "A fix"), LabelWanted("priority:high", "b60205", "")]
    return [REPOSITORY_ID, LABELS_AND_ASSIGNEES, create_labels("R_sample", two)[0]]
