"""The bits of Markdown structure pmaction reads: fenced code blocks and ATX headings.

The issue-form reader, the action-item parser and the page merge all skip code fences (a ``###`` or a
task item inside a pasted log is content, not structure); they share this one rule.
"""

from __future__ import annotations

import re

# Any indentation opens a fence: inside list items fences are indented, and reading a pasted log as
# structure would be worse than treating an odd indented block as code.
FENCE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})")
# A table cell ends at a pipe that is not escaped with a backslash.
CELL_SPLIT = re.compile(r"(?<!\\)\|")
ATX = re.compile(r"^ {0,3}(?P<hashes>#{1,6})(?:[ \t]+(?P<text>.*?))?(?:[ \t]+#+)?[ \t]*$")


def strip_cr(line: str) -> str:
    """A line split on "\\n" without the "\\r" a CRLF page leaves on it (the wiki's web editor saves CRLF)."""
    return line[:-1] if line.endswith("\r") else line


class Fences:
    """Feed lines in order; tells which belong to a fenced code block (the fence lines included)."""

    def __init__(self) -> None:
        self.open: str | None = None

    def inside(self, line: str) -> bool:
        match = FENCE.match(line)
        if self.open is None:
            if match is None:
                return False
            self.open = match["fence"]
            return True
        # A fence closes with the same character, at least as long, and nothing else on the line.
        stripped = line.strip()
        if stripped.startswith(self.open) and set(stripped) == {self.open[0]}:
            self.open = None
        return True
