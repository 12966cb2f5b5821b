"""The sandbox's GraphQL endpoint (``POST /api/graphql``), executed against GitHub's published schema.

graphql-core parses, validates and executes every document against the subset that
scripts/extract_graphql_subset.py cut from ``@octokit/graphql-schema``: a field or argument GitHub lacks is
refused the way GitHub refuses it (HTTP 200, ``errors`` and no ``data``), and an answer that breaks the
schema's types fails here, not in pmaction. Each resolver does its work through the REST handlers of
``api.py``, so one set of rules (permissions, validation, ids) serves both APIs.

GitHub's error objects carry ``type`` (FORBIDDEN, NOT_FOUND, UNPROCESSABLE...) beside ``message`` and
``path``; graphql-core's carry it in ``extensions``, so it is moved up.
"""

from __future__ import annotations

import base64
import binascii
import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pmaction.sandbox import api
from pmaction.sandbox.render import Urls
from pmaction.sandbox.state import Token, World

SCHEMA_FILE = Path(__file__).resolve().parent / "graphql_schema" / "github-schema-subset.graphql"
GRAPHQL_PATH = "/api/graphql"
# The message REST status codes of the shared handlers become, as GitHub's GraphQL words them.
_TYPE_OF_STATUS = {403: "FORBIDDEN", 404: "NOT_FOUND", 410: "FORBIDDEN", 422: "UNPROCESSABLE"}


@dataclass(frozen=True)
class GqlContext:
    world: World
    token: Token
    urls: Urls


class Failure(Exception):
    """A resolver's failure, with GitHub's error type."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


Resolver = Callable[..., Any]


def _rest(
    ctx: GqlContext, method: str, path: str, body: Any = None, query: dict[str, str] | None = None
) -> Any:
    """One REST handler's answer, for a resolver; its failure as a GraphQL error."""
    return _rest_response(ctx, method, path, body, query).body


def _rest_response(
    ctx: GqlContext, method: str, path: str, body: Any = None, query: dict[str, str] | None = None
) -> api.ApiResponse:
    request = api.ApiRequest(method, path, query or {}, body, ctx.token, ctx.urls)
    _, response = api.dispatch(ctx.world, request)
    if response.status >= 400:
        raise Failure(_TYPE_OF_STATUS.get(response.status, "INTERNAL"), _message(response.body))
    return response


def _message(body: Any) -> str:
    if not isinstance(body, dict):
        return "Something went wrong"
    errors = body.get("errors")
    first = errors[0] if isinstance(errors, list) and errors else None
    if isinstance(first, dict) and first.get("code") == "already_exists":
        return f"{first.get('field', 'Name').capitalize()} has already been taken"
    return str(body.get("message") or "Something went wrong")


def _repo_by_node(ctx: GqlContext, node: str) -> tuple[str, str]:
    """(owner, name) of a repository node id ``R_...`` (the ids REST answers carry as ``node_id``)."""
    kind, _, encoded = node.partition("_")
    try:
        decoded = base64.b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
        ident = int(decoded[len(kind) :]) if kind == "R" and decoded.startswith(kind) else None
    except (binascii.Error, UnicodeDecodeError, ValueError):
        ident = None
    with ctx.world.lock:
        repo = ctx.world.repo_by_id(ident) if ident is not None else None
        if repo is None:
            raise Failure("NOT_FOUND", f"Could not resolve to a node with the global id of '{node}'")
        return repo.owner, repo.name


def _repo_path(owner: str, name: str) -> str:
    return f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}"


def repository(_: Any, info: Any, owner: str, name: str, **_ignored: Any) -> dict[str, Any]:
    ctx: GqlContext = info.context
    try:
        raw = _rest(ctx, "GET", _repo_path(owner, name))
    except Failure as exc:
        if exc.kind == "NOT_FOUND":
            message = f"Could not resolve to a Repository with the name '{owner}/{name}'."
            raise Failure("NOT_FOUND", message) from None
        raise
    return {"id": raw["node_id"], "nameWithOwner": raw["full_name"], "_path": _repo_path(owner, name)}


def _first_page(info: Any, source: dict[str, Any], below: str, first: int | None) -> tuple[list[Any], bool]:
    """The first ``first`` items (at most 100, as GitHub allows) of a REST listing below the repository,
    and whether more follow (GitHub's ``Link: rel="next"``)."""
    if first is None or not 1 <= first <= 100:
        raise Failure("UNPROCESSABLE", "You must provide a `first` value between 1 and 100.")
    query = {"per_page": str(first), "page": "1"}
    response = _rest_response(info.context, "GET", f"{source['_path']}{below}", query=query)
    return list(response.body or []), 'rel="next"' in str(response.headers.get("Link") or "")


def repository_labels(
    source: dict[str, Any], info: Any, first: int | None = None, **_: Any
) -> dict[str, Any]:
    found, more = _first_page(info, source, "/labels", first)
    nodes = [{"name": label["name"], "color": label["color"], "id": label["node_id"]} for label in found]
    return {"nodes": nodes, "pageInfo": {"hasNextPage": more}}


def assignable_users(source: dict[str, Any], info: Any, first: int | None = None, **_: Any) -> dict[str, Any]:
    found, more = _first_page(info, source, "/assignees", first)
    return {"nodes": [{"login": person["login"]} for person in found], "pageInfo": {"hasNextPage": more}}


def create_label(_: Any, info: Any, input: dict[str, Any]) -> dict[str, Any]:
    ctx: GqlContext = info.context
    owner, name = _repo_by_node(ctx, str(input["repositoryId"]))
    body = {k: input[k] for k in ("name", "color", "description") if input.get(k) is not None}
    made = _rest(ctx, "POST", f"{_repo_path(owner, name)}/labels", body)
    label = {"name": made["name"], "color": made["color"], "id": made["node_id"]}
    return {"label": label, "clientMutationId": input.get("clientMutationId")}


RESOLVERS: dict[tuple[str, str], Resolver] = {
    ("Query", "repository"): repository,
    ("Repository", "labels"): repository_labels,
    ("Repository", "assignableUsers"): assignable_users,
    ("Mutation", "createLabel"): create_label,
}


@functools.cache
def available() -> bool:
    """Whether graphql-core is installed (the ``sandbox`` extra); without it the endpoint answers 404, as a
    GitHub without GraphQL would, and says so once on stderr."""
    try:
        import graphql  # noqa: F401
    except ImportError:
        print(
            "sandbox: /api/graphql answers 404: graphql-core is not installed (pip install -e '.[sandbox]')",
            file=sys.stderr,
        )
        return False
    return True


@functools.cache
def schema() -> Any:
    from graphql import build_schema

    built = build_schema(SCHEMA_FILE.read_text(encoding="utf-8"))
    for (type_name, field_name), fn in RESOLVERS.items():
        fields = getattr(built.get_type(type_name), "fields", {})
        if field_name in fields:
            fields[field_name].resolve = fn
    return built


def _github_error(error: Any) -> dict[str, Any]:
    formatted: dict[str, Any] = dict(error.formatted)
    original = getattr(error, "original_error", None)
    if isinstance(original, Failure):
        formatted["type"] = original.kind
    elif original is not None:
        raise original  # a sandbox bug: let the test that met it fail loudly
    formatted.pop("extensions", None)
    return formatted


def execute(world: World, token: Token, body: Any, urls: Urls) -> dict[str, Any]:
    """The answer GitHub gives a ``POST /graphql`` (always HTTP 200 once authenticated)."""
    from graphql import GraphQLError, parse, validate
    from graphql import execute_sync as run

    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return {"errors": [{"message": "A query attribute must be specified and must be a string."}]}
    variables = body.get("variables") or {}
    try:
        document = parse(body["query"])
    except GraphQLError as exc:
        return {"errors": [dict(exc.formatted)]}
    problems = validate(schema(), document)
    if problems:
        return {"errors": [dict(p.formatted) for p in problems]}
    result = run(schema(), document, variable_values=variables, context_value=GqlContext(world, token, urls))
    answer: dict[str, Any] = {"data": result.data}
    if result.errors:
        answer["errors"] = [_github_error(error) for error in result.errors]
    return answer


def exchange_problem(request_body: Any, status: int, response_body: Any) -> str | None:
    """What breaks GitHub's GraphQL contract in one logged exchange (None: nothing). The document must be
    valid against GitHub's schema; a 200 answer holds ``data`` or ``errors``, each error a ``message``."""
    from graphql import GraphQLError, parse, validate

    if status != 200:
        return None
    query = request_body.get("query") if isinstance(request_body, dict) else None
    if not isinstance(query, str):
        return "POST /graphql without a query string"
    try:
        refused = [p.message for p in validate(schema(), parse(query))]
    except GraphQLError as exc:
        refused = [exc.message]
    if refused:
        return f"POST /graphql: the document is not valid against GitHub's schema: {refused[0]}"
    if not isinstance(response_body, dict) or not ({"data", "errors"} & set(response_body)):
        return "POST /graphql: a 200 answer without data or errors"
    if any(not isinstance(e, dict) or "message" not in e for e in response_body.get("errors") or []):
        return "POST /graphql: an error without a message"
    return None
