"""How the engine speaks to the person running it, without knowing where it runs.

The Actions adapter turns these calls into workflow commands; the CLI prints plain lines;
tests collect them.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol, TextIO

# The one rule that keeps people's text from speaking the Actions runner's language, for every adapter that
# prints to a log the runner may read (entrypoint/runner.py explains it; the CLI can run in a job too). The
# runner reads a line as ending at LF, CR or CR LF, and obeys one that starts with ``::name::`` after its
# leading whitespace (invisible format characters too), or that holds the legacy ``##[name]`` anywhere.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_COMMAND_START = re.compile(r"^([\s\u200b-\u200d\u2060\ufeff]*)::")


def log_lines(message: str) -> list[str]:
    """``message`` as the physical lines the runner will read, none of which it can take for a command:
    ``\\`` goes before a leading ``::``, and ``##[`` becomes ``##[\\`` (the runner's own defusing)."""
    return [
        _COMMAND_START.sub(r"\1\\::", line.replace("##[", "##[\\")) for line in _LINE_BREAK.split(message)
    ]


def safe_for_log(message: str) -> str:
    """``message`` joined again from its ``log_lines``."""
    return "\n".join(log_lines(message))


class Reporter(Protocol):
    def info(self, message: str) -> None: ...
    def notice(self, message: str) -> None: ...
    def warning(self, message: str, *, title: str | None = None) -> None: ...
    def debug(self, message: str) -> None: ...
    def group(self, name: str) -> contextlib.AbstractContextManager[None]: ...


@dataclass
class PlainReporter:
    """Prints to a stream; used by the CLI."""

    stream: TextIO = field(default_factory=lambda: sys.stdout)
    verbose: bool = False

    def _print(self, message: str) -> None:
        # People's text is in these messages: never a line the runner would obey.
        print(safe_for_log(message), file=self.stream)

    def info(self, message: str) -> None:
        self._print(message)

    def notice(self, message: str) -> None:
        self._print(f"notice: {message}")

    def warning(self, message: str, *, title: str | None = None) -> None:
        self._print(f"warning: {message}")

    def debug(self, message: str) -> None:
        if self.verbose:
            self._print(f"debug: {message}")

    @contextlib.contextmanager
    def group(self, name: str) -> Iterator[None]:
        self._print(f"== {name}")
        yield


@dataclass
class CollectingReporter:
    """Keeps every message; used by tests and by the adapter's summary."""

    lines: list[tuple[str, str]] = field(default_factory=list)

    def info(self, message: str) -> None:
        self.lines.append(("info", message))

    def notice(self, message: str) -> None:
        self.lines.append(("notice", message))

    def warning(self, message: str, *, title: str | None = None) -> None:
        self.lines.append(("warning", message))

    def debug(self, message: str) -> None:
        self.lines.append(("debug", message))

    @contextlib.contextmanager
    def group(self, name: str) -> Iterator[None]:
        self.lines.append(("group", name))
        yield

    def of(self, kind: str) -> list[str]:
        return [message for level, message in self.lines if level == kind]
