#!/usr/bin/env python3
"""Cut the part of GitHub's official REST description that pmaction touches.

The sandbox and pmaction's own requests are validated against this subset in the test suite, so it must come
from GitHub's published description, pinned, and be reproducible:

    python scripts/extract_openapi_subset.py                 # npm pack @octokit/openapi@23.0.2, then cut
    python scripts/extract_openapi_subset.py --from-file api.github.com.json

Output: pmaction/sandbox/openapi/github-rest-subset.json (sorted keys, 2-space indent, trailing newline).
Only the listed operations are kept, with the closure of every `#/components/...` `$ref` they reach.
Free-text noise (descriptions, summaries, externalDocs, inline examples, x-github metadata) is dropped: it
is not needed to validate and would make the file several times larger. One named example per 2xx media type
is kept (`default` when there is one), because the tests use them as known-good GitHub answers.
Every patch applied to GitHub's text is listed in PATCHES below and recorded in `info.x-pmaction-patches`.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import spec_walk  # scripts/ is on sys.path when a script runs
from npm_tarball import npm_pack_member

PACKAGE = "@octokit/openapi"
VERSION = "23.0.2"
MEMBER = "package/generated/api.github.com.json"
SOURCE = f"{PACKAGE}@{VERSION} api.github.com.json"
OUT = Path(__file__).resolve().parent.parent / "pmaction" / "sandbox" / "openapi" / "github-rest-subset.json"

# (path template, methods) pmaction uses, plus the few more the sandbox serves (issue labels GET/PUT,
# label PATCH/DELETE) so that every sandbox route is held to GitHub's description.
OPERATIONS: dict[str, tuple[str, ...]] = {
    "/repos/{owner}/{repo}": ("get",),
    "/repos/{owner}/{repo}/issues": ("get", "post"),
    "/repos/{owner}/{repo}/issues/{issue_number}": ("get", "patch"),
    "/repos/{owner}/{repo}/issues/{issue_number}/comments": ("get", "post"),
    "/repos/{owner}/{repo}/issues/comments": ("get",),  # nag: recent comments across the repo
    "/repos/{owner}/{repo}/issues/comments/{comment_id}": ("get", "patch", "delete"),
    "/repos/{owner}/{repo}/issues/{issue_number}/events": ("get",),
    "/repos/{owner}/{repo}/issues/{issue_number}/labels": ("get", "post", "put"),
    "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}": ("delete",),
    "/repos/{owner}/{repo}/labels": ("get", "post"),
    "/repos/{owner}/{repo}/labels/{name}": ("get", "patch", "delete"),
    "/repos/{owner}/{repo}/milestones": ("get", "post"),
    "/repos/{owner}/{repo}/milestones/{milestone_number}": ("get", "patch", "delete"),
    "/repos/{owner}/{repo}/collaborators/{username}": ("get",),
    "/repos/{owner}/{repo}/assignees": ("get",),  # who can be assigned: one listing per run
    "/repos/{owner}/{repo}/assignees/{assignee}": ("get",),
    "/repos/{owner}/{repo}/contents/{path}": ("get",),
    "/rate_limit": ("get",),
    "/users/{username}": ("get",),  # meetings: an attendee's public e-mail, when GitHub shows one
    # What changed in the repository around an incident: deployments, releases, merged pulls, workflow runs.
    "/repos/{owner}/{repo}/deployments": ("get",),
    "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses": ("get",),
    "/repos/{owner}/{repo}/releases": ("get",),
    "/repos/{owner}/{repo}/pulls": ("get",),
    "/repos/{owner}/{repo}/actions/runs": ("get",),
}

# Keys that carry prose or tooling metadata only; validation never reads them.
DROP_KEYS = frozenset(
    {
        "description",
        "summary",
        "externalDocs",
        "example",
        "tags",
        "title",
        "operationId",
        "x-github",
        "x-octokit",
        "x-github-breaking-changes",
    }
)
# Maps whose keys are names (a property called `description`, a header called `x-rate-limit-limit`):
# their keys are never dropped, only their values are cleaned.
NAME_MAPS = frozenset(
    {
        "properties",
        "patternProperties",
        "responses",
        "headers",
        "examples",
        "content",
        "mapping",
    }
)
# Values that are data, not description: left exactly as GitHub wrote them.
DATA_KEYS = frozenset({"value", "default", "enum"})


def npm_pack(workdir: Path) -> Path:
    return npm_pack_member(PACKAGE, VERSION, MEMBER, workdir)


def iter_refs(node: Any) -> Iterator[str]:
    return spec_walk.iter_refs(node)


def strip_prose(node: Any) -> Any:
    """Drop DROP_KEYS from OpenAPI objects, leaving name maps' keys and data values alone."""
    return spec_walk.strip_prose(node, drop=DROP_KEYS, data=DATA_KEYS, name_maps=NAME_MAPS)


def trim_media_examples(operation: dict[str, Any]) -> None:
    """Keep one example per 2xx media type (`default` if named so); the others are dead weight."""
    for status, response in operation.get("responses", {}).items():
        for media in response.get("content", {}).values():
            examples = media.pop("examples", None)
            media.pop("example", None)
            if status.startswith("2") and examples:
                name = "default" if "default" in examples else next(iter(examples))
                media["examples"] = {name: examples[name]}
    for media in operation.get("requestBody", {}).get("content", {}).values():
        media.pop("examples", None)


def resolve(spec: dict[str, Any], ref: str) -> Any:
    if not ref.startswith("#/"):
        raise ValueError(f"external $ref not supported: {ref}")
    node: Any = spec
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def cut(spec: dict[str, Any]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, methods in OPERATIONS.items():
        item = spec["paths"][path]
        kept: dict[str, Any] = {m: json.loads(json.dumps(item[m])) for m in methods}
        for op in kept.values():
            trim_media_examples(op)
        if "parameters" in item:
            kept["parameters"] = item["parameters"]
        paths[path] = kept

    components: dict[str, dict[str, Any]] = {}
    pending = list(iter_refs(paths))
    seen: set[str] = set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, section, kind, name = ref.split("/", 3)
        assert section == "components", ref
        target = resolve(spec, ref)
        components.setdefault(kind, {})[name] = target
        pending.extend(iter_refs(target))

    out = {
        "openapi": spec["openapi"],
        "info": {
            "title": "GitHub REST API subset used by pmaction",
            "version": spec["info"]["version"],
            "license": spec["info"].get("license"),
            "x-pmaction-source": SOURCE,
        },
        "servers": [{"url": "/api/v3"}],
        # Paths and components are maps of names to OpenAPI objects: clean each object, keep every name.
        "paths": {path: {key: strip_prose(obj) for key, obj in item.items()} for path, item in paths.items()},
        "components": {
            kind: {name: strip_prose(obj) for name, obj in sorted(objs.items())}
            for kind, objs in components.items()
        },
    }
    # OpenAPI requires `description` on every response object; restore a short one.
    responses = [
        r
        for item in out["paths"].values()
        for op in item.values()
        if isinstance(op, dict)
        for r in op.get("responses", {}).values()
    ]
    responses += list(out["components"].get("responses", {}).values())
    for response in responses:
        if "$ref" not in response:
            response["description"] = "-"
    return out


# ---- patches to GitHub's text ------------------------------------------------------------------------------
# Each patch fixes a place where the published description disagrees with what api.github.com answers
# (or with itself). A patch that no longer applies fails loudly so the pin can be bumped knowingly.


def _patch_full_repository_example(spec: dict[str, Any]) -> str:
    # GitHub's own example for GET /repos/{owner}/{repo} lacks `language` at the top level and in `source`,
    # although `full-repository` / `repository` require it (nullable). api.github.com always sends it.
    example = spec["components"]["examples"]["full-repository-default-response"]["value"]
    patched = []
    for where, repo in (
        ("", example),
        ("source.", example.get("source")),
        ("parent.", example.get("parent")),
    ):
        if isinstance(repo, dict) and "language" not in repo:
            repo["language"] = None
            patched.append(f"{where}language")
    if not patched:
        raise LookupError("full-repository-default-response already has language everywhere")
    return f"components/examples/full-repository-default-response: add {', '.join(patched)} = null (required)"


def _iter_schemas(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            if key not in DATA_KEYS:
                yield from _iter_schemas(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _iter_schemas(item, f"{where}/{i}")


def _patch_nullable_enums(spec: dict[str, Any]) -> str:
    # OpenAPI 3.0 `nullable: true` next to an `enum` without null: JSON Schema's enum check still rejects
    # null, so openapi-core refuses e.g. `state_reason: null` on every open issue, which GitHub sends.
    # OpenAPI 3.0.3 clarified that null must then be listed in the enum; GitHub's description does not.
    fixed = []
    for where, node in _iter_schemas(spec):
        if node.get("nullable") is True and isinstance(node.get("enum"), list) and None not in node["enum"]:
            node["enum"].append(None)
            fixed.append(where)
    if not fixed:
        raise LookupError("no nullable enum without null left")
    return f"nullable enums: add null to {len(fixed)} enums (e.g. issue state_reason)"


def _patch_nullable_without_type(spec: dict[str, Any]) -> str:
    # OpenAPI 3.0.3: `nullable: true` "adds null to the allowed types specified by the type keyword, only if
    # type is explicitly defined within the same Schema Object". GitHub writes `nullable: true` beside a
    # `oneOf`/`anyOf` with no `type` (issues/update `milestone`, whose own text says "use `null` to remove
    # the current milestone", and api.github.com does so), so a validator reading 3.0.3 to the letter refuses
    # the null that GitHub means to allow. Give each such schema the null branch its `nullable` stands for.
    fixed = []
    for where, node in _iter_schemas(spec):
        if node.get("nullable") is not True or "type" in node:
            continue
        for combinator in ("oneOf", "anyOf"):
            branches = node.get(combinator)
            if isinstance(branches, list) and not any(b.get("enum") == [None] for b in branches):
                branches.append({"enum": [None], "nullable": True})
                fixed.append(where)
    if not fixed:
        raise LookupError("no nullable oneOf/anyOf without a type left")
    example = "issues/update milestone"
    return f"nullable oneOf/anyOf without a type: a null branch in {len(fixed)} (e.g. {example})"


def _patch_issue_labels_array(spec: dict[str, Any]) -> str:
    # POST/PUT .../issues/{n}/labels: the prose says "you can pass ... an `array` of labels directly", and
    # api.github.com accepts it (PyGithub's add_to_labels and set_labels send a bare array), but each schema's
    # oneOf lists only {"labels": [...]} objects. Add the documented array form; PUT may send [] to clear.
    item = spec["paths"]["/repos/{owner}/{repo}/issues/{issue_number}/labels"]
    for method, min_items in (("post", 1), ("put", 0)):
        variants = item[method]["requestBody"]["content"]["application/json"]["schema"]["oneOf"]
        if any(v.get("type") == "array" for v in variants):
            raise LookupError(f"{method} issue labels already accepts an array")
        variants.append({"type": "array", "minItems": min_items, "items": {"type": "string"}})
    return "POST/PUT /repos/{owner}/{repo}/issues/{issue_number}/labels: accept a bare array of names"


def _patch_created_range(spec: dict[str, Any]) -> str:
    # GET .../actions/runs `created`: the prose says "created within the given date-time range" with GitHub's
    # search syntax (`>=2026-03-01T00:00:00Z`, `2026-03-01..2026-03-02`), and api.github.com takes those, but
    # the schema says `format: date-time`, which only a single timestamp satisfies.
    schema = spec["components"]["parameters"]["created"]["schema"]
    if schema.get("format") != "date-time":
        raise LookupError("the created parameter is no longer format: date-time")
    del schema["format"]
    return "GET /repos/{owner}/{repo}/actions/runs created: a search date range, not one date-time"


def _patch_pull_label_description(spec: dict[str, Any]) -> str:
    # pull-request-simple spells its labels inline with `description: string`, while the `label` schema (and
    # api.github.com, in a pull request's labels too) has a label without a description as `null`.
    labels = spec["components"]["schemas"]["pull-request-simple"]["properties"]["labels"]["items"]
    description = labels["properties"]["description"]
    if description.get("nullable") or description.get("type") != "string":
        raise LookupError("pull-request-simple label description is no longer a plain string")
    description["nullable"] = True
    return "pull-request-simple labels: description nullable, as in `label` (a label without one is null)"


def _patch_not_modified(spec: dict[str, Any]) -> str:
    # GitHub answers a GET whose If-None-Match names the current ETag with 304 Not Modified (its "Best
    # practices for using the REST API" page: "most endpoints return an etag header"), and pmaction's
    # re-reads rely on it; the description lists 304 on only some GETs (an issue, contents, pulls). Give
    # every GET of the subset the same bodiless `not_modified` response the others use.
    patched = []
    for path, item in spec["paths"].items():
        operation = item.get("get")
        if isinstance(operation, dict) and "304" not in operation["responses"]:
            operation["responses"]["304"] = {"$ref": "#/components/responses/not_modified"}
            patched.append(path)
    if not patched:
        raise LookupError("every GET already documents 304")
    if "not_modified" not in spec["components"].get("responses", {}):
        raise LookupError("components/responses/not_modified is not in the subset")
    return f"GET: 304 not_modified added where GitHub's description omits it ({len(patched)} operations)"


PATCHES: list[Callable[[dict[str, Any]], str]] = [
    _patch_full_repository_example,
    _patch_nullable_enums,
    _patch_nullable_without_type,
    _patch_issue_labels_array,
    _patch_created_range,
    _patch_pull_label_description,
    _patch_not_modified,
]


def apply_patches(subset: dict[str, Any]) -> list[str]:
    applied = []
    for patch in PATCHES:
        try:
            applied.append(patch(subset))
        except (KeyError, LookupError) as exc:
            raise SystemExit(f"patch {patch.__name__} no longer applies: {exc!r}") from exc
    return applied


def render(subset: dict[str, Any]) -> str:
    return json.dumps(subset, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from-file", type=Path, help="use this api.github.com.json instead of npm pack")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="pmaction-openapi-") as tmp:
        source = args.from_file or npm_pack(Path(tmp))
        spec = json.loads(source.read_text(encoding="utf-8"))
    if spec.get("info", {}).get("version") != VERSION:
        print(
            f"warning: spec says version {spec.get('info', {}).get('version')}, pinned {VERSION}",
            file=sys.stderr,
        )
    subset = cut(spec)
    subset["info"]["x-pmaction-patches"] = apply_patches(subset)
    text = render(subset)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    schemas = len(subset["components"].get("schemas", {}))
    print(f"wrote {args.out} ({len(text.encode()) // 1024} KiB, {schemas} schemas)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
