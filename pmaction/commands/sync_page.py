"""The sync's wiki write: the incident page (with the items agreed on it), the report, the index and the
sidebar, in one commit.

Issues for items found on the page are created once, in ``prepare``, on the first clone's files; ``edit``
only renders, and may run again on fresher files if someone pushed in between. An item added to the page
in that moment gets its issue from the next run (its own wiki-edit run).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from pmaction.commands.sync_meetings import meeting_files, shown_on_page
from pmaction.commands.sync_reviews import kept_reviews, with_reviews
from pmaction.commands.sync_state import SyncState, facts_of, index_row, page_context, reviews_now
from pmaction.items.apply import Backlogging, apply_decisions
from pmaction.items.backlog import Decision, decide
from pmaction.items.parse import ActionItem, ItemsParse, parse_action_items
from pmaction.report.facts import collect_facts, set_facts_line
from pmaction.report.render import REPORT_PAGE, report_files
from pmaction.run.session import Session
from pmaction.wiki.git import EarlyClone, WikiOutcome, update_wiki, wiki_remote
from pmaction.wiki.index import ensure_sidebar, update_index
from pmaction.wiki.names import find_incident_page
from pmaction.wiki.page import refresh_page, render_page
from pmaction.wiki.render import DEFAULT_TEMPLATE_NAME

# Called when the page already shows rows of comments this run did not read (a concurrent run saw more).
Reread = Callable[[str], None]
WarnItems = Callable[[ItemsParse, str], None]


@dataclass
class PageWriter:
    session: Session
    state: SyncState
    items: Backlogging
    template: str | None
    today: date
    reread: Reread
    warn: WarnItems
    decided: dict[str, Decision] = field(default_factory=dict)  # by the item's line, from prepare
    attempts: list[bool] = field(default_factory=list)  # per edit: did the page exist in that clone?
    early: EarlyClone | None = None  # the first clone, started while the REST steps ran

    def _parse(self, page: str) -> ItemsParse:
        # The repository, so that a link to another one's issue is not read as ours (a wiki has no autolinks).
        config, repo = self.session.config, self.session.github.full_name
        return parse_action_items(page, origin="page", taxonomy=config.type_taxonomy, repo=repo)

    def prepare(self, files: dict[str, str]) -> None:
        """Once, on the first clone: create the issues the page's new agreed items need."""
        name = find_incident_page(files, self.state.full_name, self.state.number) or self.state.page_name
        page = files.get(name)
        if page is None:
            if self.items.has_issues:
                self.items.load()  # a fresh page still shows the backlog's progress
            return
        self.reread(page)
        parsed = self._parse(page)
        self.warn(parsed, f"wiki page {name}")
        self.decided = {d.item.raw: d for d in self.items.apply(parsed.agreed)}

    def _decisions(self, agreed: tuple[ActionItem, ...]) -> list[Decision]:
        """The prepared decision for each item line; a line that appeared since is only linked to an issue
        that already exists (never created here)."""
        backlog = self.items.writer.backlog
        known = [Decision(item, d.action, d.number) for item in agreed if (d := self.decided.get(item.raw))]
        new = [item for item in agreed if item.raw not in self.decided]

        def state_of(number: int) -> str | None:
            issue = backlog.by_number.get(number)
            return issue.state if issue else None

        later = decide(new, backlog, create_checked=False, state_of=state_of) if new else []
        return known + [d for d in later if d.action != "create"]

    def edit(self, files: dict[str, str]) -> dict[str, str]:
        state, config = self.state, self.session.config
        found = find_incident_page(files, state.full_name, state.number)
        self.attempts.append(found is not None)
        name = found or state.page_name
        state.page_name, state.page_url = name, state.url_of(self.session.ctx.server_url, name)
        existing = files.get(name)
        if existing is not None:
            # A retry's fresh clone may hold rows of comments a concurrent run read after us: read them
            # too (a read, never a write), or the refresh below would drop those rows.
            self.reread(existing)
        context = page_context(state, self.items.writer.backlog, config.tz)
        if state.invitees is not None:
            context = shown_on_page(self.session, state, state.invitees, context, name, state.page_url)
        template_name = config.template or DEFAULT_TEMPLATE_NAME
        if existing is not None:
            issue_url = state.incident.repo.html_url.rstrip("/") + "/issues/{}"
            decisions = self._decisions(self._parse(existing).agreed)
            existing = apply_decisions(existing, decisions, issue_url.format)
            text = refresh_page(existing, context, self.template, template_name=template_name)
        else:
            text = render_page(context, self.template, template_name=template_name)
        text = set_facts_line(text, facts_of(state, state.page_url))
        return self._changes(files, name, text)

    def _changes(self, files: dict[str, str], name: str, page: str) -> dict[str, str]:
        state, config = self.state, self.session.config
        facts = collect_facts({**files, name: page}, state.full_name)
        # The other incidents' review states as the report page keeps them; this incident's as read now.
        kept = kept_reviews(files.get(REPORT_PAGE), state.incident.repo.html_url)
        state.reviews = {**kept, **state.reviews}
        writer = self.items.writer
        reviews = reviews_now(state, writer.backlog, len(writer.created))
        index_name = f"{config.index_page}.md"
        changes = {
            name: page,
            **report_files(facts, reviews, self.today, files.get(REPORT_PAGE)),
            **self._meeting_files(files, name),
            index_name: update_index(
                files.get(index_name), index_row(state, state.page_url, config.tz), title=config.index_page
            ),
            "_Sidebar.md": ensure_sidebar(files.get("_Sidebar.md"), config.index_page),
        }
        changes[REPORT_PAGE] = with_reviews(changes[REPORT_PAGE], reviews)
        return {key: value for key, value in changes.items() if files.get(key) != value}

    def _meeting_files(self, files: dict[str, str], name: str) -> dict[str, str]:
        state = self.state
        if state.invitees is None:
            return {}
        return meeting_files(self.session, state, state.invitees, files, name, state.page_url)


def write_wiki(writer: PageWriter) -> WikiOutcome:
    session, issue = writer.session, writer.state.incident.issue
    return update_wiki(
        wiki_remote(session.ctx.server_url, writer.state.full_name),
        session.ctx.token,
        writer.edit,
        message=f"pmaction: post-mortem of #{issue.number} {issue.title}"[:200],
        dry_run=session.config.dry_run,
        prepare=writer.prepare,
        max_wait=session.config.max_wait_seconds,
        early=writer.early,
    )
