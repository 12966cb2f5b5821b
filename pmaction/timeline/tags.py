"""Key-moment hashtags a timeline entry can carry (``#detected`` ...) and how warnings quote a line."""

from __future__ import annotations

import re

# Key moments a timeline entry can mark with a hashtag; announced and declared over come from the issue.
KEY_TAGS = ("started", "detected", "mitigated", "resolved")

_TAG = re.compile(r"(?<![\w#&/])#(started|detected|mitigated|resolved)\b", re.IGNORECASE)

TIME_HINT = 'write it as "YYYY-MM-DD HH:MM TZ" or "HH:MM TZ".'


def find_tags(text: str) -> frozenset[str]:
    """Key-moment hashtags in ``text`` (``#detected`` ...), lower-case."""
    return frozenset(match.lower() for match in _TAG.findall(text))


def quote(line: str, limit: int = 200) -> str:
    """One line of people's text for a warning: whitespace collapsed, cut at ``limit``."""
    line = " ".join(line.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
