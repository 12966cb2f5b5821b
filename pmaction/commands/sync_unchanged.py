"""An unchanged re-run: the record on the status comment says the last full sync saw exactly this, so the
run reads nothing more and writes nothing (see sync_record.py for what the record holds and when the full
path is taken instead)."""

from __future__ import annotations

import json

from pmaction.commands.sync_record import (
    NO_WIKI,
    Record,
    comments_digest,
    issue_digest,
    own_event,
    record_of,
    settings_digest,
)
from pmaction.incident.model import Incident
from pmaction.run.session import Session
from pmaction.timeline.sources.slack import channel_of
from pmaction.wiki.git import wiki_head, wiki_remote
from pmaction.wiki.names import wiki_page_url


def _matching_record(session: Session, incident: Incident, template: str | None) -> Record | None:
    issue, config = incident.issue, session.config
    payload = session.ctx.event.payload
    if not own_event(session.ctx.event.name, payload.get("issue"), issue.number):
        return None
    if session.ctx.slack_token and channel_of(issue.body, config.slack_channel):
        return None  # the channel's messages change without an event on GitHub: always read them
    record = record_of(incident.comments, incident.repo.full_name, issue.number)
    if record is None or not record.wiki or record.milestone is None:
        return None
    today = session.clock.now().astimezone(config.tz).date()
    same = (
        record.issue == issue_digest(issue)
        and record.comments == comments_digest(incident.comments, incident.repo.full_name, issue.number)
        and record.settings == settings_digest(config, template, today)
    )
    return record if same else None


def _wiki_unmoved(session: Session, incident: Incident, record: Record) -> bool:
    if not incident.repo.has_wiki:
        return record.wiki == NO_WIKI
    remote = wiki_remote(session.ctx.server_url, incident.repo.full_name)
    return wiki_head(remote, session.ctx.token) == record.wiki


def skip_if_unchanged(session: Session, incident: Incident, template: str | None) -> bool:
    """True when nothing changed since the last full sync: outputs as that sync set them, nothing written."""
    record = _matching_record(session, incident, template)
    if record is None or not _wiki_unmoved(session, incident, record):
        return False
    number, result = incident.issue.number, session.result
    line = f"#{number}: nothing changed since the last sync (its record on the status comment): nothing to do"
    session.reporter.info(line)
    result.summary.append(line[0].upper() + line[1:] + ".")
    result.outputs["milestone_number"] = str(record.milestone)
    result.outputs["created_issues"] = json.dumps([])
    if record.wiki != NO_WIKI and record.page:
        result.outputs["wiki_page_url"] = wiki_page_url(
            session.ctx.server_url, incident.repo.full_name, record.page
        )
    return True
