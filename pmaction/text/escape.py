"""People's text made safe for Markdown: one line, a table cell, a link; never a hidden marker.
"""

from __future__ import annotations

import re
from urllib.parse import quote

# C0/C1 controls (tab and newline are handled first) and bidi overrides that could disguise text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def clean(text: str) -> str:
    """One-line-safe text: controls removed, ``<!--`` neutralised so nobody can open a hidden comment."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = _CONTROL.sub("", text)
    return text.replace("<!--", "&lt;!--").replace("-->", "--&gt;")


def inline(text: str) -> str:
    """User text for a heading or a list item: one line."""
    return " ".join(clean(text).split())


def cell(text: str) -> str:
    """User text for a Markdown table cell: pipes escaped, line breaks as ``<br>``."""
    lines = [" ".join(line.split()) for line in clean(text).split("\n")]
    return "<br>".join(line for line in lines if line).replace("|", "\\|")


def link_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def safe_url(url: str | None) -> str | None:
    """http(s) URLs only, with the characters that would end a Markdown link or a table cell encoded."""
    if not url or not re.match(r"^https?://", url, re.IGNORECASE):
        return None
    return quote(_CONTROL.sub("", url.strip()), safe=":/?#[]@!$&'*+,;=%-._~")


def link(text: str, url: str | None) -> str:
    safe = safe_url(url)
    return f"[{link_text(text)}]({safe})" if safe else text
