"""`sync-wiki`: people edited the wiki; re-sync every incident whose page changed since pmaction wrote it.

State-based, not payload-based: GitHub keeps one pending run per concurrency group and cancels the older
one, so a run must not rely on its own payload naming every edited page. A page counts as changed when
the newest commit touching it is not pmaction's (its commits carry the bot's e-mail). Pages are found by
the incident marker on their first line, never by file name: a renamed page is still its incident's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pmaction.commands.sync import sync
from pmaction.run.session import Session
from pmaction.text import markers
from pmaction.wiki.git import BOT_EMAIL, WikiPages, read_wiki, wiki_remote


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


def changed_incidents(pages: WikiPages, full_name: str, names: list[str]) -> list[int]:
    """Incidents whose page a person changed after pmaction last wrote it, and those the event names
    (pure)."""
    changed = [name for name, by in pages.last_author.items() if by != BOT_EMAIL and name.endswith(".md")]
    return incidents_of(pages.files, [*sorted(changed), *names], full_name)


def sync_wiki(session: Session, number: int | None) -> None:
    names = edited_page_files(session.ctx.event.payload)
    pages = read_wiki(wiki_remote(session.ctx.server_url, session.ctx.repo), session.ctx.token)
    if pages.problem:
        session.result.fail(pages.problem)
        return
    numbers = changed_incidents(pages, session.ctx.repo, names)
    if not numbers:
        quiet = "no post-mortem page changed since pmaction last wrote it: nothing to do"
        session.reporter.notice(quiet)
        session.result.summary.append(quiet[0].upper() + quiet[1:] + ".")
        return
    for incident in numbers:
        with session.reporter.group(f"#{incident}"):
            sync(session, incident)
