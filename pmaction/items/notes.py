"""Saying, once per document, which lines under an action-items heading make no backlog issue, and what
would make them count: for the log (a warning) and for Markdown (the job summary and the status comment).

Pure. Nothing a team wrote under such a heading is dropped in silence: a proposal, an unboxed line beside
boxed ones, a line under a "Next steps" heading without evidence, prose, an item already done; and items
that already have an issue elsewhere are said to be linked to it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pmaction.items.parse import ActionItem, ItemsParse, Unread, quote
from pmaction.text.escape import clean, inline

SHOWN = 5  # lines named per kind; the rest are counted

_WHY = {
    "proposal": "worded as a proposal",
    "beside-tasks": "no task box, beside items that have one",
    "weak": "no owner, issue link or status under a heading not only for agreed work",
    "prose": "prose, not a list item or table row",
}
# What makes a line of each kind count (in the order the kinds are named).
_FIX = {
    "proposal": "an item starting Consider, We could, Maybe, Idea:, If X is available, (or a question) is a "
    "proposal unless it has an @owner, an issue link or a TODO/DONE status",
    "beside-tasks": "where some items have a task box `- [ ]`, only boxed ones count: box the agreed ones",
    "weak": "under headings such as Next steps an item counts with a task box, an @owner, an "
    "issue link or a TODO/DONE status, or when an intro says the team will do them (We will ...:); under "
    "Action items every item counts",
    "prose": "write each agreed item as a list item (`- what to do @owner`) or a table row",
}
_TAIL = (
    "lines under a Proposed or Ideas heading are proposals and not reported (see the README, Action items)"
)


@dataclass(frozen=True)
class Note:
    warning: str | None  # one log line: lines that make no issue
    markdown: str | None  # the same, and items linked to an issue elsewhere, for summary and status comment
    notice: str | None = None  # one log line: items tracked in an issue elsewhere (no issue made, by design)


def items_note(parsed: ItemsParse, where: str, *, create_checked: bool) -> Note:
    done = (
        [] if create_checked else [i for i in parsed.agreed if i.checked and i.ref is None and not i.tracked]
    )
    tracked = [item for item in parsed.agreed if item.tracked and item.ref is None]
    if not (parsed.unread or done or tracked):
        return Note(None, None)
    warning = _sentence(where, parsed.unread, done, _plain) if parsed.unread or done else None
    markdown = " ".join(
        part
        for part in (
            _sentence(where, parsed.unread, done, _markdown) if parsed.unread or done else "",
            _tracked(tracked, where if not (parsed.unread or done) else None, lambda t: inline(quote(t, 80))),
        )
        if part
    )
    notice = _tracked(tracked, where, lambda text: clean(quote(text, 80))) or None
    return Note(warning, markdown, notice)


Quote = Callable[[str], str]


def _plain(text: str) -> str:
    return f"'{clean(quote(text))}'"


def _markdown(text: str) -> str:
    return f"“{inline(quote(text, 60))}”"


def _lines(numbers: Sequence[tuple[int, str, str]], show: Quote) -> str:
    named = [
        f"line {line} {show(text)}" + (f" ({why})" if why else "") for line, text, why in numbers[:SHOWN]
    ]
    return ", ".join(named) + _more([line for line, _, _ in numbers[SHOWN:]])


def _more(lines: Sequence[int]) -> str:
    """The lines past the first few, by number only: every line is named."""
    return ", and line " + ", line ".join(map(str, lines)) if lines else ""


def _sentence(where: str, unread: Sequence[Unread], done: Sequence[ActionItem], show: Quote) -> str:
    parts = []
    if unread:
        lines = [(u.line_index + 1, u.text, _WHY[u.reason]) for u in unread]
        kinds = list(dict.fromkeys(u.reason for u in unread))
        parts.append(
            f"{where}: {len(unread)} line(s) under an action-items heading were not taken as action items "
            f"(no backlog issue): "
            f"{_lines(lines, show)}. To make one count: " + "; ".join(_FIX[k] for k in kinds) + f" ({_TAIL})."
        )
    if done:
        lines = [(i.line_index + 1, i.raw, "") for i in done]
        prefix = f"{where}: " if not unread else ""
        parts.append(
            f"{prefix}{len(done)} agreed action item(s) already marked done made no backlog issue: "
            f"{_lines(lines, show)} (set create_checked_items: true to track done items too)."
        )
    return " ".join(parts)


def _tracked(items: Sequence[ActionItem], where: str | None, show: Quote) -> str:
    if not items:
        return ""
    named = ", ".join(f"line {i.line_index + 1} → {show(i.tracked or '')}" for i in items[:SHOWN])
    prefix = f"{where}: " if where else ""
    return (
        f"{prefix}{len(items)} agreed action item(s) name an issue elsewhere and are tracked there, not as "
        f"backlog issues: {named}{_more([i.line_index + 1 for i in items[SHOWN:]])}."
    )
