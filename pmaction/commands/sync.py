"""`sync`: bring one incident's bookkeeping up to date.

Read the issue, its comments and events → build the timeline → ensure the review milestone →
turn agreed action items (issue body and wiki page) into backlog issues → refresh the wiki page,
the index and the sidebar in one commit → link the items back → upsert the status comment.

Wiki trouble never stops the issue-side steps; each step's outcome lands in the Result.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, tzinfo
from typing import TypeVar

from pmaction.errors import ConfigError, PmactionError
from pmaction.github.data import BOT_LOGIN, Comment, Repo
from pmaction.github.recorder import report_planned
from pmaction.guard.scan import Finding, guard_message, redact, scan
from pmaction.incident.model import Incident
from pmaction.incident.severity import severity, severity_label
from pmaction.items import edit as items_mod
from pmaction.items.backlog import Backlog, BacklogWriter, Decision, decide, list_backlog
from pmaction.items.parse import ActionItem, ItemsParse, parse_action_items
from pmaction.report.facts import IncidentFacts, collect_facts, set_facts_line
from pmaction.report.render import REPORT_PAGE, ReviewState, render_report
from pmaction.review.dates import milestone_title
from pmaction.review.milestone import Review, ensure_review, list_reviews
from pmaction.run.session import Session
from pmaction.status.comment import StatusView, find_status_comments, render_status
from pmaction.text import markers
from pmaction.text.times import format_duration, format_time
from pmaction.timeline.build import build_timeline
from pmaction.timeline.model import Timeline
from pmaction.wiki.git import WikiOutcome, update_wiki, wiki_disabled_outcome, wiki_remote
from pmaction.wiki.index import IndexRow, ensure_sidebar, update_index
from pmaction.wiki.names import find_incident_page, page_file_name, wiki_page_url
from pmaction.wiki.page import refresh_page, render_page
from pmaction.wiki.render import IssueItem, PageContext, ReviewInfo

T = TypeVar("T")


@dataclass
class SyncState:
    """What one sync learned and did, for the page, the status comment, outputs and summary."""

    repo: Repo
    incident: Incident
    timeline: Timeline
    review: Review | None = None
    milestone_number: int | None = None  # the review milestone, once it exists
    page_name: str | None = None
    page_url: str | None = None
    wiki: WikiOutcome | None = None
    created: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    reviews: dict[int, ReviewState] = field(default_factory=dict)
    # Another run may be working on this incident right now (seen for free: a milestone it created first,
    # a milestone count above ours, a page that appeared between our clone and our push, a milestone
    # without a status comment).
    raced: bool = False
    findings: dict[tuple[str, str, str], Finding] = field(default_factory=dict)  # sensitive values seen


def read_incident(session: Session, number: int) -> tuple[Incident, Repo]:
    github = session.github
    repo = github.repository()
    issue = github.issue(number)
    if issue.is_pull_request:
        raise PmactionError(
            f"#{number} is a pull request, not an incident issue: set issue_number to an issue"
        )
    comments = github.comments(number) if issue.comment_count else []
    events = github.events(number)
    return Incident(repo=repo, issue=issue, comments=comments, events=events), repo


def _timeline(session: Session, incident: Incident) -> Timeline:
    config = session.config
    return build_timeline(
        incident,
        label=config.incident_label,
        tz=config.tz,
        include_events=config.include_events,
        trusted_only=not config.include_untrusted_comments,
        bot_logins=frozenset({BOT_LOGIN}),
    )


def _reread_if_page_is_newer(session: Session, state: SyncState, page: str) -> None:
    """A row for a comment newer than any we read means a concurrent run saw more than we did: read the
    comments and events again (two requests, only then) so our refresh does not drop that row."""
    known = [comment.id for comment in state.incident.comments]
    newest = max(known, default=0)
    if not any(_comment_id(key) > newest for key in markers.row_keys(page)):
        return
    github = session.github
    number = state.incident.issue.number
    incident = replace(state.incident, comments=github.comments(number), events=github.events(number))
    state.incident = incident
    state.timeline = _timeline(session, incident)
    state.raced = True
    _guard_public_page(session, state)  # the new comments are published too


def _comment_id(key: str) -> int:
    """The comment a timeline row's key names ("comment-<id>" or "comment-<id>-<n>"), else 0."""
    parts = key.split("-")
    return int(parts[1]) if len(parts) > 1 and parts[0] == "comment" and parts[1].isdigit() else 0


def _guard_public_page(session: Session, state: SyncState) -> None:
    """Before publishing to a public wiki: find secrets, hosts and personal data in what users wrote that
    the page shows (timeline entries, the title, agreed items). ``block`` publishes them redacted."""
    config = session.config
    if state.repo.private or config.sensitive_info == "off":
        return
    patterns = config.internal_host_patterns
    block = config.sensitive_info == "block"

    def check(text: str, where: str) -> str:
        found = scan(text, where=where, host_patterns=patterns)
        for finding in found:
            state.findings.setdefault((finding.kind, finding.excerpt, finding.where), finding)
        return redact(text, found) if block and found else text

    entries = []
    for entry in state.timeline.entries:
        if entry.source == "comment":
            where = f"the comment by {entry.author} ({entry.url})"
        elif entry.source == "body":
            where = f"the Timeline section of issue #{state.incident.issue.number}"
        else:
            entries.append(entry)  # events and moments: text pmaction wrote itself
            continue
        entries.append(replace(entry, text=check(entry.text, where)))
    issue = state.incident.issue
    title = check(issue.title, f"the title of issue #{issue.number}")
    body = issue.body
    for item in parse_action_items(body, origin="body", taxonomy=config.type_taxonomy).agreed:
        where = f"the action item on line {item.line_index + 1} of issue #{issue.number}"
        body = body.replace(item.raw, check(item.raw, where))
    if block:
        state.timeline = replace(state.timeline, entries=tuple(entries))
        state.incident = replace(state.incident, issue=replace(issue, title=title, body=body))
        if state.review is not None:  # its title repeats the issue title (already reported)
            review_title = state.review.title
            hidden = redact(review_title, scan(review_title, where="", host_patterns=patterns))
            state.review = replace(state.review, title=hidden)


def _report_findings(session: Session, state: SyncState) -> None:
    if not state.findings:
        return
    mode = session.config.sensitive_info
    for line in guard_message(list(state.findings.values()), mode).split("\n"):
        if mode == "block":
            session.result.fail(line)
        else:
            session.reporter.warning(line, title="pmaction: sensitive information")


def incident_start(timeline: Timeline, fallback: datetime) -> datetime:
    moments = timeline.moments
    return moments.started or moments.announced or fallback


def load_template(session: Session) -> str | None:
    path = session.config.template
    if not path:
        return None
    workspace = session.ctx.workspace
    if workspace is not None and (workspace / path).is_file():
        return (workspace / path).read_text(encoding="utf-8")
    text = session.github.file_text(path)
    if text is None:
        raise ConfigError(f"template: {path} does not exist in the repository: add it or remove `template:`")
    return text


def sync(session: Session, number: int | None) -> None:
    if number is None:
        raise PmactionError("sync needs an issue: set the issue_number input")
    config, reporter, result = session.config, session.reporter, session.result
    incident, repo = read_incident(session, number)
    issue = incident.issue
    if config.incident_label.lower() not in {label.lower() for label in issue.labels}:
        reporter.notice(f"#{number} has no '{config.incident_label}' label: nothing to do")
        result.summary.append(f"#{number} has no `{config.incident_label}` label: nothing to do.")
        result.command = "skip"
        return
    tz = config.tz
    timeline = _timeline(session, incident)
    for warning in timeline.warnings:
        reporter.warning(warning, title=f"pmaction: #{number} timeline")
    reporter.info(
        f"#{number} {issue.title}: {len(incident.comments)} comment(s), {len(incident.events)} event(s), "
        f"{len(timeline.entries)} timeline entries"
    )
    state = SyncState(repo=repo, incident=incident, timeline=timeline)
    # Read before the first write: a missing template is a config error that should stop a run cleanly.
    template = load_template(session)
    now = session.clock.now()

    # 1. The review milestone, created when the incident starts.
    start = incident_start(timeline, issue.created_at)
    failures: list[PmactionError] = []
    reviews = list_reviews(session.github)
    review, created = _step(
        failures,
        lambda: ensure_review(
            session.github,
            incident=number,
            incident_title=issue.title,
            incident_url=issue.html_url,
            start=start.astimezone(tz).date(),
            review_after=config.review_after,
            page_url=None,
            existing=reviews,
            owners=issue.assignees,
        ),
    ) or (_unscheduled(number, issue.title), False)
    state.review = review
    # A milestone made by an earlier run but no status comment: that run is still working (or crashed
    # before commenting). Either way, check for a second status comment after posting ours.
    own_status = find_status_comments(incident.comments, repo.full_name, number)
    state.raced = review.adopted or (number in reviews and not own_status)
    state.reviews = {
        n: ReviewState(n, r.state, r.due_on, r.open_issues, r.closed_issues, r.html_url)
        for n, r in reviews.items()
    }
    if number in reviews:
        state.milestone_number = reviews[number].number
    elif created or review.adopted:  # adopted: a concurrent run created it a moment ago
        state.milestone_number = review.number
        state.reviews[number] = ReviewState(number, review.state, review.due_on, 0, 0, review.html_url)
    reporter.info(
        f"review milestone: {review.title!r}, due {review.due_on} "
        f"({'created' if created else 'planned' if review.planned else 'found'})"
    )
    if created:
        result.done.append(
            f"created review milestone [{review.title}]({review.html_url}), due {review.due_on}"
        )

    # 2. Action items in the issue body.
    body_items = parse_action_items(issue.body, origin="body", taxonomy=config.type_taxonomy)
    _warn_items(session, body_items, "the issue body")
    writer = BacklogWriter(
        github=session.github,
        reporter=reporter,
        incident=number,
        incident_title=issue.title,
        incident_url=issue.html_url,
        page_url=None,
        base_label=config.action_label,
        severity_label=severity_label(issue.labels),
        milestone=state.milestone_number,
        backlog=Backlog(),  # filled by load_backlog() only when items need it
    )
    if state.milestone_number is not None:
        writer.expected_in_milestone = review.open_issues + review.closed_issues
    elif failures:
        # No milestone: an issue created now could not be found by the next run's listing.
        writer.blocked = failures[0]
    backlog_loaded = False
    # GitHub counts the milestone's issues for us: with none, there is no backlog to list.
    review_has_issues = review.open_issues + review.closed_issues > 0

    def load_backlog() -> None:
        nonlocal backlog_loaded
        if backlog_loaded:
            return
        backlog_loaded = True
        if not review_has_issues:
            return  # GitHub's own count says the milestone holds no issue yet: nothing to list
        writer.backlog = list_backlog(
            session.github, incident=number, label=config.action_label, milestone=state.milestone_number
        )

    # What the public page would show from users' text is checked (and in block mode redacted) first.
    _guard_public_page(session, state)
    # The page name and URL are known before writing, so backlog issues can link to the page.
    state.page_name = page_file_name(state.incident.issue, timeline.moments.announced, tz)
    state.page_url = wiki_page_url(session.ctx.server_url, repo.full_name, state.page_name)
    writer.page_url = state.page_url if repo.has_wiki else None

    body_decisions = _apply_items(body_items.agreed, writer, load_backlog, config.create_checked_items)

    # 3. The wiki: page (with its own action items), index, sidebar — one commit.
    if not repo.has_wiki:
        state.wiki = wiki_disabled_outcome(repo.full_name)
    else:
        state.wiki = _write_wiki(session, state, writer, load_backlog, template, now, review_has_issues)
    reporter.info(f"wiki: {state.wiki.status} ({state.page_name})")
    if state.wiki.status in ("pushed", "unchanged", "dry_run"):
        result.outputs["wiki_page_url"] = state.page_url or ""
        if state.wiki.status == "pushed":
            result.done.append(f"updated the wiki page [{state.page_name}]({state.page_url})")
        elif state.wiki.status == "dry_run":
            reporter.info(f"dry run: wiki diff\n{state.wiki.diff or '(no change)'}")
    else:
        result.fail(state.wiki.message)
    if repo.has_wiki:
        _report_findings(session, state)

    # 4. Link body items back to their issues and mirror their state (re-read the body first:
    #    someone may have edited it during this run).
    _step(failures, lambda: _update_issue_body(session, number, body_decisions, writer))

    # 5. The status comment.
    _step(failures, lambda: _upsert_status(session, state, writer))

    # 6. Outputs and summary.
    created_numbers = [made.number for made in writer.created]
    reporter.info(f"backlog: {writer.backlog.total} issue(s), {len(created_numbers)} created in this run")
    if state.review is not None and not state.review.planned:
        result.outputs["milestone_number"] = str(state.review.number)
    result.outputs["created_issues"] = json.dumps(created_numbers)
    for made in writer.created:
        result.done.append(f"created backlog issue #{made.number} {made.title}")
    report_planned(session.github.take_planned(), reporter, result.done)  # a dry run's writes
    result.summary.insert(0, _summary(state, tz))
    # Every step ran that could; now say what did not, in one line each, and fail the run.
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


def _unscheduled(number: int, title: str) -> Review:
    """Stands in for a milestone that could not be read or created (the page says "not scheduled")."""
    return Review(0, milestone_title(number, title), "", None, "open", 0, 0, number, planned=True)


def _warn_items(session: Session, parsed: ItemsParse, where: str) -> None:
    for warning in parsed.warnings:
        session.reporter.warning(f"{where}: {warning}", title="pmaction: action items")


def _apply_items(
    agreed: tuple[ActionItem, ...],
    writer: BacklogWriter,
    load_backlog: Callable[[], None],
    create_checked: bool,
) -> list[Decision]:
    """Create the issues new agreed items need; return what each item's line should become."""
    if not agreed:
        return []
    load_backlog()
    decisions = decide(agreed, writer.backlog, create_checked=create_checked, state_of=writer.state_of)
    final: list[Decision] = []
    for decision in decisions:
        if decision.action == "create" and writer.blocked is None:
            try:
                number = writer.ensure(decision.item)
            except PmactionError as exc:
                # Stop creating (GitHub is failing) but finish the page and the status comment; the
                # rerun finds what landed by its marker and creates the rest.
                writer.blocked = exc
                number = None
            final.append(Decision(decision.item, "annotate" if number else "keep", number))
        elif decision.action == "create":
            final.append(Decision(decision.item, "keep"))
        else:
            final.append(decision)
    # A concurrent run made some of these too: ours are closed as duplicates, the items link the originals.
    originals = writer.settle_duplicates()
    return [
        replace(d, number=originals[d.number]) if d.number in originals and d.action == "annotate" else d
        for d in final
    ]


def apply_decisions(markdown: str, decisions: list[Decision]) -> str:
    """Annotate and tick/untick item lines in a document (pure, byte for byte elsewhere)."""
    for decision in decisions:
        if decision.action == "annotate" and decision.number:
            markdown, _ = items_mod.annotate(markdown, decision.item, decision.number)
        elif decision.action == "tick":
            markdown, _ = items_mod.set_checked(markdown, decision.item, True)
        elif decision.action == "untick":
            markdown, _ = items_mod.set_checked(markdown, decision.item, False)
    return markdown


def _write_wiki(
    session: Session,
    state: SyncState,
    writer: BacklogWriter,
    load_backlog: Callable[[], None],
    template: str | None,
    now: datetime,
    review_has_issues: bool,
) -> WikiOutcome:
    config = session.config
    repo = state.repo
    issue = state.incident.issue

    attempts: list[bool] = []  # per call of edit: did the page exist in that clone?

    def edit(files: dict[str, str]) -> dict[str, str]:
        found = find_incident_page(files, repo.full_name, issue.number)
        if found and attempts and not attempts[0]:
            state.raced = True  # our push was rejected and the page is there now: another run made it
        attempts.append(found is not None)
        name = found or state.page_name or ""
        state.page_name = name
        state.page_url = wiki_page_url(session.ctx.server_url, repo.full_name, name)
        existing = files.get(name)
        changes: dict[str, str] = {}
        if existing is not None:
            _reread_if_page_is_newer(session, state, existing)
            page_items = parse_action_items(existing, origin="page", taxonomy=config.type_taxonomy)
            _warn_items(session, page_items, f"wiki page {name}")
            decisions = _apply_items(page_items.agreed, writer, load_backlog, config.create_checked_items)
            existing = apply_decisions(existing, decisions)
        elif review_has_issues:
            load_backlog()  # a fresh page still shows the backlog's progress
        context = _page_context(session, state, writer)
        template_name = config.template or ".github/postmortem.md.j2"
        if existing is not None:
            text = refresh_page(existing, context, template, template_name=template_name)
        else:
            text = render_page(context, template, template_name=template_name)
        text = set_facts_line(text, _facts(state, name, session.ctx.server_url))
        changes[name] = text
        today = now.astimezone(config.tz).date()
        facts = collect_facts({**files, name: text}, repo.full_name)
        changes[REPORT_PAGE] = render_report(facts, _reviews_now(state, writer), today)
        index_name = f"{config.index_page}.md"
        changes[index_name] = update_index(
            files.get(index_name), _index_row(session, state, name), title=config.index_page
        )
        changes["_Sidebar.md"] = ensure_sidebar(files.get("_Sidebar.md"), config.index_page)
        return {key: value for key, value in changes.items() if files.get(key) != value}

    message = f"pmaction: post-mortem of #{issue.number} {issue.title}"[:200]
    return update_wiki(
        wiki_remote(session.ctx.server_url, repo.full_name),
        session.ctx.token,
        edit,
        message=message,
        dry_run=config.dry_run,
    )


def _reviews_now(state: SyncState, writer: BacklogWriter) -> dict[int, ReviewState]:
    """The milestones' counts as listed, plus the issues this run just created in this incident's
    milestone: otherwise the report lags one run behind and the next run commits again."""
    number = state.incident.issue.number
    current = state.reviews.get(number)
    if current is None or state.milestone_number is None or not writer.created:
        return state.reviews
    bumped = replace(current, open_issues=current.open_issues + len(writer.created))
    return {**state.reviews, number: bumped}


def _facts(state: SyncState, name: str, server_url: str) -> IncidentFacts:
    moments = state.timeline.moments

    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    review = state.review
    return IncidentFacts(
        number=state.incident.issue.number,
        title=state.incident.issue.title,
        url=wiki_page_url(server_url, state.repo.full_name, name),
        announced=iso(moments.announced),
        started=iso(moments.started),
        detected=iso(moments.detected),
        mitigated=iso(moments.mitigated),
        resolved=iso(moments.resolved),
        declared_over=iso(moments.declared_over),
        review_due=review.due_on.isoformat() if review and review.due_on else None,
    )


def _page_context(session: Session, state: SyncState, writer: BacklogWriter) -> PageContext:
    issue = state.incident.issue
    body_items = parse_action_items(issue.body, origin="body", taxonomy=session.config.type_taxonomy)
    issue_items = []
    for item in body_items.agreed:
        ref = item.ref
        if ref is None and item.key in writer.backlog.by_key:
            ref = writer.backlog.by_key[item.key].number
        checked = item.checked
        if ref is not None and ref in writer.backlog.by_number:
            checked = writer.backlog.by_number[ref].state == "closed"
        issue_items.append(IssueItem(text=item.title, checked=checked, ref=ref))
    review = state.review
    review_info = None
    if review is not None and review.due_on is not None:
        review_info = ReviewInfo(
            title=review.title, url=review.html_url, due_on=review.due_on, state=review.state
        )
    return PageContext(
        repo=state.repo,
        issue=issue,
        timeline=state.timeline,
        severity=severity(issue),
        tz=session.config.tz,
        review=review_info,
        issue_items=tuple(issue_items),
        items_closed=writer.backlog.closed,
        items_total=writer.backlog.total,
    )


def _index_row(session: Session, state: SyncState, name: str) -> IndexRow:
    issue = state.incident.issue
    moments = state.timeline.moments
    start = moments.started or moments.announced or issue.created_at
    status = "Declared over" if moments.declared_over else "Open"
    return IndexRow(
        repo=state.repo.full_name,
        number=issue.number,
        title=issue.title,
        url=wiki_page_url(session.ctx.server_url, state.repo.full_name, name),
        date=start.astimezone(session.config.tz).date(),
        status=status,
        duration=format_duration(state.timeline.durations.total),
        review_due=state.review.due_on if state.review else None,
    )


def _update_issue_body(
    session: Session, number: int, decisions: list[Decision], writer: BacklogWriter
) -> None:
    if not any(d.action in ("annotate", "tick", "untick") for d in decisions):
        return
    body = session.github.issue(number, action=f"re-read issue #{number} before editing its body").body
    # Items are located by their raw line, so re-parse the fresh body and map decisions onto it.
    agreed = parse_action_items(body, origin="body", taxonomy=session.config.type_taxonomy).agreed
    reparsed = {item.raw: item for item in agreed}
    remapped = [
        Decision(reparsed[d.item.raw], d.action, d.number) for d in decisions if d.item.raw in reparsed
    ]
    new_body = apply_decisions(body, remapped)
    if len(new_body) > items_mod.BODY_LIMIT:
        # GitHub would refuse the edit (422) on every rerun; the issues exist and the status comment lists
        # them, so say how to get the links instead of failing the run.
        session.reporter.warning(
            f"the body of #{number} is too long to link its action items "
            f"(GitHub allows {items_mod.BODY_LIMIT:,} characters): shorten it and re-run to add the links; "
            "the items' issues are listed in the status comment meanwhile",
            title="pmaction: action items",
        )
        return
    linked = new_body != body and session.github.edit_issue(
        number,
        body=new_body,
        action=f"link action items in the body of issue #{number}",
        planned=f"would link {len(decisions)} action item(s) in the issue body",
    )
    if linked:
        session.result.done.append(f"linked action items in the body of #{number}")


def _upsert_status(session: Session, state: SyncState, writer: BacklogWriter) -> None:
    issue = state.incident.issue
    review = state.review
    wiki_ok = state.wiki is not None and state.wiki.status in ("pushed", "unchanged", "dry_run")
    view = StatusView(
        full_name=state.repo.full_name,
        number=issue.number,
        page_url=state.page_url if wiki_ok else None,
        page_problem=None if wiki_ok else (state.wiki.message if state.wiki else "not written"),
        review_title=review.title if review and not review.planned else None,
        review_url=review.html_url if review else None,
        review_due=review.due_on.isoformat() if review and review.due_on else None,
        backlog=sorted((entry.number, entry.title, entry.state) for entry in writer.backlog.shown),
        timeline=state.timeline,
        tz=session.config.tz,
    )
    body = render_status(view)
    full_name = state.repo.full_name
    ours = find_status_comments(state.incident.comments, full_name, issue.number)
    existing = ours[0] if ours else None
    if len(ours) > 1:
        _delete_extra_status(session, ours)  # two racing runs each made one: free to spot, already read
    if existing is not None and existing.body == body:
        return  # checked first, so a dry run of an up-to-date incident plans nothing
    if existing is not None:
        if session.github.edit_comment(existing.id, body, planned="would update the status comment"):
            session.result.done.append(f"updated the status comment on #{issue.number}")
        return
    made = session.github.create_comment(
        issue.number,
        body,
        action=f"create the status comment on #{issue.number}",
        planned="would create the status comment",
    )
    if made is not None:
        session.result.done.append(f"created the status comment on #{issue.number}")
        if state.raced or writer.raced:
            # The other run may have posted one too: read the comments again (one request per 100
            # comments, only in a race) and keep the oldest.
            again = find_status_comments(session.github.comments(issue.number), full_name, issue.number)
            _delete_extra_status(session, again)


def _delete_extra_status(session: Session, ours: list[Comment]) -> None:
    """Keep the oldest status comment, delete the newer ones written by the same account (never a
    person's comment that merely quotes our marker)."""
    keep = ours[0]
    for extra in ours[1:]:
        if extra.author != keep.author:
            continue
        planned = f"would delete duplicate status comment {extra.id} left by a concurrent run"
        # Only comments read in this run: no extra GET.
        if not session.github.delete_comment(extra.id, planned=planned):
            continue
        session.result.done.append(f"deleted duplicate status comment {extra.id} left by a concurrent run")


def _summary(state: SyncState, tz: tzinfo) -> str:
    issue = state.incident.issue
    moments = state.timeline.moments
    durations = state.timeline.durations
    lines = [
        f"## Post-mortem: [#{issue.number} {issue.title}]({issue.html_url})",
        "",
        "| | |",
        "|---|---|",
        f"| Timeline entries | {len(state.timeline.entries)} |",
        f"| Announced | {format_time(moments.announced, tz)} |",
        "| Declared over | "
        + (format_time(moments.declared_over, tz) if moments.declared_over else "not yet")
        + " |",
        f"| Time to detect | {format_duration(durations.time_to_detect)} |",
        f"| Time to mitigate | {format_duration(durations.time_to_mitigate)} |",
        f"| Total duration | {format_duration(durations.total)} |",
    ]
    if state.review is not None:
        lines.append(f"| Review | {state.review.title}, due {state.review.due_on} |")
    if state.page_url and state.wiki is not None and state.wiki.status in ("pushed", "unchanged"):
        lines.append(f"| Wiki page | [{state.page_name}]({state.page_url}) |")
    return "\n".join(lines)


def review_date_text(value: date | None) -> str:
    return value.isoformat() if value else "n/a"
