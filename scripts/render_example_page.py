#!/usr/bin/env python3
"""Render the example post-mortem wiki page to docs/example/page.png for the README.

    python scripts/render_example_page.py                      # docs/example/Postmortem-*.md -> page.png
    python scripts/render_example_page.py PAGE.md --out x.png --height 2400 --keep-html x.html

The Markdown becomes HTML styled roughly like a GitHub wiki page (white background, system sans-serif,
bordered tables, grey-barred quotes, task-list checkboxes, 980px column), then headless Chromium
screenshots it. The HTML carries a Content-Security-Policy that forbids every fetch but local images (the SVG
pictures committed next to the page are copied beside it) and Chromium is pointed at a dead local proxy, so
only local files are ever loaded.

Docs-only dependencies (not in pyproject, not needed by the action):
  - markdown==3.11.3 (Python-Markdown, with its bundled `tables` extension): pip install markdown==3.11.3
  - Chromium (Debian package `chromium`, /usr/bin/chromium): apt-get install -y chromium
"""

from __future__ import annotations

import argparse
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import markdown  # type: ignore[import-untyped]
from chromium_flags import ISOLATED  # scripts/ is this script's first sys.path entry

EXAMPLE_DIR = Path(__file__).resolve().parent.parent / "docs" / "example"
WIDTH = 1100
# Tall enough for the facts table, prime directive, timeline and action items of the example page.
DEFAULT_HEIGHT = 2150

# GitHub shows no HTML comments; pmaction keeps its markers in them, so they must vanish.
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
# Python-Markdown has no task lists; GitHub renders `- [ ]` / `- [x]` as disabled checkboxes.
_TASK = re.compile(r"<li>\[( |x|X)\] ")

CSS = """
body { margin: 0; background: #fff; color: #1f2328;
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif;
  font-size: 16px; line-height: 1.5; }
main { max-width: 980px; margin: 0 auto; padding: 32px 45px; box-sizing: border-box; }
h1, h2 { border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; font-weight: 600; line-height: 1.25; }
h1 { font-size: 2em; margin: 0 0 16px; }
h2 { font-size: 1.5em; margin: 24px 0 16px; }
p, ul, ol, table, blockquote { margin: 0 0 16px; }
a { color: #0969da; text-decoration: none; }
table { border-collapse: collapse; display: block; width: max-content; max-width: 100%; overflow: auto; }
th, td { border: 1px solid #d1d9e0; padding: 6px 13px; vertical-align: top; }
th { font-weight: 600; background: #f6f8fa; }
tr:nth-child(2n) td { background: #f6f8fa; }
blockquote { color: #59636e; border-left: .25em solid #d1d9e0; padding: 0 1em; margin-left: 0; }
blockquote p { margin: 0 0 8px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace;
  font-size: 85%; background: rgba(129, 139, 152, .12); border-radius: 6px; padding: .2em .4em; }
ul, ol { padding-left: 2em; }
li.task { list-style: none; margin-left: -1.4em; }
li.task input { margin: 0 .4em .2em 0; vertical-align: middle; }
"""


def markdown_to_html(text: str) -> str:
    """The HTML body of a wiki page: comments dropped, tables and task lists rendered as GitHub does."""
    body = markdown.markdown(_COMMENT.sub("", text), extensions=["tables"], output_format="html")
    return _TASK.sub(
        lambda m: (
            '<li class="task"><input type="checkbox" disabled'
            + (" checked" if m.group(1) != " " else "")
            + "> "
        ),
        body,
    )


def html_document(body: str, title: str) -> str:
    """A standalone page that may load nothing: the CSP blocks every fetch, styles are inline."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        '<meta http-equiv="Content-Security-Policy"\n'
        " content=\"default-src 'none'; style-src 'unsafe-inline'; img-src file:\">\n"
        f"<title>{html.escape(title)}</title>\n<style>{CSS}</style></head>\n"
        f"<body><main>\n{body}\n</main></body></html>\n"
    )


def chromium_command(binary: str, html_file: Path, png: Path, height: int, profile: Path) -> list[str]:
    """Headless Chromium that opens only the local file and talks to no one."""
    return [
        binary,
        *ISOLATED,
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        f"--user-data-dir={profile}",
        f"--screenshot={png}",
        f"--window-size={WIDTH},{height}",
        html_file.resolve().as_uri(),
    ]


def screenshot(html_text: str, png: Path, height: int, keep_html: Path | None, assets: Path) -> None:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        sys.exit("chromium not found: apt-get install -y chromium")
    with tempfile.TemporaryDirectory(prefix="pmaction-render-") as tmp:
        html_file = keep_html or Path(tmp) / "page.html"
        html_file.write_text(html_text, encoding="utf-8")
        for picture in assets.glob("*.svg"):  # the pictures the page links, next to it as on the wiki
            shutil.copy(picture, html_file.parent / picture.name)
        profile = Path(tmp) / "profile"
        env = {
            **os.environ,
            "HTTPS_PROXY": "http://127.0.0.1:9",
            "HTTP_PROXY": "http://127.0.0.1:9",
            "NO_PROXY": "127.0.0.1,localhost,::1",
        }
        cmd = chromium_command(binary, html_file, png.resolve(), height, profile)
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0 or not png.exists():
            sys.exit(f"chromium failed ({done.returncode}):\n{done.stderr[-2000:]}")


def default_page() -> Path:
    pages = sorted(EXAMPLE_DIR.glob("Postmortem-*.md"))
    if not pages:
        sys.exit(f"no Postmortem-*.md in {EXAMPLE_DIR}")
    return pages[0]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", nargs="?", type=Path, help="wiki page (default: the example Postmortem-*.md)")
    parser.add_argument("--out", type=Path, default=EXAMPLE_DIR / "page.png")
    parser.add_argument("--height", type=int, default=DEFAULT_HEIGHT, help="window height in px (crops)")
    parser.add_argument("--keep-html", type=Path, help="also write the HTML here")
    args = parser.parse_args(argv)
    page: Path = args.page or default_page()
    text = page.read_text(encoding="utf-8")
    document = html_document(markdown_to_html(text), page.stem)
    screenshot(document, args.out, args.height, args.keep_html, page.parent)
    print(f"{args.out}: {args.out.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
