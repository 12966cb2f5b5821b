"""The guard over what a public wiki page would show of people's text: timeline entries, the title, the
agreed items. ``warn`` reports what it finds; ``block`` publishes it redacted (and fails the run)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from pmaction.github.data import Issue
from pmaction.guard.scan import Finding, redact, scan
from pmaction.timeline.model import Timeline


@dataclass(frozen=True)
class Text:
    """One piece of people's text in the issue body (an agreed item's line) and where it stands."""

    raw: str
    where: str


@dataclass
class Guard:
    """Scans text for one page; keeps every distinct finding for one report at the end of the run."""

    host_patterns: tuple[str, ...]
    block: bool
    findings: dict[tuple[str, str, str], Finding] = field(default_factory=dict)

    def check(self, text: str, where: str) -> str:
        found = scan(text, where=where, host_patterns=self.host_patterns)
        for finding in found:
            self.findings.setdefault((finding.kind, finding.excerpt, finding.where), finding)
        return redact(text, found) if self.block and found else text

    def hide(self, text: str) -> str:
        """``text`` redacted without a report (it repeats text already reported, e.g. the milestone title)."""
        return redact(text, scan(text, where="", host_patterns=self.host_patterns)) if self.block else text


def _where(entry_source: str, author: str | None, url: str | None, number: int) -> str | None:
    if entry_source == "comment":
        return f"the comment by {author} ({url})"
    if entry_source == "body":
        return f"the Timeline section of issue #{number}"
    if entry_source == "slack":
        return f"the Slack message by {author} ({url})"
    if entry_source in ("release", "pull request"):
        return f"the {entry_source} {url}"  # their titles are people's words too
    return None  # issue events, moments, deployments, workflow runs: text pmaction wrote itself


def guard_timeline(guard: Guard, timeline: Timeline, number: int) -> Timeline:
    entries = []
    for entry in timeline.entries:
        where = _where(entry.source, entry.author, entry.url, number)
        entries.append(entry if where is None else replace(entry, text=guard.check(entry.text, where)))
    return replace(timeline, entries=tuple(entries)) if guard.block else timeline


def guard_issue(guard: Guard, issue: Issue, items: Sequence[Text]) -> Issue:
    """The issue with its title and agreed item lines checked (redacted in block mode)."""
    title = guard.check(issue.title, f"the title of issue #{issue.number}")
    body = issue.body
    for item in items:
        body = body.replace(item.raw, guard.check(item.raw, item.where))
    return replace(issue, title=title, body=body) if guard.block else issue
