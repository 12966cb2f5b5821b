"""The commands a run can carry out: each calls the steps of the process in order.

The table is explicit (no registration on import), so the engine reads which commands exist here.
"""

from __future__ import annotations

# Modules, not functions: ``pmaction.commands.sync`` stays the module for readers and tests.
from pmaction.commands import nag, report, sync, sync_wiki
from pmaction.run.session import Command

COMMAND_TABLE: dict[str, Command] = {
    "sync": sync.sync,
    "sync-wiki": sync_wiki.sync_wiki,
    "nag": nag.nag,
    "report": report.report,
}
