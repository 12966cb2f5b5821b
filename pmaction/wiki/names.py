"""Wiki page names: the file name of an incident's page, its title and URL, and finding it by marker."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import datetime, tzinfo
from urllib.parse import quote

from pmaction.github.data import Issue
from pmaction.text import markers
from pmaction.text.markdown import strip_cr

_FILE_UNSAFE = re.compile(r"[^A-Za-z0-9]+")


_MAX_STEM = 100


def _ascii_words(text: str) -> str:
    """Letters and digits of ``text`` folded to ASCII, joined by ``-`` (accents dropped, emoji removed)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _FILE_UNSAFE.sub("-", folded).strip("-")


def page_file_name(issue: Issue, announced: datetime | None, tz: tzinfo) -> str:
    """``Postmortem-2026-03-01-12-Database-outage.md``: safe as a wiki file name and a URL path segment.

    Only ``[A-Za-z0-9-]`` besides the ``.md`` suffix, so no ``/``, ``..`` or control characters; at most
    100 characters before ``.md``; the date and number alone when the title has nothing ASCII to keep.
    """
    day = (announced or issue.created_at).astimezone(tz).date()
    stem = f"Postmortem-{day.isoformat()}-{issue.number}"
    words = _ascii_words(issue.title)
    room = _MAX_STEM - len(stem) - 1
    if words and room > 0:
        cut = words[:room]
        if len(words) > room and "-" in cut:
            cut = cut.rsplit("-", 1)[0]  # cut between words, not inside one
        stem = f"{stem}-{cut.strip('-')}" if cut.strip("-") else stem
    return stem[:_MAX_STEM] + ".md"


def page_title(file_name: str) -> str:
    """The title the wiki shows for a file: no ``.md``, ``-`` shown as a space."""
    stem = file_name[:-3] if file_name.endswith(".md") else file_name
    return stem.replace("-", " ")


def wiki_page_url(server_url: str, full_name: str, file_name: str) -> str:
    stem = file_name[:-3] if file_name.endswith(".md") else file_name
    return f"{server_url.rstrip('/')}/{full_name}/wiki/{quote(stem, safe='-_.')}"


def find_incident_page(files: Mapping[str, str], full_name: str, number: int) -> str | None:
    """The wiki file whose first line is this incident's page marker (pages are found by marker, not name)."""
    for name in sorted(files):
        if not name.endswith(".md"):
            continue
        first = strip_cr(files[name].split("\n", 1)[0]).lstrip("\ufeff")
        ref = markers.parse_page_marker(first)
        if ref and ref.names(full_name, number):
            return name
    return None
