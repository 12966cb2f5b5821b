"""A local GitHub stand-in (REST under /api/v3, wikis over git smart HTTP, control under /_sandbox).

pmaction never reaches GitHub in tests or demos; this server behaves like GitHub instead. See
docs/sandbox.md for the scenario format and the control API.
"""

from pmaction.sandbox.server import Sandbox, parse_advance

__all__ = ["Sandbox", "parse_advance"]
