"""`sync-wiki`: a person edited the wiki; re-sync the incidents whose pages the edit touched.

Pages are found by the incident marker on their first line, like everywhere else, never by file name:
a page someone renamed is still its incident's page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pmaction.commands.sync import sync
from pmaction.run.session import Session
from pmaction.text import markers
from pmaction.wiki.git import update_wiki, wiki_remote


def edited_page_files(payload: Mapping[str, Any]) -> list[str]:
    """The wiki files (``Name.md``) a gollum event says were created or edited (pure)."""
    names: list[str] = []
    for page in payload.get("pages") or []:
        if not isinstance(page, Mapping):
            continue
        name = str(page.get("page_name") or page.get("title") or "").replace(" ", "-")
        if name and f"{name}.md" not in names:
            names.append(f"{name}.md")
    return names


def incidents_of(files: Mapping[str, str], names: list[str], full_name: str) -> list[int]:
    """The incidents whose pages are among ``names``, by each page's marker (pure)."""
    numbers: list[int] = []
    for name in names:
        ref = markers.parse_page_marker(files.get(name, "").split("\n", 1)[0].lstrip("\ufeff"))
        if ref is not None and ref.repo.lower() == full_name.lower() and ref.number not in numbers:
            numbers.append(ref.number)
    return numbers


def _read_wiki(session: Session) -> dict[str, str]:
    """The wiki's pages, read by a clone that writes nothing."""
    seen: dict[str, str] = {}

    def look(files: dict[str, str]) -> dict[str, str]:
        seen.clear()
        seen.update(files)
        return {}

    outcome = update_wiki(
        wiki_remote(session.ctx.server_url, session.ctx.repo),
        session.ctx.token,
        look,
        message="pmaction: read only",
        dry_run=True,
    )
    if outcome.status not in ("unchanged", "dry_run"):
        session.result.fail(outcome.message)
    return seen


def sync_wiki(session: Session, number: int | None) -> None:
    names = edited_page_files(session.ctx.event.payload)
    numbers = incidents_of(_read_wiki(session), names, session.ctx.repo) if names else []
    if not numbers:
        if session.result.failed:
            return
        session.reporter.notice("the edited wiki pages are not post-mortem pages: nothing to do")
        session.result.summary.append("The edited wiki pages are not post-mortem pages: nothing to do.")
        return
    for incident in numbers:
        with session.reporter.group(f"#{incident}"):
            sync(session, incident)
