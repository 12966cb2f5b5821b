"""The engine's shape stays as docs/architecture.md draws it: sizes, markers in one module, no cycles."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENGINE = [p for p in sorted((ROOT / "pmaction").rglob("*.py")) if "sandbox" not in p.parts]


def test_no_engine_function_over_60_lines_and_no_module_over_500() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_limits.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout


def test_every_hidden_marker_is_written_by_the_markers_module_only() -> None:
    # Docstrings may name a marker; code that builds or matches one outside text/markers.py may not.
    offenders = []
    for path in ENGINE:
        if path.name == "markers.py" and path.parent.name == "text":
            continue
        code = re.sub(r'"""[\s\S]*?"""', "", path.read_text(encoding="utf-8"))
        if "pmaction:" in code.replace('title="pmaction:', "").replace("pmaction: ", ""):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_the_runtime_image_leaves_out_the_sandbox_the_demo_and_the_tests() -> None:
    ignored = {
        line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if not line.startswith("#")
    }
    assert {"pmaction/sandbox", "pmaction/demo.py", "tests", "bench", "scripts"} <= ignored
