"""Size limits for the engine: no function over 60 lines, no module over 500 (the sandbox and tests aside).

Long functions and modules are where several concepts start to share one place; the limits keep each
step of the process readable on one screen. Prints each breach and exits 1; silent and 0 when all hold.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 500
ROOTS = ("pmaction", "entrypoint")
EXEMPT = ("pmaction/sandbox",)


def engine_files(top: Path) -> Iterator[Path]:
    for root in ROOTS:
        for path in sorted((top / root).rglob("*.py")):
            relative = path.relative_to(top).as_posix()
            if not relative.startswith(EXEMPT):
                yield path


def breaches(path: Path, top: Path) -> Iterator[str]:
    text = path.read_text(encoding="utf-8")
    relative = path.relative_to(top).as_posix()
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if lines > MAX_MODULE_LINES:
        yield f"{relative}: {lines} lines (at most {MAX_MODULE_LINES}): split it by concept"
    for node in ast.walk(ast.parse(text, filename=relative)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                yield (
                    f"{relative}:{node.lineno}: {node.name}() has {length} lines (at most "
                    f"{MAX_FUNCTION_LINES}): split it into steps"
                )


def main(top: Path) -> int:
    found = [line for path in engine_files(top) for line in breaches(path, top)]
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(Path(__file__).resolve().parents[1]))
