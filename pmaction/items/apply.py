"""Agreed items meet the backlog: create the issues new items need, then annotate and tick their lines."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from pmaction.errors import PmactionError
from pmaction.github.client import GitHub
from pmaction.items import edit
from pmaction.items.backlog import BacklogWriter, Decision, decide, list_backlog
from pmaction.items.parse import ActionItem, parse_action_items, quote
from pmaction.reporter import Reporter
from pmaction.text.escape import clean


@dataclass
class Backlogging:
    """One incident's backlog for one run: listed at most once, and only when GitHub's count of the
    review milestone's issues says there is something to list."""

    writer: BacklogWriter
    label: str
    has_issues: bool
    create_checked: bool
    loaded: bool = False

    def load(self) -> None:
        if self.loaded:
            return
        self.loaded = True
        if self.has_issues:
            writer = self.writer
            writer.backlog = list_backlog(
                writer.github, incident=writer.incident, label=self.label, milestone=writer.milestone
            )
            writer.close_copies()  # a copy an earlier run left counting (it ended before closing it)

    def apply(self, agreed: Sequence[ActionItem]) -> list[Decision]:
        """Create the issues new agreed items need; return what each item's line should become."""
        if not agreed:
            return []
        self.load()
        writer = self.writer
        decisions = decide(
            agreed, writer.backlog, create_checked=self.create_checked, state_of=writer.state_of
        )
        self._prepare([d.item for d in decisions if d.action == "create"])
        final = [self._create(d) if d.action == "create" else d for d in decisions]
        # A concurrent run made some of these too: ours are closed as duplicates, lines link the originals.
        originals = writer.settle_duplicates()
        return [self._original(d, originals) for d in final]

    def _original(self, decision: Decision, originals: dict[int, int]) -> Decision:
        """A line links its item's issue, never a copy: one this run closed, or one another run closed
        first (then only the listing knows it is a copy)."""
        number = decision.number
        if decision.action != "annotate" or number is None:
            return decision
        backlog = self.writer.backlog
        copy = backlog.by_number.get(number)
        if number in originals:
            number = originals[number]
        elif copy is not None and copy.key and backlog.is_copy(copy):
            number = backlog.by_key[copy.key].number
        return replace(decision, number=number)

    def _prepare(self, new: Sequence[ActionItem]) -> None:
        writer = self.writer
        if not new or writer.blocked is not None:
            return
        try:
            writer.prepare_labels(new)
        except PmactionError as exc:
            writer.blocked = exc  # as a failed create: no issue is made, the page and status still are

    def _create(self, decision: Decision) -> Decision:
        writer = self.writer
        if writer.blocked is not None:
            return Decision(decision.item, "keep")
        try:
            number = writer.ensure(decision.item)
        except PmactionError as exc:
            # Stop creating (GitHub is failing) but finish the page and the status comment; the rerun
            # finds what landed by its marker and creates the rest.
            writer.blocked = exc
            number = None
        if number and decision.stale_ref:
            self._say_stale(decision.item, number)
        return Decision(decision.item, "annotate" if number else "keep", number, decision.stale_ref)

    def _say_stale(self, item: ActionItem, number: int) -> None:
        writer = self.writer
        where = "the issue body" if item.origin == "body" else "the wiki page"
        writer.reporter.warning(
            f"{where}, line {item.line_index + 1}: '{clean(quote(item.raw))}' ends with (#{item.ref}), which "
            f"is no issue of {writer.github.full_name}: created #{number} for the action item and linked it "
            f"after (#{item.ref}); correct or remove (#{item.ref})",
            title="pmaction: action items",
        )


def apply_decisions(
    markdown: str, decisions: Sequence[Decision], issue_url: Callable[[int], str] | None = None
) -> str:
    """Annotate and tick/untick item lines in a document (pure, byte for byte elsewhere); with
    ``issue_url`` (on a wiki page) the annotation is an explicit link."""
    for decision in decisions:
        if decision.action == "annotate" and decision.number:
            url = issue_url(decision.number) if issue_url else None
            markdown, _ = edit.annotate(
                markdown, decision.item, decision.number, url, after_stale=decision.stale_ref
            )
        elif decision.action == "tick":
            markdown, _ = edit.set_checked(markdown, decision.item, True)
        elif decision.action == "untick":
            markdown, _ = edit.set_checked(markdown, decision.item, False)
    return markdown


def link_body_items(
    github: GitHub,
    number: int,
    decisions: Sequence[Decision],
    *,
    taxonomy: Sequence[str],
    reporter: Reporter,
    done: list[str],
) -> None:
    """Write the items' issue numbers and states into the incident's body, re-read first: someone may have
    edited it during this run (items are located by their raw line in the fresh body)."""
    if not any(d.action in ("annotate", "tick", "untick") for d in decisions):
        return
    body = github.issue(number, action=f"re-read issue #{number} before editing its body").body
    parsed = parse_action_items(body, origin="body", taxonomy=taxonomy, repo=github.full_name)
    fresh = {item.raw: item for item in parsed.agreed}
    remapped = [replace(d, item=fresh[d.item.raw]) for d in decisions if d.item.raw in fresh]
    new_body = apply_decisions(body, remapped)
    if len(new_body) > edit.BODY_LIMIT:
        # GitHub would refuse the edit (422) on every rerun; the issues exist and the status comment lists
        # them, so say how to get the links instead of failing the run.
        reporter.warning(
            f"the body of #{number} is too long to link its action items "
            f"(GitHub allows {edit.BODY_LIMIT:,} characters): shorten it and re-run to add the links; "
            "the items' issues are listed in the status comment meanwhile",
            title="pmaction: action items",
        )
        return
    linked = new_body != body and github.edit_issue(
        number,
        body=new_body,
        action=f"link action items in the body of issue #{number}",
        planned=f"would link {len(decisions)} action item(s) in the issue body",
    )
    if linked:
        done.append(f"linked action items in the body of #{number}")
