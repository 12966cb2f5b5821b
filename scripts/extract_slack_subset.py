#!/usr/bin/env python3
"""Cut the part of Slack's published Web API description that the sandbox's Slack stand-in serves.

Slack publishes its Web API as Swagger 2.0 (repository slackapi/slack-api-specs, file
web-api/slack_web_openapi_v2.json). The stand-in's exchanges are checked against that description in the test
suite, so it must come from Slack's file, pinned, and be reproducible. This script never fetches the file:
give it a local copy (CI cannot fetch), e.g.

    git clone https://github.com/slackapi/slack-api-specs
    git -C slack-api-specs show \\
      bc08db49625630e3585bf2f1322128ea04f2a7f3:web-api/slack_web_openapi_v2.json > slack_web_openapi_v2.json
    python scripts/extract_slack_subset.py slack_web_openapi_v2.json

Steps:
1. cut: only the METHODS below, with the closure of every `#/definitions/...` `$ref` they reach; prose
   (descriptions, titles, externalDocs, operationId, tags) and the security declarations are dropped; the
   response examples are kept (the tests use them as Slack's own known answers);
2. convert the cut Swagger 2.0 document to OpenAPI 3.0 with the npm package swagger2openapi --patch (pinned
   below; `npx` fetches it from the npm registry, or pass `--swagger2openapi PATH` to an installed binary);
3. patch: every place where the description disagrees with what slack.com answers (or with itself) is fixed
   by one function in PATCHES and recorded in `info.x-pmaction-patches`. Slack's schemas are JSON Schema
   (type lists, `type: "null"`), which OpenAPI 3.1 reads and 3.0 does not: the result is declared 3.1.0.

Output: pmaction/sandbox/openapi/slack-web-subset.json (sorted keys, 2-space indent, trailing newline).
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import spec_walk  # scripts/ is on sys.path when a script runs

SPEC_REPO = "slackapi/slack-api-specs"
SPEC_COMMIT = "bc08db49625630e3585bf2f1322128ea04f2a7f3"  # HEAD of the default branch (2021-09-03)
SPEC_FILE = "web-api/slack_web_openapi_v2.json"
# sha256 of the file at SPEC_COMMIT; another file is a warning
SPEC_SHA256 = "742a5c977180a829df8767cf57bc417d99b3713583aee83741efb9c08ca731e7"
SOURCE = f"github.com/{SPEC_REPO}@{SPEC_COMMIT} {SPEC_FILE}"
CONVERTER = "swagger2openapi@7.0.8"
OUT = Path(__file__).resolve().parent.parent / "pmaction" / "sandbox" / "openapi" / "slack-web-subset.json"
SERVER = "/slack/api"  # where the sandbox serves the stand-in (Slack's own: https://slack.com/api)

# The Web API methods the stand-in serves (the engine reads a channel's history through them).
METHODS = (
    "/auth.test",
    "/conversations.list",
    "/conversations.info",
    "/conversations.history",
    "/conversations.replies",
    "/users.info",
    "/chat.getPermalink",
)

DROP_KEYS = frozenset(
    {"description", "summary", "externalDocs", "title", "operationId", "tags", "security", "x-examples"}
)
# Maps whose keys are names (a property called `title`): their keys are never dropped.
NAME_MAPS = frozenset({"properties", "patternProperties", "responses", "headers", "definitions"})
# Values that are data, not description: left exactly as Slack wrote them.
DATA_KEYS = frozenset({"examples", "example", "enum", "default"})


# ---- 1. cut ------------------------------------------------------------------------------------------------


def iter_refs(node: Any) -> Iterator[str]:
    # Examples are data, and `default` may be a response's name: only examples are not looked into.
    return spec_walk.iter_refs(node, skip=frozenset({"examples", "example"}))


def strip_prose(node: Any) -> Any:
    """Drop DROP_KEYS from schema and operation objects, leaving name maps' keys and data values alone."""
    return spec_walk.strip_prose(node, drop=DROP_KEYS, data=DATA_KEYS, name_maps=NAME_MAPS)


def cut(spec: dict[str, Any]) -> dict[str, Any]:
    if spec.get("swagger") != "2.0":
        raise SystemExit(f"expected a Swagger 2.0 document, got swagger={spec.get('swagger')!r}")
    paths = {method: copy.deepcopy(spec["paths"][method]) for method in METHODS}
    definitions: dict[str, Any] = {}
    pending = list(iter_refs(paths))
    while pending:
        ref = pending.pop()
        if not ref.startswith("#/definitions/"):
            raise SystemExit(f"unexpected $ref {ref}")
        name = ref.removeprefix("#/definitions/")
        if name in definitions:
            continue
        definitions[name] = copy.deepcopy(spec["definitions"][name])
        pending.extend(iter_refs(definitions[name]))
    return {
        "swagger": "2.0",
        "info": {
            "title": "Slack Web API subset served by the pmaction sandbox",
            "version": spec["info"]["version"],
        },
        "basePath": SERVER,
        "paths": {path: strip_prose(item) for path, item in paths.items()},
        "definitions": {name: strip_prose(obj) for name, obj in sorted(definitions.items())},
    }


# ---- 2. convert --------------------------------------------------------------------------------------------


def convert(swagger: dict[str, Any], command: list[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="pmaction-slack-") as tmp:
        source, target = Path(tmp) / "swagger.json", Path(tmp) / "openapi.json"
        source.write_text(json.dumps(swagger), encoding="utf-8")
        subprocess.run([*command, "--patch", str(source), "--outfile", str(target)], check=True)
        converted: dict[str, Any] = json.loads(target.read_text(encoding="utf-8"))
    return converted


# ---- 3. patches to Slack's text ----------------------------------------------------------------------------
# Each patch fixes a place where the published description disagrees with what slack.com answers (or with
# itself). A patch that no longer applies fails loudly so the pin can be bumped knowingly.


def _ops(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        yield path, item["get"]


def _schemas(spec: dict[str, Any]) -> dict[str, Any]:
    schemas: dict[str, Any] = spec["components"]["schemas"]
    return schemas


def _media_schema(response: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = response["content"]["application/json"]["schema"]
    return schema


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for key, value in node.items():
            if key not in DATA_KEYS:
                yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def _patch_openapi_31(spec: dict[str, Any]) -> str:
    # Slack's schemas are JSON Schema draft 4 (`type: ["null", "string"]`, `type: "null"`), which OpenAPI 3.0
    # cannot say; swagger2openapi --patch rewrites them as 3.0 `nullable`. OpenAPI 3.1 (JSON Schema 2020-12)
    # says them directly, and is needed for prefixItems below: back to type lists, declared 3.1.0.
    if not str(spec.get("openapi", "")).startswith("3.0"):
        raise LookupError(f"converter wrote openapi {spec.get('openapi')}")
    spec["openapi"] = "3.1.0"
    for node in list(_walk(spec)):
        if node.pop("nullable", False) is not True:
            continue
        if isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
            if isinstance(node.get("enum"), list) and None not in node["enum"]:
                node["enum"].append(None)
        elif "oneOf" in node or "anyOf" in node:
            node["oneOf" if "oneOf" in node else "anyOf"].append({"type": "null"})
        else:
            node["type"] = "null"
    return "declared OpenAPI 3.1.0: the converter's 3.0 `nullable` back to Slack's JSON Schema type lists"


def _patch_tuple_items(spec: dict[str, Any]) -> str:
    # Slack writes "one of these" as a draft-4 tuple `items: [A, B]` on schemas that are not arrays
    # (objs_conversation, objs_user, objs_response_metadata, `latest`, `tz`, `bot_id`, ...); swagger2openapi
    # makes each `items: {anyOf: [A, B]}`. On an object or a string `items` checks nothing, so as written
    # these schemas accept anything. Read as intended: the schema itself is anyOf [A, B].
    fixed = 0
    for node in list(_walk(spec)):
        items = node.get("items")
        if node.get("type") != "array" and isinstance(items, dict) and set(items) == {"anyOf"}:
            node["anyOf"] = node.pop("items")["anyOf"]
            fixed += 1
    if not fixed:
        raise LookupError("no tuple-form items left on non-array schemas")
    return f"tuple-form items on {fixed} non-array schemas (objs_conversation, objs_user, ...) read as anyOf"


def _replies_schema(spec: dict[str, Any]) -> dict[str, Any]:
    response = spec["paths"]["/conversations.replies"]["get"]["responses"]["200"]
    messages: dict[str, Any] = _media_schema(response)["properties"]["messages"]
    return messages


def _patch_replies_parent_first(spec: dict[str, Any]) -> str:
    # conversations.replies: `items: [parent, reply]` is a draft-4 tuple (the converter made it "each message
    # is a parent or a reply"). Slack answers the parent first, then the replies: prefixItems [parent],
    # items reply. A message without a thread comes back alone, without thread_ts or reply_count
    # (objs_message).
    messages = _replies_schema(spec)
    variants = messages.get("items", {}).get("anyOf")
    if messages.get("type") != "array" or not isinstance(variants, list) or len(variants) != 2:
        raise LookupError("conversations.replies messages are no longer [parent, reply]")
    parent, reply = variants
    messages["prefixItems"] = [{"anyOf": [parent, {"$ref": "#/components/schemas/objs_message"}]}]
    messages["items"] = reply
    return "conversations.replies: parent (or a lone unthreaded message) first, then replies (prefixItems)"


_EDITED = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "user": {"$ref": "#/components/schemas/defs_user_id"},
        "ts": {"$ref": "#/components/schemas/defs_ts"},
    },
    "required": ["user", "ts"],
}


def _patch_message_fields(spec: dict[str, Any]) -> str:
    # Messages are `additionalProperties: false`, yet Slack sends `edited: {user, ts}` on every edited
    # message, and the two message shapes of conversations.replies lack `reactions` (objs_message has them).
    reaction_list = {"type": "array", "items": {"$ref": "#/components/schemas/objs_reaction"}}
    message = _schemas(spec)["objs_message"]["properties"]
    if "edited" in message:
        raise LookupError("objs_message already has edited")
    message["edited"] = copy.deepcopy(_EDITED)
    messages = _replies_schema(spec)
    for shape in (messages["prefixItems"][0]["anyOf"][0], messages["items"]):
        props = shape["properties"]
        if "reactions" in props:
            raise LookupError("conversations.replies messages already have reactions")
        props["reactions"] = copy.deepcopy(reaction_list)
        props["edited"] = copy.deepcopy(_EDITED)
    return "messages: add edited {user, ts} (objs_message, replies) and reactions (the replies' two shapes)"


def _patch_history_fields(spec: dict[str, Any]) -> str:
    # conversations.history: Slack's own example carries response_metadata.next_cursor (cursor pagination),
    # but the schema is additionalProperties: false without it; and `messages` has minItems 1 although an
    # empty channel (or range) answers `messages: []`.
    response = spec["paths"]["/conversations.history"]["get"]["responses"]["200"]
    schema = _media_schema(response)
    if "response_metadata" in schema["properties"]:
        raise LookupError("conversations.history already documents response_metadata")
    schema["properties"]["response_metadata"] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"next_cursor": {"type": "string"}},
        "required": ["next_cursor"],
    }
    messages = schema["properties"]["messages"]
    if messages.pop("minItems", None) != 1:
        raise LookupError("conversations.history messages no longer have minItems 1")
    replies = _media_schema(spec["paths"]["/conversations.replies"]["get"]["responses"]["200"])
    if "response_metadata" in replies["properties"]:
        raise LookupError("conversations.replies already documents response_metadata")
    replies["properties"]["response_metadata"] = copy.deepcopy(schema["properties"]["response_metadata"])
    return "conversations.history/replies: add response_metadata.next_cursor; history messages may be empty"


# Errors slack.com answers that the description's enums lack: (methods, errors).
_MISSING_ERRORS: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    (METHODS, ("ratelimited",)),  # HTTP 429 + Retry-After, body {"ok": false, "error": "ratelimited"}
    (("/conversations.history", "/conversations.replies"), ("not_in_channel",)),
    (("/conversations.list", "/conversations.history", "/conversations.replies"), ("invalid_cursor",)),
    (("/conversations.replies",), ("invalid_ts_latest", "invalid_ts_oldest")),  # history lists them
]


def _patch_error_enums(spec: dict[str, Any]) -> str:
    # The error enums predate `ratelimited` (every method, with HTTP 429), `not_in_channel` (history and
    # replies when the bot is not a member) and `invalid_cursor` (every cursor-paginated method); replies
    # lacks the invalid_ts_* errors that history has for the same oldest/latest arguments.
    added: list[str] = []
    for methods, errors in _MISSING_ERRORS:
        for method in methods:
            default = spec["paths"][method]["get"]["responses"]["default"]
            enum = _media_schema(default)["properties"]["error"]["enum"]
            for error in errors:
                if error not in enum:
                    enum.append(error)
                    added.append(f"{method.lstrip('/')}:{error}")
    if not added:
        raise LookupError("every error is documented already")
    return (
        "error enums: add "
        + ", ".join(sorted({a.split(":")[1] for a in added}))
        + " where Slack answers them"
    )


def _patch_token_argument(spec: dict[str, Any]) -> str:
    # The description has the token as a `token` argument (required by auth.test as a header named `token`,
    # by users.info and chat.getPermalink as a query argument). Slack takes `Authorization: Bearer xoxb-...`,
    # which is what slack_sdk sends; a token argument is the legacy alternative.
    changed = []
    for path, op in _ops(spec):
        kept = []
        for param in op.get("parameters", []):
            if param.get("name") != "token":
                kept.append(param)
                continue
            if param.get("in") == "header" or param.get("required"):
                changed.append(path.lstrip("/"))
            if param.get("in") == "query":
                param.pop("required", None)
                kept.append(param)
        op["parameters"] = kept
    if not changed:
        raise LookupError("no required token argument left")
    return "token argument optional (Authorization: Bearer instead): " + ", ".join(sorted(changed))


def _patch_channel_id_pattern(spec: dict[str, Any]) -> str:
    # The same channel ID is `^[C][A-Z0-9]{2,}$` (defs_channel_id) in one place and `^[CGD][A-Z0-9]{8,}$`
    # (defs_channel: conversation `id`, chat.getPermalink `channel`) in another; the description disagrees
    # with itself. Aligned on the looser length so one ID (e.g. C01INC) passes both.
    channel = _schemas(spec)["defs_channel"]
    if channel.get("pattern") != "^[CGD][A-Z0-9]{8,}$":
        raise LookupError(f"defs_channel pattern is {channel.get('pattern')!r}")
    channel["pattern"] = "^[CGD][A-Z0-9]{2,}$"
    return "defs_channel: ^[CGD][A-Z0-9]{8,}$ -> {2,}, as defs_channel_id for the same IDs"


PATCHES: list[Callable[[dict[str, Any]], str]] = [
    _patch_openapi_31,
    _patch_tuple_items,
    _patch_replies_parent_first,
    _patch_message_fields,
    _patch_history_fields,
    _patch_error_enums,
    _patch_token_argument,
    _patch_channel_id_pattern,
]


def apply_patches(subset: dict[str, Any]) -> list[str]:
    applied = []
    for patch in PATCHES:
        try:
            applied.append(patch(subset))
        except (KeyError, LookupError, IndexError) as exc:
            raise SystemExit(f"patch {patch.__name__} no longer applies: {exc!r}") from exc
    return applied


def finish(converted: dict[str, Any], source_sha256: str) -> dict[str, Any]:
    converted["servers"] = [{"url": SERVER}]
    converted["info"]["x-pmaction-source"] = SOURCE
    converted["info"]["x-pmaction-source-sha256"] = source_sha256
    converted["info"]["x-pmaction-converter"] = CONVERTER
    converted["info"]["license"] = {
        "name": "MIT",
        "url": f"https://github.com/{SPEC_REPO}/blob/master/LICENSE",
    }
    converted["info"]["x-pmaction-patches"] = apply_patches(converted)
    # OpenAPI requires `description` on every response object; restore a short one.
    for item in converted["paths"].values():
        for op in item.values():
            for response in op.get("responses", {}).values():
                response.setdefault("description", "-")
    return converted


def render(subset: dict[str, Any]) -> str:
    return json.dumps(subset, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", type=Path, help=f"a local copy of {SPEC_FILE} at {SPEC_COMMIT[:12]}")
    parser.add_argument(
        "--swagger2openapi",
        help=f"the converter to run (default: npx --yes {CONVERTER})",
    )
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)

    raw = args.spec.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SPEC_SHA256:
        print(
            f"warning: {args.spec} is not {SPEC_FILE} at {SPEC_COMMIT[:12]} (sha256 {digest})",
            file=sys.stderr,
        )
    spec = json.loads(raw)
    command = [args.swagger2openapi] if args.swagger2openapi else ["npx", "--yes", CONVERTER]
    subset = finish(convert(cut(spec), command), digest)
    text = render(subset)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    schemas = len(subset["components"].get("schemas", {}))
    print(f"wrote {args.out} ({len(text.encode()) // 1024} KiB, {schemas} schemas)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
