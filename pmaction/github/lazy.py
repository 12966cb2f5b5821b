"""Deferred imports of PyGithub's dependencies that pmaction never uses.

``import github`` imports ``github.Auth``, which imports ``jwt`` (and through it ``cryptography``) for
GitHub App authentication; pmaction authenticates with a token only, and those two cost about a fifth of
the process's start-up. ``defer`` puts a stand-in module in their place: ``import jwt`` binds the stand-in,
and the first attribute read from it (``jwt.encode`` in App authentication) imports the real module, which
then replaces the stand-in in ``sys.modules``. So App authentication still works, only later.

(``importlib.util.LazyLoader`` does not help here: the ``import`` statement itself reads the module's
``__spec__``, which makes a lazy module load at once.)
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any

# Imported by github.Auth at module level; used only by AppAuth (jwt.encode).
UNUSED_AT_IMPORT = ("jwt",)


class _Deferred(types.ModuleType):
    """A module that imports the real one on the first attribute it is asked for."""

    def _real(self) -> types.ModuleType:
        loaded = self.__dict__.get("_loaded")
        if loaded is None:
            if sys.modules.get(self.__name__) is self:
                del sys.modules[self.__name__]
            loaded = importlib.import_module(self.__name__)
            self.__dict__["_loaded"] = loaded
        return loaded

    def __getattr__(self, name: str) -> Any:  # only called for attributes the stand-in does not have
        return getattr(self._real(), name)


def defer(name: str) -> None:
    """Make ``import name`` cost nothing until the module is used; no-op when loaded already or missing."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None:
        return
    stand_in = _Deferred(name)
    stand_in.__spec__ = spec  # the import statement checks it; the spec is found, nothing is executed
    sys.modules[name] = stand_in


def defer_unused() -> None:
    for name in UNUSED_AT_IMPORT:
        defer(name)
