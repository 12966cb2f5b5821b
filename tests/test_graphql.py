"""GraphQL: the sandbox executes documents against GitHub's published schema, and the labels an item needs
are created in one request, failing the way REST would and never losing a label."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import SandboxFactory
from helpers import scenario

from pmaction.errors import PermissionMissing
from pmaction.github.client import ApiSettings, GitHub
from pmaction.github.graphql import sample_documents
from pmaction.sandbox import Sandbox
from pmaction.sandbox.graphql_api import SCHEMA_FILE, exchange_problem, schema

ROOT = Path(__file__).resolve().parent.parent
WANTED = [
    ("type:prevent", "1d76db", "Prevents a recurrence"),
    ("priority:p1", "b60205", "Do soon"),
    ("postmortem-action", "5319e7", "Follow-up of a post-mortem"),
]


def edge(sb: Sandbox, *, token: str | None = None, dry_run: bool = False) -> GitHub:
    settings = ApiSettings(
        api_url=sb.api_url, token=token or sb.token, seconds_between_writes=0, dry_run=dry_run
    )
    github = GitHub(settings, sb.repo)
    github.repository_node = _repo_node(sb)
    return github


def _repo_node(sb: Sandbox) -> str:
    answer = requests.get(f"{sb.api_url}/repos/{sb.repo}", headers=_auth(sb.token), timeout=10)
    return str(answer.json()["node_id"])


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def post(sb: Sandbox, body: Any, token: str | None = None) -> requests.Response:
    url = sb.api_url.removesuffix("/v3") + "/graphql"  # /api/graphql beside /api/v3, as on GHES
    headers = _auth(token) if token is not None else {}
    return requests.post(url, json=body, headers=headers, timeout=10)


def routes(sb: Sandbox) -> Counter[str]:
    return Counter(f"{e['method']} {e['route']}" for e in sb.requests() if e["kind"] == "api")


def labels(sb: Sandbox) -> dict[str, tuple[str, str | None]]:
    return {lab["name"]: (lab["color"], lab.get("description")) for lab in sb.repo_state()["labels"]}


def test_the_schema_subset_is_cut_from_the_pinned_published_schema_and_takes_every_document() -> None:
    script = (ROOT / "scripts" / "extract_graphql_subset.py").read_text()
    version = re.search(r'VERSION = "([^"]+)"', script)
    assert version is not None
    assert SCHEMA_FILE.read_text().startswith(f"# Cut from @octokit/graphql-schema@{version[1]} ")
    from graphql import parse, validate

    for document in sample_documents():
        assert validate(schema(), parse(document)) == [], document


def test_a_field_github_lacks_is_refused_as_github_refuses_it(sandbox: SandboxFactory) -> None:
    sb = sandbox(scenario(), conformance=False)
    owner, name = sb.repo.split("/")
    query = f'{{ repository(owner: "{owner}", name: "{name}") {{ id wikiPages }} }}'

    answer = post(sb, {"query": query}, sb.token)

    assert answer.status_code == 200
    body = answer.json()
    assert "data" not in body and "wikiPages" in body["errors"][0]["message"]
    problem = exchange_problem({"query": query}, 200, body)
    assert problem is not None and "not valid against GitHub's schema" in problem


def test_graphql_needs_a_token_and_a_repository_that_exists(sandbox: SandboxFactory) -> None:
    sb = sandbox(scenario())
    query = 'query { repository(owner: "nobody", name: "nothing") { id } }'

    assert post(sb, {"query": query}).status_code == 401
    body = post(sb, {"query": query}, sb.token).json()

    assert body["data"] == {"repository": None}
    assert body["errors"][0]["type"] == "NOT_FOUND"
    assert body["errors"][0]["path"] == ["repository"]


def test_three_missing_labels_are_created_in_one_request_with_their_colours(sandbox: SandboxFactory) -> None:
    sb = sandbox(scenario())
    github = edge(sb)
    sb.clear_requests()

    github.ensure_labels(WANTED, {"incident": "incident"})

    assert routes(sb) == Counter({"POST /graphql": 1})
    made = labels(sb)
    for name, color, description in WANTED:
        assert made[name] == (color, description)


def test_a_label_a_concurrent_run_made_meanwhile_is_kept_and_the_others_are_created(
    sandbox: SandboxFactory,
) -> None:
    sb = sandbox(scenario(labels=[{"name": "incident"}, {"name": "priority:p1", "color": "000000"}]))
    github = edge(sb)
    sb.clear_requests()

    github.ensure_labels(WANTED, {"incident": "incident"})  # an old listing: priority:p1 was made since

    # The taken name fails alone; REST's answer for it (422 already_exists) is the state wanted.
    assert routes(sb) == Counter({"POST /graphql": 1, "POST /repos/{owner}/{repo}/labels": 1})
    made = labels(sb)
    assert made["priority:p1"][0] == "000000"  # the concurrent run's label is not touched
    assert {"type:prevent", "postmortem-action"} <= set(made)


def test_a_token_that_may_not_write_issues_gets_the_permission_to_add(sandbox: SandboxFactory) -> None:
    sb = sandbox("readonly-token")
    github = edge(sb, token="ghs_readonly")

    with pytest.raises(PermissionMissing, match=r"issues: write"):
        github.ensure_labels(WANTED, {"incident": "incident"})
    assert set(labels(sb)) == {"incident"}


def test_a_github_without_graphql_gets_the_labels_one_by_one(sandbox: SandboxFactory) -> None:
    sb = sandbox(scenario())
    github = edge(sb)
    sb.add_faults([{"method": "POST", "route": "/graphql", "kind": "status", "status": 404}])
    sb.clear_requests()

    github.ensure_labels(WANTED, {"incident": "incident"})

    assert routes(sb) == Counter({"POST /graphql": 1, "POST /repos/{owner}/{repo}/labels": 3})
    assert {name for name, _, _ in WANTED} <= set(labels(sb))


def test_without_a_known_repository_id_it_is_read_once_first(sandbox: SandboxFactory) -> None:
    sb = sandbox(scenario())
    github = edge(sb)
    github.repository_node = ""
    sb.clear_requests()

    github.ensure_labels(WANTED, {"incident": "incident"})

    assert routes(sb) == Counter({"POST /graphql": 2})
    assert {name for name, _, _ in WANTED} <= set(labels(sb))


def test_a_dry_run_plans_every_label_and_sends_nothing(sandbox: SandboxFactory) -> None:
    sb = sandbox(scenario())
    github = edge(sb, dry_run=True)
    sb.clear_requests()

    github.ensure_labels(WANTED, {"incident": "incident"})

    assert routes(sb) == Counter()
    planned = [write.sentence for write in github.take_planned()]
    assert len(planned) == 3 and all("would create label" in text for text in planned)


@pytest.mark.parametrize(
    ("kind", "message", "says"),
    [
        ("FORBIDDEN", "Resource not accessible by integration", "permissions: {issues: write"),
        ("INSUFFICIENT_SCOPES", "Your token has not been granted the required scopes", "required scopes"),
        ("RATE_LIMITED", "API rate limit exceeded for installation ID 1.", "rate-limited"),
    ],
)
def test_graphql_error_types_name_the_fix_a_rest_failure_would(kind: str, message: str, says: str) -> None:
    from pmaction.github.errors import translate
    from pmaction.github.graphql import Problem

    found = translate(Problem(kind, message, ("label0",)).as_exception(), "create labels", area="labels")

    assert says in str(found) and "\n" not in str(found)
