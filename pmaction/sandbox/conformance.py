"""Check HTTP exchanges against GitHub's published REST description and Slack's published Web API
description (the committed subsets).

The sandbox is only useful if it answers the way api.github.com answers, and pmaction is only correct if
what it sends is what GitHub accepts. Both sides are checked here with openapi-core against
`openapi/github-rest-subset.json` (cut from @octokit/openapi by scripts/extract_openapi_subset.py).

What is checked, per exchange:
- the path matches one of the operations in the subset (an unknown route is a problem: either pmaction calls
  something we did not pin, or the list in the extract script is out of date);
- the request: path/query/header parameters and the JSON body against the operation's requestBody;
- the response: body and documented headers against the schema for that status.
- a 304 Not Modified: also HTTP's rules the description cannot state (it answers a conditional GET, has no
  body, repeats the ETag);
What is skipped, on purpose:
- statuses the operation does not document (a fault-injected 502, a 500): GitHub documents no body for
  them, so there is nothing to hold the sandbox to;
- dropped connections (status None in the log) and git smart-HTTP traffic (kind "git");
- authentication: the subset has no security schemes (GitHub's description does not declare them).

Slack exchanges (log kind "slack", under /slack/api/) are held to `openapi/slack-web-subset.json` (cut from
slackapi/slack-api-specs by scripts/extract_slack_subset.py, converted to OpenAPI 3.1, patches listed in its
`info.x-pmaction-patches`), with Slack's own reading of it:
- every method is described as GET with query arguments, and Slack takes the same arguments as a POST form or
  JSON body (slack_sdk always POSTs a form): the arguments of either are checked as the GET's query;
- Slack files its error answers (HTTP 200, `{"ok": false, ...}`) under `default`: an `ok: false` body is
  checked against `default`, an `ok: true` one against `200`, a 429 (rate limited) against `default`; other
  statuses (a fault-injected 5xx) are not described and not checked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode

SUBSET_PATH = Path(__file__).resolve().parent / "openapi" / "github-rest-subset.json"
SLACK_SUBSET_PATH = Path(__file__).resolve().parent / "openapi" / "slack-web-subset.json"
SLACK_PREFIX = "/slack/api"
# openapi-core picks `default` for any status an operation does not list; Slack's errors are HTTP 200.
_SLACK_DEFAULT_STATUS = 599
_HOST = "http://127.0.0.1"
# GitHub's pagination links use /repositories/{id}/...; the operation (and so the schema) is the same.
_BY_ID = re.compile(r"^/repositories/\d+(?=/|$)")


class ConformanceError(AssertionError):
    """An exchange that GitHub's description says cannot happen."""


@cache
def load_subset() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SUBSET_PATH.read_text(encoding="utf-8"))
    return data


@cache
def _openapi() -> Any:
    # Imported lazily: openapi-core is a test dependency, not a runtime one of the action.
    from openapi_core import OpenAPI
    from openapi_core.configurations import Config

    # The subset is checked against the OpenAPI meta-schema once in the tests; skipping it here saves ~1 s.
    return OpenAPI.from_dict(load_subset(), config=Config(spec_validator_cls=None))


def _multi_segment_params(spec: dict[str, Any]) -> frozenset[str]:
    # GitHub marks parameters that may contain "/" (contents `path`) with x-multi-segment.
    params = list(spec["components"].get("parameters", {}).values())
    params += [
        p
        for item in spec["paths"].values()
        for op in item.values()
        if isinstance(op, dict)
        for p in op.get("parameters", [])
    ]
    return frozenset(p["name"] for p in params if p.get("x-multi-segment"))


@cache
def _templates() -> tuple[tuple[re.Pattern[str], str], ...]:
    spec = load_subset()
    multi = _multi_segment_params(spec)
    out = []
    for template in spec["paths"]:

        def group(m: re.Match[str]) -> str:
            name = m.group(1)
            return f"(?P<{name}>{'.+' if name in multi else '[^/]+'})"

        out.append((re.compile("^" + re.sub(r"\{(\w+)\}", group, template) + "$"), template))
    # Literal segments win over parameters (issues/comments/{id} before issues/{issue_number}).
    return tuple(sorted(out, key=lambda pair: pair[1].count("{")))


def match_path(api_path: str) -> tuple[str, dict[str, str]] | None:
    """(template, decoded path parameters) for a path without the API prefix, or None."""
    api_path = _BY_ID.sub("/repos/_/_", api_path)
    for rx, template in _templates():
        m = rx.match(api_path)
        if m:
            return template, {k: unquote(v) for k, v in m.groupdict().items()}
    return None


def match_template(api_path: str) -> str | None:
    """The subset's path template for a path without the /api/v3 prefix, or None."""
    found = match_path(api_path)
    return found[0] if found else None


def documented_statuses(template: str, method: str) -> frozenset[str]:
    return frozenset(load_subset()["paths"][template][method.lower()].get("responses", {}))


# ---- raw objects implementing openapi-core's Request/Response protocols ------------------------------------


@dataclass
class _Request:
    host_url: str
    path: str
    # Given, so openapi-core skips its own template search (whose {param} never spans a "/").
    path_pattern: str
    method: str
    body: bytes | None
    content_type: str
    parameters: Any = field(default=None)


@dataclass
class _Response:
    status_code: int
    data: bytes | None
    headers: Any
    content_type: str


def _build(
    method: str,
    template: str,
    path_params: dict[str, str],
    query: str,
    request_headers: Mapping[str, str],
    request_body: bytes | None,
    prefix: str,
    url_path: str,
) -> _Request:
    from openapi_core.datatypes import RequestParameters
    from werkzeug.datastructures import Headers, ImmutableMultiDict

    headers = Headers(list(request_headers.items()))
    content_type = (headers.get("Content-Type") or ("application/json" if request_body else "")).lower()
    return _Request(
        host_url=_HOST,
        path=url_path,
        path_pattern=prefix + template,
        method=method.lower(),
        body=request_body or None,
        content_type=content_type,
        parameters=RequestParameters(
            query=ImmutableMultiDict(parse_qsl(query, keep_blank_values=True)),
            header=headers,
            path=path_params,
        ),
    )


def describe(exc: BaseException) -> str:
    """One line per concrete schema error, with its JSON path; openapi-core nests them in causes."""
    lines: list[str] = []
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        err = todo.pop()
        if id(err) in seen:
            continue
        seen.add(id(err))
        for schema_error in getattr(err, "schema_errors", ()) or ():
            where = "/".join(str(p) for p in schema_error.absolute_path) or "<root>"
            lines.append(f"{where}: {schema_error.message[:300]}")
        todo.extend(e for e in (err.__cause__, err.__context__) if e is not None)
        todo.extend(getattr(err, "errors", ()) or ())
    return "; ".join(lines) if lines else f"{type(exc).__name__}: {exc}"


def _check_not_modified(
    where: str,
    method: str,
    request_headers: Mapping[str, str],
    response_headers: Mapping[str, str],
    response_body: bytes | None,
) -> None:
    """HTTP's rules for a 304 (RFC 9110, 15.4.5), which the description cannot say: it answers a conditional
    GET, has no body, and repeats the validator."""
    from werkzeug.datastructures import Headers

    asked, answered = Headers(list(request_headers.items())), Headers(list(response_headers.items()))
    if method.upper() not in ("GET", "HEAD"):
        raise ConformanceError(f"{where} -> 304: only a GET or HEAD can be answered Not Modified")
    if not (asked.get("If-None-Match") or asked.get("If-Modified-Since")):
        raise ConformanceError(f"{where} -> 304: the request was not conditional (no If-None-Match)")
    if response_body:
        raise ConformanceError(f"{where} -> 304: a Not Modified answer has no body")
    if not answered.get("ETag"):
        raise ConformanceError(f"{where} -> 304: the answer does not repeat the ETag")


def validate_exchange(
    method: str,
    url_path: str,
    query: str,
    request_headers: Mapping[str, str],
    request_body: bytes | None,
    status: int,
    response_headers: Mapping[str, str],
    response_body: bytes | None,
    *,
    prefix: str = "/api/v3",
) -> None:
    """Raise ConformanceError unless the request and its response fit GitHub's description.

    `url_path` is the server path including `prefix` (the sandbox serves the API under /api/v3, like GHES).
    A status the operation does not document is not checked (see the module docstring).
    """
    from werkzeug.datastructures import Headers

    if not url_path.startswith(prefix):
        raise ConformanceError(f"{method} {url_path}: not under the API prefix {prefix}")
    api_path = url_path[len(prefix) :] or "/"
    found = match_path(api_path)
    where = f"{method.upper()} {url_path}"
    if found is None:
        raise ConformanceError(f"{where}: no such path in the pinned GitHub description subset")
    template, path_params = found
    if method.lower() not in load_subset()["paths"][template]:
        raise ConformanceError(f"{where}: method not in the subset for {template}")

    openapi = _openapi()
    request = _build(method, template, path_params, query, request_headers, request_body, prefix, url_path)
    try:
        openapi.validate_request(request)
    except Exception as exc:  # openapi-core raises a family of errors; all mean "invalid request"
        raise ConformanceError(f"{where} request: {describe(exc)}") from exc

    if status == 304:
        _check_not_modified(where, method, request_headers, response_headers, response_body)
    if str(status) not in documented_statuses(template, method) and "default" not in documented_statuses(
        template, method
    ):
        return
    headers = Headers(list(response_headers.items()))
    content_type = (headers.get("Content-Type") or ("application/json" if response_body else "")).lower()
    response = _Response(status, response_body or None, headers, content_type)
    try:
        openapi.validate_response(request, response)
    except Exception as exc:
        raise ConformanceError(f"{where} -> {status} response: {describe(exc)}") from exc


# ---- Slack ------------------------------------------------------------------------------------------------


@cache
def load_slack_subset() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SLACK_SUBSET_PATH.read_text(encoding="utf-8"))
    return data


@cache
def _slack_openapi() -> Any:
    from openapi_core import OpenAPI
    from openapi_core.configurations import Config

    return OpenAPI.from_dict(load_slack_subset(), config=Config(spec_validator_cls=None))


def _argument(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def validate_slack_exchange(
    method: str,
    url_path: str,
    query: str,
    request_headers: Mapping[str, str],
    body_arguments: Mapping[str, Any] | None,
    status: int,
    response_headers: Mapping[str, str],
    response_body: bytes | None,
) -> None:
    """Raise ConformanceError unless a Web API call and its answer fit Slack's description (see the module
    docstring for how Slack's POST bodies and `ok: false` answers are read).

    `url_path` is the server path (/slack/api/conversations.history); `body_arguments` the POST body's
    arguments (form fields or a JSON object), None for none.
    """
    from openapi_core.datatypes import RequestParameters
    from werkzeug.datastructures import Headers, ImmutableMultiDict

    where = f"{method.upper()} {url_path}"
    if not url_path.startswith(SLACK_PREFIX + "/"):
        raise ConformanceError(f"{where}: not under the Slack prefix {SLACK_PREFIX}/")
    template = url_path[len(SLACK_PREFIX) :]
    if template not in load_slack_subset()["paths"]:
        raise ConformanceError(f"{where}: no such method in the pinned Slack description subset")
    if method.upper() not in ("GET", "POST"):
        raise ConformanceError(f"{where}: Slack's methods take GET or POST")
    arguments = parse_qsl(query, keep_blank_values=True)
    arguments += [(k, _argument(v)) for k, v in (body_arguments or {}).items() if v is not None]
    headers = Headers(list(request_headers.items()))
    request = _Request(
        host_url=_HOST,
        path=url_path,
        path_pattern=SLACK_PREFIX + template,
        method="get",
        body=None,
        content_type="",
        parameters=RequestParameters(query=ImmutableMultiDict(arguments), header=headers, path={}),
    )
    openapi = _slack_openapi()
    try:
        openapi.validate_request(request)
    except Exception as exc:
        raise ConformanceError(f"{where} request: {describe(exc)}") from exc

    if status not in (200, 429):
        return
    checked_as = status
    if status == 200:
        try:
            ok = json.loads(response_body or b"null").get("ok")
        except (ValueError, AttributeError) as exc:
            raise ConformanceError(f"{where} -> {status}: the answer is not a JSON object") from exc
        checked_as = 200 if ok is True else _SLACK_DEFAULT_STATUS
    answer_headers = Headers(list(response_headers.items()))
    content_type = (answer_headers.get("Content-Type") or "application/json").lower()
    response = _Response(checked_as, response_body or None, answer_headers, content_type)
    try:
        openapi.validate_response(request, response)
    except Exception as exc:
        label = status if checked_as == status else f"{status} (ok: false)"
        raise ConformanceError(f"{where} -> {label} response: {describe(exc)}") from exc


def _encode(body: Any) -> bytes | None:
    return None if body is None else json.dumps(body).encode()


def validate_log(entries: Iterable[Mapping[str, Any]], *, prefix: str = "/api/v3") -> list[str]:
    """Check every REST and Slack entry of a sandbox request log (GET /_sandbox/requests?bodies=1); return
    problems.

    Entries need method, path, query (dict or string), status, request/response headers and bodies (parsed
    JSON or null; a Slack entry's request body is its POST arguments). Git traffic and dropped connections
    (status None) are skipped.
    """
    problems = []
    for entry in entries:
        if entry.get("kind") == "git" or entry.get("status") is None:
            continue
        query = entry.get("query") or ""
        if isinstance(query, Mapping):
            query = urlencode(list(query.items()))
        if entry.get("route") == "/graphql":
            from pmaction.sandbox.graphql_api import exchange_problem

            status, answer = int(entry["status"]), entry.get("response_body")
            found = exchange_problem(entry.get("request_body"), status, answer)
            problems += [f"#{entry.get('seq')} {found}"] if found else []
            continue
        try:
            if entry.get("kind") == "slack":
                validate_slack_exchange(
                    entry["method"],
                    entry["path"],
                    query,
                    entry.get("request_headers") or {},
                    entry.get("request_body"),
                    int(entry["status"]),
                    entry.get("response_headers") or {},
                    _encode(entry.get("response_body")),
                )
                continue
            validate_exchange(
                entry["method"],
                entry["path"],
                query,
                entry.get("request_headers") or {},
                _encode(entry.get("request_body")),
                int(entry["status"]),
                entry.get("response_headers") or {},
                _encode(entry.get("response_body")),
                prefix=prefix,
            )
        except ConformanceError as exc:
            seq = entry.get("seq")
            problems.append(f"#{seq} {exc}" if seq is not None else str(exc))
    return problems
