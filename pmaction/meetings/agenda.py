"""The review's agenda, carried by the reminder when the review falls due (pure).

Progress per item (closed; open with its owner and age; closed as not planned), the incidents since this
one that carry the same labels (did it recur?), and the questions the review answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from pmaction.github.data import Issue
from pmaction.text.escape import inline

QUESTIONS = (
    "Did each closed item do what it was meant to? How do we know: did the test we agreed for it pass?",
    "Is each open item still worth doing? Keep it with an owner and a date, or close it as not planned and "
    "say why.",
    "Did this incident, or one like it, happen again (the incidents above)? What does that tell us?",
    "What did we learn about how we detect, mitigate and communicate, and what should change?",
    "Is there anything left to follow up? If not, close the review milestone.",
)


@dataclass(frozen=True)
class Recurrence:
    number: int
    title: str
    day: date
    shared: tuple[str, ...]  # the labels it shares with the reviewed incident


def comparable_labels(labels: Iterable[str], ignored: Iterable[str]) -> tuple[str, ...]:
    """The labels that say what broke: not the incident label, not a severity (``sev1``, ``SEV-2``)."""
    skip = {name.lower() for name in ignored}
    return tuple(
        name
        for name in labels
        if name.lower() not in skip and not name.lower().replace("-", "").startswith("sev")
    )


def recurrences(incident: Issue, others: Sequence[Issue], ignored: Iterable[str]) -> list[Recurrence]:
    """Incidents opened after ``incident`` that share one of its comparable labels, oldest first."""
    ignored = tuple(ignored)
    mine = {name.lower() for name in comparable_labels(incident.labels, ignored)}
    found = []
    for other in sorted(others, key=lambda issue: (issue.created_at, issue.number)):
        if (
            other.number == incident.number
            or other.is_pull_request
            or other.created_at <= incident.created_at
        ):
            continue
        shared = tuple(name for name in comparable_labels(other.labels, ignored) if name.lower() in mine)
        if shared:
            found.append(Recurrence(other.number, other.title, other.created_at.date(), shared))
    return found


def _item_line(item: Issue, today: date) -> str:
    title = f"#{item.number} {inline(item.title)}"
    if item.state == "closed" and item.state_reason == "not_planned":
        return f"- [ ] ~~{title}~~: closed as not planned"
    if item.state == "closed":
        when = f" on {item.closed_at.date().isoformat()}" if item.closed_at else ""
        return f"- [x] {title}: closed{when}"
    owners = " ".join(f"@{login}" for login in item.assignees) or "no owner"
    age = (today - item.created_at.date()).days
    return f"- [ ] {title}: open, {owners}, {age} day{'s' if age != 1 else ''} old"


def render_agenda(
    items: Sequence[Issue],
    found: Sequence[Recurrence] | None,
    compared: Sequence[str],
    today: date,
) -> list[str]:
    """The agenda's Markdown lines. ``found`` None: the incidents could not be listed (said, not hidden)."""
    lines = ["#### Agenda", "", "**Progress per item**", ""]
    order = {"open": 0, "closed": 1}
    ranked = sorted(items, key=lambda i: (order.get(i.state, 2), i.state_reason == "not_planned", i.number))
    lines += [_item_line(item, today) for item in ranked] or ["_No action items in the review milestone._"]
    lines += ["", "**Incidents since then with the same labels**", ""]
    if not compared:
        lines.append("_This incident has no labels besides the incident and severity labels to compare by._")
    elif found is None:
        lines.append("_The incidents could not be listed in this run._")
    elif not found:
        lines.append(f"None with {', '.join(f'`{inline(name)}`' for name in compared)}.")
    else:
        for other in found:
            labels = ", ".join(f"`{inline(name)}`" for name in other.shared)
            lines.append(f"- #{other.number} {inline(other.title)} ({other.day.isoformat()}; {labels})")
    lines += ["", "**Questions for the review**", ""]
    lines += [f"{n}. {question}" for n, question in enumerate(QUESTIONS, start=1)]
    return lines
