"""Who facilitates the post-mortem: the latest ``/facilitator @login`` comment by someone with push access,
else the issue form's "Facilitator" field (or a ``Facilitator: @login`` line), else the config's
``facilitator``. A value that is no GitHub login is a warning naming the fix, and the next source is asked.
"""

from __future__ import annotations

from dataclasses import dataclass

from pmaction.incident.issueform import field_value
from pmaction.incident.model import Incident
from pmaction.meetings.spec import login_of
from pmaction.text.escape import inline
from pmaction.timeline.sources.comments import slash_commands

FIELD = "Facilitator"


@dataclass(frozen=True)
class Facilitator:
    login: str
    source: str  # "comment", "issue" or "config"
    url: str = ""  # the comment or issue that named them


def find_facilitator(
    incident: Incident, default: str, bot_logins: frozenset[str]
) -> tuple[Facilitator | None, list[str]]:
    """(the facilitator or None, warnings)."""
    warnings: list[str] = []
    for comment, rest in reversed(slash_commands(incident.comments, "facilitator", bot_logins=bot_logins)):
        login = login_of(rest)
        if login is not None:
            return Facilitator(login, "comment", comment.html_url), warnings
        warnings.append(
            f"The /facilitator command in the comment by {comment.author} ({comment.html_url}) names no "
            f'GitHub login: "/facilitator {inline(rest)[:60]}"; write e.g. /facilitator @alice'
        )
        break  # the newest command is the one meant; an older one would silently override the mistake
    issue = incident.issue
    answer = field_value(issue.body, FIELD)
    if answer:
        login = login_of(answer.split("\n", 1)[0])
        if login is not None:
            return Facilitator(login, "issue", issue.html_url), warnings
        warnings.append(
            f"The issue's Facilitator field holds {inline(answer)[:60]!r}, not a GitHub login: "
            "write e.g. @alice"
        )
    if default:
        return Facilitator(default, "config"), warnings
    return None, warnings
