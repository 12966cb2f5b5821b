"""The commands a run can carry out: each calls the steps of the process in order.

The table is explicit (no registration on import), so the engine reads which commands exist here. A command's
module is imported when a run carries that command out: a sync does not import the nag's or the report's
modules, and a run that skips imports none, so its first request goes out sooner.
"""

from __future__ import annotations

import importlib

from pmaction.run.session import Command

# command -> (its module below pmaction.commands, the function in it)
COMMANDS: dict[str, tuple[str, str]] = {
    "sync": ("sync", "sync"),
    "sync-wiki": ("sync_wiki", "sync_wiki"),
    "nag": ("nag", "nag"),
    "report": ("report", "report"),
}


def command(name: str) -> Command | None:
    """The function that carries out ``name`` (None: no such command)."""
    found = COMMANDS.get(name)
    if found is None:
        return None
    handler: Command = getattr(importlib.import_module(f"pmaction.commands.{found[0]}"), found[1])
    return handler
