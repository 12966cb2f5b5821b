"""The command registry: importing this module registers every command with the engine."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pmaction.commands import nag as _nag  # noqa: F401
from pmaction.commands import sync as _sync
from pmaction.engine import Session, command
from pmaction.github.client import GitHub
from pmaction.report.facts import REPORT_PAGE, ReviewState, collect_facts, render_report
from pmaction.review.milestone import list_reviews
from pmaction.wiki.git import update_wiki, wiki_disabled_outcome, wiki_remote

# Our page names start with this and carry the incident number after the date.
_PAGE_NAME = re.compile(r"^Postmortem-\d{4}-\d{2}-\d{2}-(?P<number>\d+)(?:-|$)")


def incidents_in_gollum(payload: Mapping[str, Any]) -> list[int]:
    """Incident numbers of the pmaction pages a gollum event says were edited (pure)."""
    numbers: list[int] = []
    for page in payload.get("pages") or []:
        if not isinstance(page, Mapping):
            continue
        name = str(page.get("page_name") or page.get("title") or "").replace(" ", "-")
        match = _PAGE_NAME.match(name)
        if match and int(match["number"]) not in numbers:
            numbers.append(int(match["number"]))
    return numbers


@command("sync-wiki")
def sync_wiki(session: Session, number: int | None) -> None:
    """A person edited the wiki: re-sync the incidents whose pages changed (their action items)."""
    numbers = incidents_in_gollum(session.ctx.event.payload)
    if not numbers:
        session.reporter.notice("the edited wiki pages are not post-mortem pages: nothing to do")
        session.result.summary.append("The edited wiki pages are not post-mortem pages: nothing to do.")
        return
    for incident in numbers:
        with session.reporter.group(f"#{incident}"):
            _sync.sync(session, incident)


def review_states(github: GitHub) -> dict[int, ReviewState]:
    return {
        incident: ReviewState(
            incident, review.state, review.due_on, review.open_issues, review.closed_issues, review.html_url
        )
        for incident, (_, review) in list_reviews(github).items()
    }


@command("report")
def report(session: Session, number: int | None) -> None:
    """Regenerate the cross-incident report page from the incident pages and the review milestones."""
    github, result = session.github, session.result
    repo = github.repository()
    today = session.clock.now().astimezone(session.config.tz).date()
    reviews = review_states(github)
    rendered: dict[str, str] = {}

    def edit(files: dict[str, str]) -> dict[str, str]:
        text = render_report(collect_facts(files, repo.full_name), reviews, today)
        rendered["text"] = text
        return {REPORT_PAGE: text} if files.get(REPORT_PAGE) != text else {}

    if not repo.has_wiki:
        outcome = wiki_disabled_outcome(repo.full_name)
    else:
        outcome = update_wiki(
            wiki_remote(session.ctx.server_url, repo.full_name),
            session.ctx.token,
            edit,
            message="pmaction: post-mortem report",
            dry_run=session.config.dry_run,
        )
    if outcome.status in ("pushed", "unchanged", "dry_run"):
        if outcome.status == "pushed":
            result.done.append(f"updated the wiki page {REPORT_PAGE[:-3]}")
        result.summary.append(rendered.get("text", ""))
    else:
        result.fail(outcome.message)
