"""Who wrote something, as GitHub tells it: the one rule for "pmaction's own, or the team's"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pmaction.github.data import BOT_LOGIN, TRUSTED_ASSOCIATIONS, Comment
from pmaction.text import markers


def by_pmaction_or_the_team(raw: Mapping[str, Any]) -> bool:
    """An issue or comment (as GitHub sends it) written by a bot account (pmaction's GITHUB_TOKEN) or by a
    member or collaborator (a person's token). An outsider's copy of our marker never counts."""
    user = raw.get("user")
    is_bot = isinstance(user, Mapping) and user.get("type") == "Bot"
    return is_bot or str(raw.get("author_association") or "NONE").upper() in TRUSTED_ASSOCIATIONS


def written_by_pmaction(comment: Comment) -> bool:
    """One of pmaction's own comments (the status comment, a reminder): it ends with our marker line and is
    the bot's, or, run with a person's token, a member's comment shaped like ours (one of our headings
    first). A person quoting our marker, even on their comment's last line, is still a person."""
    if not markers.ends_with_own_comment_marker(comment.body):
        return False
    if comment.author_is_bot or comment.author == BOT_LOGIN:
        return True
    shaped = comment.body.lstrip().startswith(markers.OWN_HEADINGS)
    return shaped and comment.association.upper() in TRUSTED_ASSOCIATIONS
