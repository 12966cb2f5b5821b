"""The full sync of one incident, once `sync` found something changed (commands/sync.py): the timeline →
the review milestone → the agreed action items as backlog issues → the wiki: the page (and the items agreed
on it), the report, the index and the sidebar in one commit → link the body's items to their issues → the
status comment → outputs and the job summary.

Wiki trouble never stops the issue-side steps; a failed step is kept for the end so the others still run.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any, TypeVar

from pmaction.commands.sync_meetings import (
    calendar_links,
    for_new_milestone,
    plan_meetings,
    record_on_milestone,
)
from pmaction.commands.sync_page import PageWriter, write_wiki
from pmaction.commands.sync_record import (
    NO_WIKI,
    Record,
    comments_digest,
    issue_digest,
    record_of,
    settings_digest,
    with_record,
)
from pmaction.commands.sync_state import SyncState, due_text, job_summary
from pmaction.commands.sync_unchanged import recorded_review
from pmaction.errors import PmactionError
from pmaction.github.changes import RepoChanges, read_changes
from pmaction.github.data import BOT_LOGIN, Issue
from pmaction.github.recorder import report_planned
from pmaction.guard.public import Guard, Text, guard_issue, guard_timeline
from pmaction.guard.scan import guard_message
from pmaction.incident.issueform import page_fields
from pmaction.incident.model import Incident, Outside
from pmaction.incident.severity import severity_label
from pmaction.items.apply import Backlogging, link_body_items
from pmaction.items.backlog import Backlog, BacklogWriter, Decision
from pmaction.items.notes import items_note
from pmaction.items.parse import ItemsParse, parse_action_items
from pmaction.report.render import ReviewState
from pmaction.review.dates import milestone_title
from pmaction.review.milestone import Review, ensure_review
from pmaction.run.session import Session
from pmaction.slack.client import SlackSettings, api_url_from_env, read_channel
from pmaction.slack.data import SlackRead
from pmaction.status.comment import StatusView, render_status
from pmaction.status.publish import upsert_status
from pmaction.text import markers
from pmaction.timeline.build import build_timeline
from pmaction.timeline.durations import incident_start
from pmaction.timeline.model import Timeline
from pmaction.timeline.sources.slack import channel_of
from pmaction.wiki.git import wiki_disabled_outcome
from pmaction.wiki.git_clone import WikiClone
from pmaction.wiki.names import page_file_name

T = TypeVar("T")


def sync_incident(
    session: Session, incident: Incident, template: str | None, early: WikiClone | None
) -> None:
    incident = _read_outside(session, incident)
    state = _start(session, incident)
    failures: list[PmactionError] = []
    _step(failures, lambda: _invite(session, state))  # before the milestone: a new one names the meetings
    _step(failures, lambda: _review(session, state))
    _guard(session, state)
    _name_page(session, state)  # after the guard: a redacted title gives the file name
    items = _backlogging(session, state, failures)
    body_decisions = items.apply(state.body_items.agreed)
    _wiki(session, state, items, template, early)
    _step(failures, lambda: record_on_milestone(session, state, state.invitees) if state.invitees else None)
    _step(failures, lambda: _link(session, state, body_decisions))
    record = lambda: _record(session, state, incident.issue, template)  # noqa: E731 (after the wiki)
    _step(failures, lambda: _status(session, state, items.writer, record()))
    _finish(session, state, items.writer, failures)


def _timeline(session: Session, incident: Incident) -> Timeline:
    config = session.config
    return build_timeline(
        incident,
        label=config.incident_label,
        tz=config.tz,
        include_events=config.include_events,
        trusted_only=not config.include_untrusted_comments,
        bot_logins=frozenset({BOT_LOGIN}),
        date_order=config.date_order,
    )


def _read_outside(session: Session, incident: Incident) -> Incident:
    """The incident's Slack channel and what changed in the repository, read once per run for the timeline's
    sources; a read that fails is one warning naming the fix, and the sync goes on without those rows."""
    config, token = session.config, session.ctx.slack_token
    moments = _timeline(session, incident).moments  # pure: where the two windows begin and end
    end = moments.declared_over or session.clock.now()
    slack, channel = SlackRead(), channel_of(incident.issue.body, config.slack_channel)
    if token and channel and moments.announced:
        settings = SlackSettings(token, api_url_from_env(), config.max_wait_seconds, config.request_timeout)
        since = moments.announced - timedelta(minutes=config.slack_lead_minutes)
        slack = read_channel(settings, channel, since, end, config.slack_reaction)
    changes, start = RepoChanges(), incident_start(moments)
    if config.changes and start is not None:
        since = start - timedelta(hours=config.changes_lead_hours)
        changes = read_changes(session.github, branch=incident.repo.default_branch, since=since, until=end)
    for problem in filter(None, (slack.problem, *changes.problems)):
        session.reporter.warning(problem, title=f"pmaction: #{incident.issue.number} timeline")
    return replace(incident, outside=Outside(slack.messages, changes))


def _items_of(session: Session, body: str) -> ItemsParse:
    config = session.config
    return parse_action_items(
        body, origin="body", taxonomy=config.type_taxonomy, repo=session.github.full_name
    )


def _start(session: Session, incident: Incident) -> SyncState:
    config, reporter, issue = session.config, session.reporter, incident.issue
    timeline = _timeline(session, incident)
    for warning in timeline.warnings:
        reporter.warning(warning, title=f"pmaction: #{issue.number} timeline")
    reporter.info(
        f"#{issue.number} {issue.title}: {len(incident.comments)} comment(s), {len(incident.events)} "
        f"event(s), {len(timeline.entries)} timeline entries"
    )
    body_items = _items_of(session, issue.body)
    _warn_items(session, body_items, "the issue body")
    block = config.sensitive_info == "block"
    return SyncState(incident, timeline, body_items, Guard(config.internal_host_patterns, block))


def _name_page(session: Session, state: SyncState) -> None:
    """The page's file name and URL, known before writing so backlog issues can link to the page."""
    announced = state.timeline.moments.announced
    state.page_name = page_file_name(state.incident.issue, announced, session.config.tz)
    state.page_url = state.url_of(session.ctx.server_url, state.page_name)


# --- 1. the review milestone, created when the incident starts --------------------------------------------


def _review(session: Session, state: SyncState) -> None:
    config, issue, number = session.config, state.incident.issue, state.number
    reviews = recorded_review(session, state.incident, state.full_name)
    start = incident_start(state.timeline.moments) or issue.created_at
    state.review = _unscheduled(number, issue.title)  # until the milestone is known
    review, created = ensure_review(
        session.github,
        incident=number,
        incident_title=issue.title,
        incident_url=issue.html_url,
        start=start.astimezone(config.tz).date(),
        review_after=config.review_after,
        page_url=None,
        existing=reviews,
        owners=issue.assignees,
        meetings=for_new_milestone(session, state),
    )
    state.review = review
    state.reviews = {n: _review_state(r) for n, r in reviews.items()}
    if number in reviews:
        state.milestone_number = reviews[number].number
    elif created or review.adopted:  # adopted: a concurrent run created it a moment ago
        state.milestone_number = review.number
        state.reviews[number] = replace(_review_state(review), open_issues=0, closed_issues=0)
    how = "created" if created else "planned" if review.planned else "found"
    session.reporter.info(f"review milestone: {review.title!r}, {due_text(review)} ({how})")
    if created:
        link = f"[{review.title}]({review.html_url})"
        session.result.done.append(f"created review milestone {link}, {due_text(review)}")


def _review_state(review: Review) -> ReviewState:
    counts = (review.open_issues, review.closed_issues)
    return ReviewState(review.incident, review.state, review.due_on, *counts, review.html_url)


def _unscheduled(number: int, title: str) -> Review:
    """Stands in for a milestone that could not be read or created (the page says "not scheduled")."""
    return Review(0, milestone_title(number, title), "", None, "open", 0, 0, number, planned=True)


def _invite(session: Session, state: SyncState) -> None:
    """The facilitator and the invitees' public e-mails: read once, before the page and the status."""
    state.invitees = plan_meetings(session, state)


# --- 2. the backlog ---------------------------------------------------------------------------------------


def _backlogging(session: Session, state: SyncState, failures: list[PmactionError]) -> Backlogging:
    config, issue = session.config, state.incident.issue
    review = state.review or _unscheduled(state.number, issue.title)
    writer = BacklogWriter(
        github=session.github,
        reporter=session.reporter,
        incident=state.number,
        incident_title=issue.title,
        incident_url=issue.html_url,
        page_url=state.page_url if state.incident.repo.has_wiki else None,
        base_label=config.action_label,
        severity_label=severity_label(issue.labels),
        milestone=state.milestone_number,
        backlog=Backlog(),  # listed by Backlogging.load() only when items need it
    )
    if state.milestone_number is None and failures:
        writer.blocked = failures[0]  # no milestone: an issue made now could not be found by the next run
    # GitHub counts the milestone's issues for us: with none, there is no backlog to list.
    has_issues = review.open_issues + review.closed_issues > 0
    return Backlogging(writer, config.action_label, has_issues, config.create_checked_items)


def _warn_items(session: Session, parsed: ItemsParse, where: str) -> None:
    for warning in parsed.warnings:
        session.reporter.warning(f"{where}: {warning}", title="pmaction: action items")
    # Lines under an action-items heading that make no issue: said once, in the log, summary and status.
    note = items_note(parsed, where, create_checked=session.config.create_checked_items)
    if note.warning:
        session.reporter.warning(note.warning, title="pmaction: action items")
    if note.notice:
        session.reporter.notice(note.notice)
    if note.markdown and note.markdown not in session.result.notes:
        session.result.notes.append(note.markdown)


# --- 3. what a public page may show, then the wiki ---------------------------------------------------------


def _guard(session: Session, state: SyncState) -> None:
    """Before publishing to a public wiki: find secrets, hosts and personal data in what people wrote that
    the page shows (timeline entries, the title, agreed items, Summary and Impact); ``block`` publishes them
    redacted."""
    if state.incident.repo.private or session.config.sensitive_info == "off":
        return
    guard, issue = state.guard, state.incident.issue
    items = [
        Text(item.raw, f"the action item on line {item.line_index + 1} of issue #{issue.number}")
        for item in state.body_items.agreed
    ]
    # The form's Summary and Impact are on the page too: checked line by line, as the body holds them.
    items += [
        Text(line, f"the {label} of issue #{issue.number}")
        for label, text in page_fields(issue.body)
        for line in text.split("\n")
        if line.strip()
    ]
    state.timeline = guard_timeline(guard, state.timeline, issue.number)
    shown = guard_issue(guard, issue, items)
    if shown is not issue:  # block mode: the page shows the redacted text
        state.incident = replace(state.incident, issue=shown)
        state.shown_items = _items_of(session, shown.body)
        if state.review is not None:  # its title repeats the issue title (already reported)
            state.review = replace(state.review, title=guard.hide(state.review.title))


def _reread_if_page_is_newer(session: Session, state: SyncState, page: str) -> None:
    """A row for a comment newer than any we read means a concurrent run saw more than we did: read the
    comments and events again (two requests, only then) so our refresh does not drop that row."""
    newest = max((comment.id for comment in state.incident.comments), default=0)
    if not any(_comment_id(key) > newest for key in markers.row_keys(page)):
        return
    github, number = session.github, state.number
    state.incident = replace(state.incident, comments=github.comments(number), events=github.events(number))
    state.timeline = _timeline(session, state.incident)
    _guard(session, state)  # the new comments are published too


def _comment_id(key: str) -> int:
    """The comment a timeline row's key names ("comment-<id>" or "comment-<id>-<n>"), else 0."""
    parts = key.split("-")
    return int(parts[1]) if len(parts) > 1 and parts[0] == "comment" and parts[1].isdigit() else 0


def _wiki(
    session: Session,
    state: SyncState,
    items: Backlogging,
    template: str | None,
    early: WikiClone | None,
) -> None:
    reporter, result, repo = session.reporter, session.result, state.incident.repo
    if not repo.has_wiki:
        state.wiki = wiki_disabled_outcome(repo.full_name)
    else:
        today = session.clock.now().astimezone(session.config.tz).date()
        writer = PageWriter(
            session,
            state,
            items,
            template,
            today,
            reread=lambda page: _reread_if_page_is_newer(session, state, page),
            warn=lambda parsed, where: _warn_items(session, parsed, where),
            early=early,
        )
        state.wiki = write_wiki(writer)
    reporter.info(f"wiki: {state.wiki.status} ({state.page_name})")
    if not state.wiki_ok:
        result.fail(state.wiki.message)
    else:
        result.outputs["wiki_page_url"] = state.page_url
        if state.wiki.status == "pushed":
            result.done.append(f"updated the wiki page [{state.page_name}]({state.page_url})")
        elif state.wiki.status == "dry_run":
            reporter.info(f"dry run: wiki diff\n{state.wiki.diff or '(no change)'}")
    if repo.has_wiki:
        _report_findings(session, state)


def _report_findings(session: Session, state: SyncState) -> None:
    findings = list(state.guard.findings.values())
    if not findings:
        return
    mode = session.config.sensitive_info
    for line in guard_message(findings, mode).split("\n"):
        if mode == "block":
            session.result.fail(line)
        else:
            session.reporter.warning(line, title="pmaction: sensitive information")


# --- 4. and 5. the issue side ------------------------------------------------------------------------------


def _link(session: Session, state: SyncState, decisions: list[Decision]) -> None:
    link_body_items(
        session.github,
        state.number,
        decisions,
        taxonomy=session.config.type_taxonomy,
        reporter=session.reporter,
        done=session.result.done,
    )


def _status(session: Session, state: SyncState, writer: BacklogWriter, record: Record) -> None:
    review = state.review
    view = StatusView(
        full_name=state.full_name,
        number=state.number,
        page_url=state.page_url if state.wiki_ok else None,
        page_problem=None if state.wiki_ok else (state.wiki.message if state.wiki else "not written"),
        review_title=review.title if review and not review.planned else None,
        review_url=review.html_url if review else None,
        review_due=review.due_on.isoformat() if review and review.due_on else None,
        backlog=sorted((entry.number, entry.title, entry.state) for entry in writer.backlog.shown),
        timeline=state.timeline,
        tz=session.config.tz,
        notes=tuple(session.result.notes),
        **_meeting_status(session, state),
    )
    session.result.done.extend(
        upsert_status(
            session.github,
            state.number,
            state.full_name,
            with_record(render_status(view), record),
            state.incident.comments,
        )
    )


def _meeting_status(session: Session, state: SyncState) -> dict[str, Any]:
    plan = state.invitees
    if plan is None:
        return {}
    links = calendar_links(session, state, plan, state.page_name, state.page_url) if state.wiki_ok else ()
    return {"facilitator": plan.facilitator, "calendar": links}


def _record(session: Session, state: SyncState, issue: Issue, template: str | None) -> Record:
    """What this run saw (``issue``: before any redaction) and wrote, for the next run to compare
    (sync_record.py)."""
    wiki = state.wiki.commit if state.wiki and state.wiki.status in ("pushed", "unchanged") else None
    today = session.clock.now().astimezone(session.config.tz).date()
    previous = record_of(state.incident.comments, state.full_name, state.number)
    milestone = state.milestone_number  # None when this run could not tell it: keep the number it had
    return Record(
        milestone=milestone if milestone is not None else previous.milestone if previous else None,
        page=state.page_name,
        wiki=(wiki or "") if state.incident.repo.has_wiki else NO_WIKI,
        issue=issue_digest(issue, session.github.body_sent(issue.number)),
        comments=comments_digest(state.incident.comments, state.full_name, state.number),
        settings=settings_digest(session.config, template, today),
    )


# --- 6. outputs and summary --------------------------------------------------------------------------------


def _finish(session: Session, state: SyncState, writer: BacklogWriter, failures: list[PmactionError]) -> None:
    result = session.result
    created = [made.number for made in writer.created]
    session.reporter.info(f"backlog: {writer.backlog.total} issue(s), {len(created)} created in this run")
    if state.review is not None and not state.review.planned:
        result.outputs["milestone_number"] = str(state.review.number)
    result.outputs["created_issues"] = json.dumps(created)
    result.done.extend(f"created backlog issue #{made.number} {made.title}" for made in writer.created)
    report_planned(session.github.take_planned(), session.reporter, result.done)  # a dry run's writes
    result.summary.insert(0, job_summary(state, session.config.tz))
    # Every step ran that could; now say what did not, one line each, and fail the run.
    if writer.blocked is not None and writer.blocked not in failures:
        failures.append(writer.blocked)
    if failures:
        for extra in failures[1:]:
            result.fail(str(extra))
        raise failures[0]


def _step(failures: list[PmactionError], action: Callable[[], T]) -> T | None:
    """Run one step; a failure is kept for the end so the other steps still happen."""
    try:
        return action()
    except PmactionError as exc:
        failures.append(exc)
        return None
