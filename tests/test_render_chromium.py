"""The pictures as a person sees them: the report page and an incident page, rendered from their Markdown
and shown in headless Chromium (Debian's `chromium`), in a light and in a dark colour scheme. Every image
must load, show each of its labels inside the picture, and draw its text with enough contrast against its
own panel (WCAG's 4.5:1 for text)."""

from __future__ import annotations

import functools
import http.server
import importlib.util
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import run_sync
from markdown_it import MarkdownIt
from test_meetings_e2e import SCENARIO, STEM

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Debian's chromium is not installed (apt-get install chromium; .ci/run installs it)",
)

# Inline each image's SVG next to it, so its text can be measured and its computed colours read.
PROBE = """
<pre id="result"></pre>
<script>
window.addEventListener("load", async () => {
  const out = [];
  for (const img of Array.from(document.images)) {
    const entry = {src: img.getAttribute("src"), loaded: img.complete && img.naturalWidth > 0, labels: []};
    const text = await (await fetch(img.src)).text();
    const doc = new DOMParser().parseFromString(text, "image/svg+xml");
    const holder = document.createElement("div");
    holder.appendChild(document.importNode(doc.documentElement, true));
    document.body.appendChild(holder);
    const svg = holder.querySelector("svg");
    const view = svg.viewBox.baseVal;
    entry.panel = getComputedStyle(svg.querySelector("rect.bg")).fill;
    for (const t of svg.querySelectorAll("text")) {
      const b = t.getBBox();
      const inside = b.width > 0 && b.height > 0 && b.x >= view.x - 1 && b.y >= view.y - 1 &&
        b.x + b.width <= view.x + view.width + 1 && b.y + b.height <= view.y + view.height + 1;
      entry.labels.push({text: t.textContent, inside: inside, fill: getComputedStyle(t).fill});
    }
    out.push(entry);
  }
  document.getElementById("result").textContent = JSON.stringify(out);
});
</script>
"""


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The folder, served on loopback as the wiki serves its files next to its pages."""
    handler = functools.partial(_Quiet, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", tmp_path
    finally:
        server.shutdown()
        server.server_close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _html(markdown: str) -> str:
    body = MarkdownIt("commonmark").enable("table").render(markdown)
    return f"<!doctype html><html><head><meta charset='utf-8'></head><body>{body}{PROBE}</body></html>"


def _render_script() -> Any:
    """scripts/chromium_flags.py: the one list of isolating flags, shared with the example's renderer."""
    path = Path(__file__).parent.parent / "scripts" / "chromium_flags.py"
    spec = importlib.util.spec_from_file_location("chromium_flags", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _show(url: str, profile: Path, dark: bool) -> list[dict[str, Any]]:
    assert CHROMIUM is not None
    flags = [
        *_render_script().ISOLATED,
        f"--user-data-dir={profile}",
        "--virtual-time-budget=15000",
        "--dump-dom",
    ]
    if dark:
        flags += ["--force-dark-mode", "--blink-settings=preferredColorScheme=0"]
    done = subprocess.run([CHROMIUM, *flags, url], capture_output=True, text=True, timeout=120, check=True)
    found = re.search(r'<pre id="result">(.*?)</pre>', done.stdout, re.S)
    assert found and found.group(1), done.stdout[-2000:]
    return list(json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&")))


def _luminance(css: str) -> float:
    red, green, blue = (int(v) / 255 for v in re.findall(r"\d+", css)[:3])

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def _contrast(one: str, two: str) -> float:
    high, low = sorted((_luminance(one), _luminance(two)), reverse=True)
    return (high + 0.05) / (low + 0.05)


EXPECTED = {
    "Post-mortem-report-incidents.svg": {"Incidents per month", "2026-03"},
    "Post-mortem-report-response.svg": {"Time to detect", "Time to mitigate", "#12"},
    "Post-mortem-report-items.svg": {"Action items open and closed", "Open", "Closed"},
    f"{STEM}-moments.svg": {"Key moments of #12", "Started", "Detected", "Mitigated", "Declared over"},
}


def test_every_picture_loads_and_shows_its_labels_in_light_and_dark(
    sandbox: Any, served: tuple[str, Path], tmp_path: Path
) -> None:
    sb = sandbox(SCENARIO)
    run_sync(sb, 12)
    base, folder = served
    files = sb.wiki_files()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    for page in ("Post-mortem-report", STEM):
        (folder / f"{page}.html").write_text(_html(files[f"{page}.md"]), encoding="utf-8")

    seen: set[str] = set()
    panels: dict[bool, set[str]] = {False: set(), True: set()}
    for dark in (False, True):
        for page in ("Post-mortem-report", STEM):
            images = _show(f"{base}/{page}.html", tmp_path / f"profile-{dark}-{len(seen)}", dark)
            assert images, f"{page} shows no picture"
            for image in images:
                seen.add(image["src"])
                panels[dark].add(image["panel"])
                assert image["loaded"], f"{image['src']} did not load"
                labels = {label["text"] for label in image["labels"]}
                assert EXPECTED[image["src"]] <= labels, image["src"]
                for label in image["labels"]:
                    assert label["inside"], f"{label['text']!r} is cut off in {image['src']}"
                    ratio = _contrast(label["fill"], image["panel"])
                    assert ratio >= 4.5, f"{label['text']!r} in {image['src']}: contrast {ratio:.1f}"
    assert seen == set(EXPECTED)
    assert panels[False] == {"rgb(255, 255, 255)"} and panels[True] == {"rgb(13, 17, 23)"}  # both schemes ran
