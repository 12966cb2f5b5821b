"""How the engine speaks to the person running it, without knowing where it runs.

The Actions adapter turns these calls into workflow commands; the CLI prints plain lines;
tests collect them.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol, TextIO


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

    def info(self, message: str) -> None:
        print(message, file=self.stream)

    def notice(self, message: str) -> None:
        print(f"notice: {message}", file=self.stream)

    def warning(self, message: str, *, title: str | None = None) -> None:
        print(f"warning: {message}", file=self.stream)

    def debug(self, message: str) -> None:
        if self.verbose:
            print(f"debug: {message}", file=self.stream)

    @contextlib.contextmanager
    def group(self, name: str) -> Iterator[None]:
        print(f"== {name}", file=self.stream)
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
