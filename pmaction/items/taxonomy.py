"""The action-item types a team tags items with when its config names none (`type_taxonomy`): a module of its
own, so the config reads the default without loading the items parser."""

from __future__ import annotations

DEFAULT_TAXONOMY = ("mitigate", "prevent", "detect", "process", "test")
