"""Point a release's action.yml at the published image, by digest.

    python3 scripts/release_action_yml.py ghcr.io/owner/pmaction@sha256:<64 hex digits> [action.yml]

The release workflow runs this on its own checkout after pushing the multi-arch image, then commits the
result on top of the tagged commit, so `uses: owner/pmaction@vX` pulls the image instead of building the
Dockerfile on every job. main keeps `image: "Dockerfile"` for contributors.

Only the value of `runs.image` changes: every other byte stays as it was (comments, quoting, blank lines,
line endings). Refused, with a one-line message and exit code 2: a reference without a sha256 digest (a tag
can move, a digest cannot), a tag next to the digest, a name a registry would reject (upper case, empty
parts), an action that is not a Docker action, and a `runs:` block this script cannot read line by line.
Standard library only: the release job runs it with the runner's python3.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

# One path component of an image name, as the distribution reference grammar has it (lower case only).
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_HOST = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?"
_NAME = re.compile(rf"(?:{_HOST}/)?{_COMPONENT}(?:/{_COMPONENT})*")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")

_TOP_KEY = re.compile(r"(?P<key>[A-Za-z_][\w-]*)[ \t]*:(?P<rest>.*)")
_CHILD = re.compile(
    r"(?P<lead>(?P<indent>[ ]+)(?P<key>[A-Za-z_][\w-]*)[ \t]*:[ \t]*)"
    r"(?P<value>\"[^\"]*\"|'[^']*'|[^\s#'\"](?:[^#]*?[^\s#])?)?"
    r"(?P<trail>[ \t]*(?:#.*)?)"
)


class ReleaseError(ValueError):
    """What is wrong with the reference or the file, in one line."""


def image_reference(reference: str) -> str:
    """`docker://NAME@sha256:HEX` from `NAME@sha256:HEX` (a leading `docker://` is accepted too)."""
    ref = reference.strip().removeprefix("docker://")
    name, at, digest = ref.rpartition("@")
    if not at:
        raise ReleaseError(f"{reference!r} has no digest: give NAME@sha256:<64 hex digits>, not a tag")
    if not _DIGEST.fullmatch(digest):
        raise ReleaseError(f"{digest!r} is not a sha256 digest: write sha256: and 64 lower-case hex digits")
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        raise ReleaseError(f"{reference!r} names a tag and a digest: give the digest alone")
    if not _NAME.fullmatch(name):
        raise ReleaseError(
            f"{name!r} is not an image name a registry accepts (lower case, no empty parts): "
            "ghcr.io wants the repository in lower case"
        )
    return f"docker://{name}@{digest}"


def _content(line: str) -> str:
    return line.rstrip("\r\n")


def _is_neutral(line: str) -> bool:
    """Blank lines and comment lines belong to no key."""
    stripped = _content(line).strip()
    return not stripped or stripped.startswith("#")


def _runs_block(lines: list[str]) -> range:
    """The line numbers of the `runs:` mapping's children."""
    starts = [
        (index, found)
        for index, line in enumerate(lines)
        if (found := _TOP_KEY.fullmatch(_content(line))) and found["key"] == "runs"
    ]
    if len(starts) != 1:
        raise ReleaseError(f"expected one top-level 'runs:' key, found {len(starts)}")
    start, found = starts[0]
    rest = found["rest"].strip()
    if rest and not rest.startswith("#"):
        raise ReleaseError("'runs:' must be a block mapping (one key per line), not written inline")
    end = start + 1
    while end < len(lines) and (_is_neutral(lines[end]) or lines[end][0] in " \t"):
        end += 1
    return range(start + 1, end)


def _unquoted(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def rewrite(text: str, image: str) -> str:
    """`text` (an action.yml) with `runs.image` set to `image`; every other byte unchanged."""
    lines = text.splitlines(keepends=True)
    block = [index for index in _runs_block(lines) if not _is_neutral(lines[index])]
    if not block:
        raise ReleaseError("'runs:' is empty")
    indent = len(lines[block[0]]) - len(lines[block[0]].lstrip(" "))
    children: dict[str, list[tuple[int, re.Match[str]]]] = {}
    for index in block:
        found = _CHILD.fullmatch(_content(lines[index]))
        if found and len(found["indent"]) == indent:
            children.setdefault(found["key"], []).append((index, found))
    using = children.get("using", [])
    if len(using) != 1 or _unquoted(using[0][1]["value"] or "") != "docker":
        raise ReleaseError("runs.using must be 'docker': only a Docker action runs an image")
    images = children.get("image", [])
    if len(images) != 1:
        raise ReleaseError(f"expected one runs.image line, found {len(images)}")
    index, found = images[0]
    old = _unquoted(found["value"] or "")
    if old != "Dockerfile" and not old.startswith("docker://"):
        raise ReleaseError(f"runs.image is {old!r}: expected 'Dockerfile' or an earlier docker:// reference")
    quote = (found["value"] or "")[:1] if (found["value"] or "")[:1] in "'\"" else ""
    ending = lines[index][len(_content(lines[index])) :]
    lines[index] = f"{found['lead']}{quote}{image}{quote}{found['trail']}{ending}"
    return "".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("image", help="the pushed image by digest: NAME@sha256:<64 hex digits>")
    parser.add_argument("path", nargs="?", default="action.yml", help="the action.yml to rewrite in place")
    args = parser.parse_args(argv)
    path = Path(args.path)
    try:
        image = image_reference(args.image)
        before = path.read_bytes().decode("utf-8")
        after = rewrite(before, image)
    except (ReleaseError, OSError, UnicodeDecodeError) as error:
        print(f"release_action_yml: {error}", file=sys.stderr)
        return 2
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(after)
    print(f"{path}: runs.image = {image}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
