"""People's text made safe for Markdown: one line, a table cell, a link; never a hidden marker, never HTML.

GitHub's sanitizer removes ``<script>``, ``<style>``, ``<iframe>``, ``<textarea>`` and the like from a wiki
page together with what they hold, and drops tags it does not know (``<ENV>``), so HTML in a comment would
lose people's words; a ``</td>`` could break the table. So every ``<`` that HTML would read as the start of
markup (``<`` then a letter, ``/``, ``!`` or ``?``) becomes ``&lt;`` and shows as written. Kept as they
are, because they already look as meant: ``<br>`` (the line break pmaction writes in table cells),
CommonMark autolinks (``<https://…>``, ``<a@b.example>``), a ``<`` a backslash already escapes, and
everything inside a code span (Markdown shows code as text). ``a < b``, ``<3`` and ``->`` are no markup.
``<!--`` and ``-->`` are neutralised everywhere, code spans too: pmaction finds its own markers in the
page's source.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote

# C0/C1 controls (tab and newline are handled first) and bidi overrides that could disguise text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_ANGLE = re.compile(r"(\\*)<")  # a "<" and the backslashes before it (an odd number escapes it)
_MARKUP_START = re.compile(r"[A-Za-z/!?]")
_KEPT = re.compile(
    r"<br\s*/?>"
    r"|<[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>`\x00-\x1f]*>"  # an autolink (no backtick: code spans stay ours)
    r"|<[A-Za-z0-9.!#$%&'*+/=?^_{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*>",  # an e-mail autolink
    re.IGNORECASE,
)
_BACKTICKS = re.compile(r"`+")


def clean(text: str) -> str:
    """One-line-safe text: controls removed, ``<!--`` neutralised so nobody can open a hidden comment."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = _CONTROL.sub("", text)
    return text.replace("<!--", "&lt;!--").replace("-->", "--&gt;")


def _code_spans(line: str) -> list[tuple[int, int]]:
    """Where CommonMark sees code spans in one line: a run of n backticks up to the next run of exactly n
    (a backslash before a run makes its first backtick text; inside a span a backslash is text)."""
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(line)]
    spans: list[tuple[int, int]] = []
    index = 0
    while index < len(runs):
        start, end = runs[index]
        if _escaped(line, start):
            start += 1
        closer = next(
            (j for j in range(index + 1, len(runs)) if runs[j][1] - runs[j][0] == end - start), None
        )
        if start == end or closer is None:
            index += 1
            continue
        spans.append((start, runs[closer][1]))
        index = closer + 1
    return spans


def _escaped(line: str, at: int) -> bool:
    slashes = len(line[:at]) - len(line[:at].rstrip("\\"))
    return slashes % 2 == 1


def _outside_code(line: str, change: Callable[[str], str]) -> str:
    out, position = [], 0
    for start, end in _code_spans(line):
        out += [change(line[position:start]), line[start:end]]
        position = end
    out.append(change(line[position:]))
    return "".join(out)


def _markup_as_text(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        at = match.end() - 1
        if len(match[1]) % 2 or _KEPT.match(text, at) or not _MARKUP_START.match(text, at + 1):
            return match[0]
        return f"{match[1]}&lt;"

    return _ANGLE.sub(one, text)


def as_text(line: str) -> str:
    """One line of people's Markdown with its HTML shown as text (code spans, autolinks and ``<br>`` kept).
    Applied to the final line (a cell, a heading), since code spans are found in what GitHub will parse."""
    return _outside_code(line, _markup_as_text)


def inline(text: str) -> str:
    """User text for a heading or a list item: one line."""
    return as_text(" ".join(clean(text).split()))


def cell(text: str) -> str:
    """User text for a Markdown table cell: pipes escaped, line breaks as ``<br>``."""
    lines = [" ".join(line.split()) for line in clean(text).split("\n")]
    return as_text("<br>".join(line for line in lines if line)).replace("|", "\\|")


def link_text(text: str) -> str:
    # Doubling backslashes can un-escape a "<" (\<script> becomes \\<script>): make it text again.
    return as_text(text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]"))


def safe_url(url: str | None) -> str | None:
    """http(s) URLs only, with the characters that would end a Markdown link or a table cell encoded."""
    if not url or not re.match(r"^https?://", url, re.IGNORECASE):
        return None
    return quote(_CONTROL.sub("", url.strip()), safe=":/?#[]@!$&'*+,;=%-._~")


def link(text: str, url: str | None) -> str:
    safe = safe_url(url)
    return f"[{link_text(text)}]({safe})" if safe else text
