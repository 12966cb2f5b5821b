"""Reading fields out of an incident issue body.

GitHub issue forms render each field as ``### <label>`` followed by the answer; empty optional answers
become ``_No response_``, checkboxes become ``- [X] option``, and a textarea with ``render:`` is wrapped in
a code fence (so a ``###`` line inside it is content, not a heading). Issues opened without the form, or
edited by hand, carry ``Key: value`` lines instead; ``field_value`` reads both.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pmaction.text.markdown import Fences

NO_RESPONSE = "_No response_"

_HEADING = re.compile(r"^ {0,3}(?P<hashes>#{1,6})[ \t]+(?P<title>.*?)(?:[ \t]+#+)?[ \t]*$")
_CHECKBOX = re.compile(r"^(?P<lead>\s*[-*+][ \t]+)\[(?P<mark>[ xX])\](?P<rest>.*)$")
# "Started: 2026-03-01", "- **Started:** ...", "**Started**: ..." (the key is at most a few words).
_KEY_VALUE = re.compile(
    r"^\s*(?:[-*+][ \t]+)?(?:\*\*|__)?(?P<key>[A-Za-z][A-Za-z _-]{0,40}?)[ \t]*(?:\*\*|__)?[ \t]*:"
    r"(?:\*\*|__)?[ \t]*(?P<value>.*?)\s*$"
)


def normalise_key(text: str) -> str:
    """``Declared over``, ``declared_over:``, ``**Declared-Over**`` → ``declared over``."""
    cleaned = re.sub(r"[*_`]+", " ", text).replace("-", " ")
    return " ".join(cleaned.lower().split()).rstrip(":").strip()


def iter_lines(body: str) -> Iterator[tuple[str, bool]]:
    """Each line of ``body`` with whether it lies inside a fenced code block (fence lines count as inside)."""
    fences = Fences()
    for line in body.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        yield line, fences.inside(line)


def heading(line: str) -> tuple[int, str] | None:
    """(level, title) when ``line`` is an ATX heading."""
    match = _HEADING.match(line)
    if match is None:
        return None
    return len(match["hashes"]), match["title"].strip()


def _clean_value(lines: list[str]) -> str:
    text = "\n".join(lines).strip()
    if text == NO_RESPONSE:
        return ""
    # Upper-case [X] is what GitHub writes for ticked form checkboxes; one spelling makes matching easy.
    return "\n".join(_lower_checkbox(line) for line in text.split("\n"))


def _lower_checkbox(line: str) -> str:
    match = _CHECKBOX.match(line)
    if match is None:
        return line
    return f"{match['lead']}[{match['mark'].lower()}]{match['rest']}"


def parse_sections(body: str) -> dict[str, str]:
    """Heading (normalised, lower-case) → its text, stripped; ``_No response_`` becomes "".

    Every heading level starts a section (forms use ``###``; hand-written bodies vary). Text before the first
    heading is not a section. When a heading repeats, the first one wins.
    """
    sections: dict[str, str] = {}
    current: str | None = None
    lines: list[str] = []
    for line, fenced in iter_lines(body or ""):
        found = None if fenced else heading(line)
        if found is not None:
            if current is not None and current not in sections:
                sections[current] = _clean_value(lines)
            current, lines = normalise_key(found[1]), []
        elif current is not None:
            lines.append(line)
    if current is not None and current not in sections:
        sections[current] = _clean_value(lines)
    return sections


def key_values(body: str) -> dict[str, str]:
    """``Key: value`` lines outside code fences, keys normalised; the first occurrence wins."""
    found: dict[str, str] = {}
    for line, fenced in iter_lines(body or ""):
        if fenced or heading(line) is not None:
            continue
        match = _KEY_VALUE.match(line)
        if match is None:
            continue
        key = normalise_key(match["key"])
        value = match["value"].strip()
        if key and value and value != NO_RESPONSE:
            found.setdefault(key, value)
    return found


def field_value(body: str, *names: str) -> str | None:
    """The first non-empty answer for any of ``names``: a form section first, then a ``Key: value`` line.

    Returns None when the field is absent or empty (``_No response_``).
    """
    wanted = [normalise_key(name) for name in names]
    sections = parse_sections(body)
    for name in wanted:
        if sections.get(name):
            return sections[name]
    pairs = key_values(body)
    for name in wanted:
        if pairs.get(name):
            return pairs[name]
    return None


def checked_options(text: str) -> list[str]:
    """The ticked options of a checkbox answer, in order."""
    ticked = []
    for line in text.split("\n"):
        match = _CHECKBOX.match(line)
        if match and match["mark"].lower() == "x":
            ticked.append(match["rest"].strip())
    return ticked
