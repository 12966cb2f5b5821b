"""The labels backlog issues need: the missing ones created in one GraphQL request when there are two or
more (GitHub runs the aliased ``createLabel`` mutations one after another), else over REST.

A label that fails alone (a concurrent run took the name a moment ago, or any other refusal) is created
again over REST, whose answer says whether that is the state wanted (422 already_exists) or names the fix.
A GitHub without GraphQL, or without this mutation (an older Enterprise Server), gets every label over
REST. A dry run plans each label, as REST would.
"""

from __future__ import annotations

from typing import Any, Protocol

from pmaction.github.conditional import ConditionalReader
from pmaction.github.errors import NotFound, translate
from pmaction.github.graphql import (
    LABELS_AND_ASSIGNEES,
    REPOSITORY_ID,
    Answer,
    LabelWanted,
    Unsupported,
    create_labels,
    label_alias,
)
from pmaction.github.recorder import WriteRecorder


class GitHub(Protocol):
    """What of the GitHub edge (client.py) this needs: named here, so labels.py does not import it."""

    full_name: str
    repository_node: str
    recorder: WriteRecorder
    reader: ConditionalReader

    def labels(self) -> dict[str, str]: ...

    def create_label(self, name: str, color: str, description: str) -> None: ...

    def graphql(
        self, action: str, document: str, variables: dict[str, Any], *, area: str, write: bool = False
    ) -> Answer: ...


def ensure_labels(github: GitHub, wanted: list[LabelWanted], known: dict[str, str] | None) -> None:
    existing = known if known is not None else github.labels()
    missing: dict[str, LabelWanted] = {}
    for label in wanted:
        if label.name.lower() not in existing:
            missing.setdefault(label.name.lower(), label)
    if len(missing) >= 2 and not github.recorder.dry_run:
        _create_at_once(github, list(missing.values()))
    else:
        for label in missing.values():
            github.create_label(label.name, label.color, label.description)
    existing.update({key: label.name for key, label in missing.items()})


def _repository_node(github: GitHub) -> str:
    """The id a mutation names the repository by: from the payload or a REST answer, else one query."""
    if not github.repository_node:
        owner, name = github.full_name.split("/", 1)
        action = f"read the id of {github.full_name}"
        answer = github.graphql(action, REPOSITORY_ID, {"owner": owner, "name": name}, area="labels")
        github.repository_node = str((answer.data.get("repository") or {}).get("id") or "")
    return github.repository_node


def _create_at_once(github: GitHub, missing: list[LabelWanted]) -> None:
    names = ", ".join(repr(label.name) for label in missing)
    try:
        document, variables = create_labels(_repository_node(github), missing)
        answer = github.graphql(f"create labels {names}", document, variables, area="labels", write=True)
    except (Unsupported, NotFound):
        answer = Answer({}, ())  # no GraphQL here (or not this mutation): REST, one label at a time
    for index, label in enumerate(missing):
        problem = answer.problem_at(label_alias(index))
        if problem is None and (answer.data.get(label_alias(index)) or {}).get("label"):
            continue
        if problem is not None and problem.type == "FORBIDDEN":
            raise translate(problem.as_exception(), f"create label {label.name!r}", area="labels")
        github.create_label(label.name, label.color, label.description)


def labels_and_assignees(github: GitHub) -> dict[str, str] | None:
    """The repository's labels by lower-cased name, in one GraphQL request that also brings the first 100
    people who can be assigned (kept for ``GitHub.is_assignable``, in place of their REST listing). None when
    the labels are more than 100, or GraphQL cannot answer: then REST lists them. A dry run lists them over
    REST too: every GraphQL request is a POST, and a dry run sends nothing but GETs."""
    if github.recorder.dry_run:
        return None
    owner, name = github.full_name.split("/", 1)
    try:
        answer = github.graphql(
            "list the labels and who can be assigned",
            LABELS_AND_ASSIGNEES,
            {"owner": owner, "name": name},
            area="labels",
        )
    except (Unsupported, NotFound):
        return None
    found = answer.data.get("repository") or {}
    labels, people = found.get("labels"), found.get("assignableUsers")
    if answer.problems or not isinstance(labels, dict) or not isinstance(people, dict):
        return None  # a part failed: each listing over REST, which says what to fix if it fails too
    logins = [{"login": str(p["login"])} for p in people.get("nodes") or [] if isinstance(p, dict)]
    github.reader.remember_first_page("assignees", logins, complete=not people["pageInfo"]["hasNextPage"])
    if labels["pageInfo"]["hasNextPage"]:
        return None
    return {str(n["name"]).lower(): str(n["name"]) for n in labels.get("nodes") or [] if isinstance(n, dict)}
