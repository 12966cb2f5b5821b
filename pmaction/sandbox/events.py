"""Real GitHub event payloads, re-aimed at sandbox data.

`payloads/*.json` are verbatim webhook examples (see payloads/README.md). A test that feeds pmaction's Actions
adapter a payload wants GitHub's exact shape but the sandbox's repository, issue and people, so that the
follow-up API calls land on the sandbox: `retarget_payload` does that on a deep copy.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

PAYLOADS = Path(__file__).resolve().parent / "payloads"
_API = "https://api.github.com"
_WEB = "https://github.com"


def payload_names() -> list[str]:
    """Names accepted by load_payload, e.g. "issues.opened", "gollum"."""
    return sorted(p.stem for p in PAYLOADS.glob("*.json"))


def load_payload(name: str) -> dict[str, Any]:
    """A fresh copy of a stored payload; `name` is "<event>.<action>" or "<event>" (".json" optional)."""
    stem = name.removesuffix(".json")
    path = PAYLOADS / f"{stem}.json"
    if not path.is_file():
        raise KeyError(f"no stored payload {stem!r}; have: {', '.join(payload_names())}")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _rewrite_strings(node: Any, replacements: list[tuple[str, str]]) -> Any:
    """Apply prefix-free substring replacements to every string, in order (longest, most specific first)."""
    if isinstance(node, dict):
        return {k: _rewrite_strings(v, replacements) for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite_strings(v, replacements) for v in node]
    if isinstance(node, str):
        for old, new in replacements:
            node = node.replace(old, new)
        return node
    return node


def _rename_user(user: Any, login: str, *, server_url: str, api_url: str) -> None:
    if not isinstance(user, dict) or "login" not in user:
        return
    old = user["login"]
    user.update(
        _rewrite_strings(
            user,
            [
                (f"{api_url}/users/{old}", f"{api_url}/users/{login}"),
                (f"{server_url}/{old}", f"{server_url}/{login}"),
            ],
        )
    )
    user["login"] = login


def retarget_payload(
    payload: dict[str, Any],
    *,
    full_name: str,
    issue: dict[str, Any] | None,
    server_url: str,
    api_url: str,
    label: str | None = None,
    sender: str | None = None,
    repository: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A deep copy of `payload` that points at sandbox data.

    - every api.github.com / github.com URL moves to `api_url` / `server_url`, and the example's repository
      (e.g. Codertocat/Hello-World) becomes `full_name` in URLs, `repository.name/full_name/owner.login`;
    - `issue` (a REST issue object from the sandbox) is laid over the payload's issue: the sandbox's fields
      win, fields only webhooks carry keep their (retargeted) example values;
    - `label` replaces `label` (taken from the issue's labels when it has one by that name);
    - `sender` renames the sender;
    - `repository` (a REST repository object from the sandbox), if given, is laid over `repository`.
    """
    server_url = server_url.rstrip("/")
    api_url = api_url.rstrip("/")
    out = copy.deepcopy(payload)
    old_repo = (out.get("repository") or {}).get("full_name")
    owner, _, name = full_name.partition("/")
    replacements: list[tuple[str, str]] = []
    if old_repo:
        replacements += [
            (f"{_API}/repos/{old_repo}", f"{api_url}/repos/{full_name}"),
            (f"{_WEB}/{old_repo}", f"{server_url}/{full_name}"),
        ]
    replacements += [(_API, api_url), (_WEB, server_url)]
    out = _rewrite_strings(out, replacements)

    repo = out.get("repository")
    if isinstance(repo, dict):
        repo.update(name=name, full_name=full_name)
        _rename_user(repo.get("owner"), owner, server_url=server_url, api_url=api_url)
        if repository is not None:
            repo.update(copy.deepcopy(repository))
    if issue is not None:
        out["issue"] = {**(out.get("issue") or {}), **copy.deepcopy(issue)}
    if label is not None:
        known = [lb for lb in (out.get("issue") or {}).get("labels", []) if isinstance(lb, dict)]
        match = next((lb for lb in known if lb.get("name") == label), None)
        if match is not None:
            out["label"] = copy.deepcopy(match)
        else:
            out["label"] = {
                **(out.get("label") or {}),
                "name": label,
                "url": f"{api_url}/repos/{full_name}/labels/{quote(label)}",
            }
    if sender is not None:
        _rename_user(out.get("sender"), sender, server_url=server_url, api_url=api_url)
    return out
