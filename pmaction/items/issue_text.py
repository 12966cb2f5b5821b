"""The backlog issue an agreed action item becomes: its title, body (marker last) and labels.

Pure functions, no I/O: items/backlog.py writes what these describe.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pmaction.items.parse import ActionItem
from pmaction.text import markers
from pmaction.text.words import truncate_words

# GitHub's limits (issue titles 256 characters, bodies 65,536).
TITLE_LIMIT = 256
BODY_LIMIT = 65_536

# Colour and description of the labels pmaction creates. Keys are label names or prefixes, most specific
# first: the caller picks the first key the label equals or starts with.
LABEL_STYLE: dict[str, tuple[str, str]] = {
    "postmortem-action": ("5319e7", "Agreed action item from a post-mortem (made by pmaction)"),
    "type:": ("c5def5", "Kind of post-mortem action item: mitigate, prevent, detect, process, test"),
    "priority:p0": ("b60205", "Post-mortem action item: do now"),
    "priority:p1": ("d93f0b", "Post-mortem action item: high priority"),
    "priority:p2": ("fbca04", "Post-mortem action item: normal priority"),
    "priority:p3": ("0e8a16", "Post-mortem action item: low priority"),
    "priority:": ("fbca04", "Post-mortem action item priority"),
}


def backlog_title(item: ActionItem) -> str:
    return truncate_words(item.title, TITLE_LIMIT)


def _link_text(text: str) -> str:
    return re.sub(r"([\\\[\]`*_<>])", r"\\\1", " ".join(text.split()))


def backlog_body(
    item: ActionItem,
    *,
    incident_url: str,
    incident_number: int,
    incident_title: str,
    page_url: str | None,
    full_name: str,
    unassignable: Sequence[str] = (),
) -> str:
    """The backlog issue's body: where the item comes from and what was agreed; the marker last."""
    source = "the incident issue" if item.origin == "body" else "the post-mortem page"
    facts = [f"- **Incident:** [#{incident_number} {_link_text(incident_title)}]({incident_url})"]
    if page_url:
        facts.append(f"- **Post-mortem:** [wiki page]({page_url})")
    if item.owners:
        facts.append(
            "- **Owner"
            + ("s" if len(item.owners) > 1 else "")
            + ":** "
            + ", ".join(f"@{o}" for o in item.owners)
        )
    if item.type:
        facts.append(f"- **Type:** {item.type}")
    if item.priority:
        facts.append(f"- **Priority:** {item.priority}")
    if item.due:
        facts.append(f"- **Due:** {item.due.isoformat()}")
    note = ""
    if unassignable:
        names = ", ".join(f"@{o}" for o in unassignable)
        note = (
            f"\n{names} could not be assigned (not a collaborator of {full_name}), "
            "so they are mentioned here instead.\n"
        )
    head = (
        f"Action item agreed in the post-mortem of #{incident_number}, taken from {source}.\n\n"
        + "\n".join(facts)
        + "\n\nAs written:\n\n"
    )
    tail = (
        f"\n{note}\nTick it off by closing this issue; pmaction ticks the item in the post-mortem.\n\n"
        + markers.item_marker(full_name, incident_number, item.key)
    )
    room = BODY_LIMIT - len(head) - len(tail) - 3
    quoted = "\n> ".join(line.strip() for line in (item.text or item.raw).split("\n"))
    if len(quoted) > room:
        quoted = quoted[: max(room - 1, 0)] + "…"
    return head + "> " + quoted + "\n" + tail


def backlog_labels(
    item: ActionItem, *, base_label: str = "postmortem-action", severity_label: str | None
) -> list[str]:
    labels = [base_label]
    if item.type:
        labels.append(f"type:{item.type}")
    if item.priority:
        labels.append(f"priority:{item.priority}")
    if severity_label:
        labels.append(severity_label)
    return list(dict.fromkeys(labels))
