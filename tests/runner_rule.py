"""The Actions runner's rule for workflow commands, as a test oracle: which printed lines it would obey.

From actions/runner (src/Runner.Common/ActionCommand.cs, ActionCommandManager.cs), the rule GitHub's docs
only show by example:

- The runner reads the step's stdout and stderr line by line, a line ending at LF, CR or CR LF.
- ``::name props::data`` (``TryParseV2``): the line, after its leading whitespace is trimmed, starts with
  ``::`` and has a second ``::``; ``name`` (up to the first space) is a registered command.
- ``##[name props]data`` (``TryParse``, the legacy form, tried when the first fails) may start ANYWHERE in
  the line: the first ``##[``, the next ``]``, and a registered name.
- ``::stop-commands::TOKEN`` makes it ignore every command until a line ``::TOKEN::``.

This oracle is stricter than the runner where the two could differ: it trims every character Python calls
whitespace (a superset of .NET's), and it matches command names case-insensitively.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

REGISTERED = frozenset(
    {
        "set-env",
        "set-output",
        "save-state",
        "add-mask",
        "add-path",
        "add-matcher",
        "remove-matcher",
        "debug",
        "notice",
        "warning",
        "error",
        "group",
        "endgroup",
        "echo",
        "stop-commands",
    }
)
# What pmaction itself prints: annotations, groups, and the one mask of the token.
OWN = frozenset({"add-mask", "debug", "notice", "warning", "error", "group", "endgroup"})


@dataclass(frozen=True)
class Command:
    name: str
    data: str
    line: str


def runner_lines(output: str) -> list[str]:
    return re.split(r"\r\n|\r|\n", output)


def command_in(line: str) -> Command | None:
    """The command the runner would take ``line`` for, or None when it is log text."""
    trimmed = line.lstrip()
    if trimmed.startswith("::"):
        end = trimmed.find("::", 2)
        if end >= 0:
            name = trimmed[2:end].split(" ", 1)[0]
            if name.lower() in REGISTERED:
                return Command(name.lower(), trimmed[end + 2 :], line)
    start = line.find("##[")
    if start >= 0:
        close = line.find("]", start)
        if close >= 0:
            name = line[start + 3 : close].split(" ", 1)[0]
            if name.lower() in REGISTERED:
                return Command(name.lower(), line[close + 1 :], line)
    return None


def commands_in(output: str) -> list[Command]:
    found = [command_in(line) for line in runner_lines(output)]
    return [command for command in found if command is not None]


def assert_only_own_commands(
    output: str, *, token: str | None = None, injected: tuple[str, ...] = ()
) -> None:
    """Every line the runner would obey is one pmaction means: its own kinds, at the start of the line, the
    one mask (of ``token``), and none whose data is only a piece of people's text (``injected``)."""
    for command in commands_in(output):
        assert command.name in OWN, f"the runner would obey {command.line!r}"
        assert command.line.startswith(f"::{command.name}"), f"not pmaction's own form: {command.line!r}"
        if command.name == "add-mask":
            assert token is not None and command.data == token, (
                f"a mask pmaction did not ask for: {command.line!r}"
            )
        for piece in injected:
            assert command.data.strip() != piece, f"people's text became a command: {command.line!r}"
