"""The wiki edge's pure text helpers: which file names may be written, the dry run's diff, and scrubbing
the token from anything git prints."""

from __future__ import annotations

import base64
import difflib
from collections.abc import Mapping


def page_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be written as a wiki page file, or None. GitHub flattens folders, so only
    top-level files are written."""
    if not name or "/" in name or "\\" in name:
        return f"{name!r} is not a top-level wiki file name"
    if name.startswith(".") or name in (".", ".."):
        return f"{name!r} is a hidden file, not a wiki page"
    if "\0" in name or "\n" in name:
        return f"{name!r} holds a control character"
    return None


def unified_diff(before: Mapping[str, str], changes: Mapping[str, str]) -> str:
    """A ``git diff``-like unified diff of ``changes`` against ``before`` (new pages from /dev/null)."""
    out: list[str] = []
    for name in sorted(changes):
        old = before.get(name)
        old_lines = _lines(old) if old is not None else []
        lines = difflib.unified_diff(
            old_lines,
            _lines(changes[name]),
            fromfile=f"a/{name}" if old is not None else "/dev/null",
            tofile=f"b/{name}",
        )
        out.extend(lines)
    return "".join(out)


def _lines(text: str) -> list[str]:
    # Split on "\n" only, as git does (str.splitlines would also break at form feeds and U+2028).
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1] + "\n\\ No newline at end of file\n")
    return lines


def scrub(text: str, token: str) -> str:
    """``text`` without the token in any form git could print it (raw, user:token, base64 header)."""
    if not token:
        return text
    for secret in sorted(_secret_forms(token), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def _secret_forms(token: str) -> set[str]:
    return {token, f"x-access-token:{token}", _basic(token)}


def _basic(token: str) -> str:
    return base64.b64encode(f"x-access-token:{token}".encode()).decode()
