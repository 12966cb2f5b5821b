"""What the record on the status comment spares a run: all of it when the last full sync saw exactly this
(the run reads nothing more and writes nothing; see sync_record.py for what the record holds and when the
full path is taken instead), else the listing of every milestone (the record names the incident's)."""

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
from pmaction.github.errors import NotFound
from pmaction.incident.model import Incident
from pmaction.review.milestone import Review, list_reviews, review_from
from pmaction.run.session import Session
from pmaction.status.comment import find_status_comments
from pmaction.text import markers
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


def recorded_review(session: Session, incident: Incident, full_name: str) -> dict[int, Review]:
    """The incident's review milestone as its last sync recorded it (one GET by number), never a listing of
    every milestone: with no record, ensure_review creates it, and GitHub's unique titles turn one made
    earlier (a concurrent run's) into a 422 after which it is listed and adopted. A status comment of an
    older pmaction, without a record, still finds it by listing."""
    github, number = session.github, incident.issue.number
    record = record_of(incident.comments, full_name, number)
    if record is None or record.milestone is None:
        # A status comment but no number recorded (an older pmaction, or a run that could not tell it):
        # the milestone may well exist, so it is looked for; with no status comment it is created.
        known = find_status_comments(incident.comments, full_name, number)
        return list_reviews(github) if known else {}
    try:
        milestone = github.milestone(record.milestone)
    except NotFound:
        return {}  # deleted by someone: made again
    ref = markers.parse_review_marker(milestone.description)
    return {number: review_from(milestone, number)} if ref and ref.names(full_name, number) else {}
