"""Who wrote something, as GitHub tells it: the one rule for "pmaction's own, or the team's"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pmaction.github.data import TRUSTED_ASSOCIATIONS


def by_pmaction_or_the_team(raw: Mapping[str, Any]) -> bool:
    """An issue or comment (as GitHub sends it) written by a bot account (pmaction's GITHUB_TOKEN) or by a
    member or collaborator (a person's token). An outsider's copy of our marker never counts."""
    user = raw.get("user")
    is_bot = isinstance(user, Mapping) and user.get("type") == "Bot"
    return is_bot or str(raw.get("author_association") or "NONE").upper() in TRUSTED_ASSOCIATIONS
