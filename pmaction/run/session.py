"""Everything a command needs, built once per run by the engine."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pmaction.github.client import GitHub
from pmaction.reporter import Reporter
from pmaction.run.clock import Clock
from pmaction.run.config import Config
from pmaction.run.context import RunContext
from pmaction.run.result import Result


@dataclass
class Session:
    ctx: RunContext
    config: Config
    github: GitHub
    reporter: Reporter
    clock: Clock
    result: Result


# A command runs one step of the process for one incident (sync) or for all of them (nag, report).
Command = Callable[[Session, int | None], None]
