"""Action items written as a table: ``| Action Item | Type | Owner | Bug |``, often with a status column.

Pure. The header names the columns; a row's title cell is read like a list item's text (so ``@owner`` or
``(#123)`` in it still count), and the other cells add what they hold: owners, a type from the taxonomy, a
priority, a due date, a TODO/DONE status, the bug or issue the row already has.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from pmaction.items import fields as f
from pmaction.text.markdown import CELL_SPLIT, cells

# Header words, most specific first: a header cell takes the first role it names.
_ROLES = (
    ("status", re.compile(r"(?i)\b(?:status|state|done|progress)\b")),
    ("owner", re.compile(r"(?i)\b(?:owners?|assignees?|who|dri|responsible|assigned)\b")),
    ("bug", re.compile(r"(?i)\b(?:bugs?|issues?|tickets?|tracking|links?|jira|prs?|pull)\b")),
    ("type", re.compile(r"(?i)\b(?:type|kind|category)\b")),
    ("priority", re.compile(r"(?i)\b(?:priority|prio|severity)\b")),
    ("due", re.compile(r"(?i)\b(?:due|deadline|target|eta)\b")),
    ("title", re.compile(r"(?i)\b(?:action|item|task|what|description|title|follow)")),
)
_NOTHING = re.compile(r"(?i)^(?:n/?a|none|-+|—|–|tbd|tba|\?|)$")


@dataclass(frozen=True)
class Columns:
    roles: dict[str, int]  # role -> column index

    @property
    def title(self) -> int:
        return self.roles.get("title", 0)


def columns_of(header: str) -> Columns:
    roles: dict[str, int] = {}
    for index, name in enumerate(cells(header)):
        for role, pattern in _ROLES:
            if role not in roles and pattern.search(name):
                roles[role] = index
                break
    return Columns(roles)


def _cell_spans(text: str) -> list[tuple[int, int]]:
    """Where each cell's content sits in the row (the split ``cells`` makes, as positions)."""
    bounds = [-1] + [m.start() for m in CELL_SPLIT.finditer(text)] + [len(text)]
    spans = [(bounds[i] + 1, bounds[i + 1]) for i in range(len(bounds) - 1)]
    if text.strip().startswith("|"):
        spans = spans[1:]
    stripped = text.rstrip()
    if stripped.endswith("|") and not stripped.endswith("\\|"):
        spans = spans[:-1]
    return spans


def row_fields(
    text: str,
    columns: Columns | None,
    taxonomy: Sequence[str],
    where: str,
    repo: str | None,
    definitions: Mapping[str, str],
) -> f.Fields:
    """One row's fields; ``link_at`` is the end of its title cell, where ``(#123)`` goes."""
    columns = columns or Columns({})
    row = cells(text)
    spans = _cell_spans(text)
    at = min(columns.title, len(row) - 1)
    start, end = spans[at] if at < len(spans) else (0, len(text))
    cell_end = start + len(text[start:end].rstrip(" \t"))
    read = f.parse_fields(row[at], taxonomy, where, repo=repo, definitions=definitions)

    def cell(role: str) -> str:
        index = columns.roles.get(role)
        return row[index] if index is not None and index < len(row) and index != at else ""

    owners = read.owners + tuple(o for o in f.owners_in_cell(cell("owner")) if o not in read.owners)
    status = f.status_cell(cell("status")) or read.status
    bug, bug_status = f.status_of(cell("bug"))
    ref, tracked = read.ref, read.tracked
    if ref is None and tracked is None and not _NOTHING.match(bug.strip()):
        _, ref, tracked = f.linked(bug.strip(), repo, definitions)
        if ref is None and tracked is None:
            tracked = bug.strip()  # "Bug 5554823", "JIRA-12": the team's own tracker
    return replace(
        read,
        owners=owners,
        type=read.type or _type(cell("type"), taxonomy),
        priority=read.priority or _priority(cell("priority")),
        due=read.due or _due(cell("due")),
        ref=ref,
        tracked=tracked,
        status=status or bug_status,
        link_at=cell_end,
    )


def _type(value: str, taxonomy: Sequence[str]) -> str | None:
    word = value.strip().lstrip("#").lower()
    return word if word in (t.lower() for t in taxonomy) else None


def _priority(value: str) -> str | None:
    found = re.match(r"(?i)^\s*P([0-3])\s*$", value)
    return f"P{found[1]}" if found else None


def _due(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None
