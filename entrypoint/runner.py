r"""Everything that speaks the Actions runner's language: workflow commands, outputs, job summary.

Nothing else in pmaction prints ``::`` commands or writes these files.

One rule keeps people's text (titles, comments, labels, wiki lines) from speaking it too. The runner reads
the log line by line (a line ends at LF, CR or CR LF) and obeys a line that starts with ``::name::`` after
its leading whitespace, or that holds the legacy ``##[name]`` anywhere (actions/runner, ActionCommand.cs;
``::stop-commands::`` would silence pmaction's own errors). So every message the engine hands the Reporter
leaves here as lines that cannot be a command: in a command (notice, warning, debug, error, group) the
message is escaped the runner's own way (``%0A``, ``%0D``), so it stays on that command's line; a plain
info message is printed line by line, a line that would start a command gets ``\`` before its ``::``, and
``##[`` becomes ``##[\`` (the runner's own defusing of its markers). The job summary is a Markdown file,
not the log: it is written as given.
"""

from __future__ import annotations

import contextlib
import secrets
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from pmaction.reporter import log_lines

__all__ = ["Runner", "escape_data", "escape_property", "fit_summary", "log_lines", "output_lines"]

SUMMARY_LIMIT = 1024 * 1024  # GitHub's job-summary limit per step, in bytes


def escape_data(value: str) -> str:
    """Escape a workflow-command message (the runner's own rules for %, CR and LF)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def output_lines(name: str, value: str) -> str:
    """One ``$GITHUB_OUTPUT`` entry; multi-line values use a heredoc with a delimiter not in the value."""
    if "\n" not in value and "\r" not in value:
        return f"{name}={value}\n"
    delimiter = f"ghadelimiter_{secrets.token_hex(8)}"
    while delimiter in value:
        delimiter = f"ghadelimiter_{secrets.token_hex(8)}"
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


def fit_summary(markdown: str, limit: int = SUMMARY_LIMIT) -> str:
    """Cut the summary to GitHub's size limit at a line boundary, saying that it was cut."""
    data = markdown.encode("utf-8")
    if len(data) <= limit:
        return markdown
    note = "\n\n_(summary cut at GitHub's 1 MiB limit; the full report is on the wiki)_\n"
    room = limit - len(note.encode("utf-8"))
    cut = data[:room].decode("utf-8", errors="ignore")
    cut = cut[: cut.rfind("\n")] if "\n" in cut else cut
    return cut + note


@dataclass
class Runner:
    """Workflow commands on stdout; outputs and summary into the runner's files."""

    stream: TextIO = field(default_factory=lambda: sys.stdout)
    output_path: Path | None = None
    summary_path: Path | None = None
    secrets_seen: list[str] = field(default_factory=list)
    # The runner's files that could not be written, by variable name: each is said once, and fails the step.
    broken_files: list[str] = field(default_factory=list)

    def _command(self, name: str, message: str, properties: Mapping[str, str] | None = None) -> None:
        props = ""
        if properties:
            props = " " + ",".join(f"{key}={escape_property(val)}" for key, val in properties.items() if val)
        print(f"::{name}{props}::{escape_data(self._scrub(message))}", file=self.stream, flush=True)

    def _scrub(self, text: str) -> str:
        for secret in self.secrets_seen:
            if secret:
                text = text.replace(secret, "***")
        return text

    def mask(self, secret: str) -> None:
        if secret:
            self.secrets_seen.append(secret)
            print(f"::add-mask::{escape_data(secret)}", file=self.stream, flush=True)

    # The Reporter protocol the engine talks to.
    def info(self, message: str) -> None:
        for line in log_lines(self._scrub(message)):
            print(line, file=self.stream, flush=True)

    def notice(self, message: str) -> None:
        self._command("notice", message)

    def warning(self, message: str, *, title: str | None = None) -> None:
        self._command("warning", message, {"title": title or "pmaction"})

    def debug(self, message: str) -> None:
        self._command("debug", message)

    def error(self, message: str, *, title: str = "pmaction") -> None:
        self._command("error", message, {"title": title})

    @contextlib.contextmanager
    def group(self, name: str) -> Iterator[None]:
        self._command("group", name)
        try:
            yield
        finally:
            print("::endgroup::", file=self.stream, flush=True)

    def set_output(self, name: str, value: str) -> None:
        value = self._scrub(value)
        if self.output_path is None:
            self.info(f"output {name}: {value}")
            return
        self._append("GITHUB_OUTPUT", self.output_path, output_lines(name, value))

    def add_summary(self, markdown: str) -> None:
        if not markdown:
            return
        markdown = fit_summary(self._scrub(markdown))
        if self.summary_path is None:
            self.info(markdown)
            return
        self._append("GITHUB_STEP_SUMMARY", self.summary_path, markdown)

    def _append(self, variable: str, path: Path, text: str) -> None:
        """Append to one of the runner's files; a file that cannot take it is one ::error line, once, and
        the rest of the run's reporting goes on (the other file, the log)."""
        if variable in self.broken_files:
            return
        try:
            with path.open("a", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            self.broken_files.append(variable)
            reason = exc.strerror or type(exc).__name__
            self.error(
                f"could not write to {variable} {path} ({reason}): it must be a file the job can append to, "
                f"as the runner sets it; do not set {variable} in the step's env:",
                title="pmaction: runner files",
            )
