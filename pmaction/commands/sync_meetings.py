"""The sync's meeting steps: who facilitates, the invitations (an .ics file next to the page, holding both
events, and Google Calendar links), the key-moments strip, and where they are linked from (the page, the
review milestone, the status comment). The decisions are in pmaction/meetings/ and pmaction/report/charts.py;
this module only gathers their inputs and hands their results to the writers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from urllib.parse import quote

from pmaction.commands.sync_state import SyncState, facts_of
from pmaction.errors import PmactionError
from pmaction.github.data import BOT_LOGIN
from pmaction.meetings.calendar import (
    Invitees,
    Meeting,
    Person,
    at_local,
    describe,
    google_link,
    postmortem_start,
    render_calendar,
    uid_of,
)
from pmaction.meetings.facilitator import find_facilitator
from pmaction.report.charts import key_moments, moments_strip
from pmaction.review.dates import with_meetings
from pmaction.run.session import Session
from pmaction.text.times import format_time
from pmaction.wiki.names import page_file_name
from pmaction.wiki.render import PRIME_DIRECTIVE_SOURCE, PageContext

MAX_PEOPLE = 10  # invitees looked up on GitHub (one request each); more are named in the description


def plan_meetings(session: Session, state: SyncState) -> Invitees:
    """The facilitator and the invitees with their public e-mails (read once per run)."""
    found, warnings = find_facilitator(state.incident, session.config.facilitator, frozenset({BOT_LOGIN}))
    for warning in warnings:
        session.reporter.warning(warning, title=f"pmaction: #{state.number} facilitator")
    logins = [found.login] if found else []
    logins += [
        login for login in state.incident.issue.assignees if login.lower() not in map(str.lower, logins)
    ]
    logins = [login for login in logins if not login.endswith("[bot]")]
    invited = bool(session.config.postmortem_meeting or session.config.review_meeting)
    people = []
    for index, login in enumerate(logins):
        email = _email(session, login) if invited and index < MAX_PEOPLE else None
        people.append(Person(login, email, chair=found is not None and login == found.login))
    return Invitees(found.login if found else None, tuple(people))


def _email(session: Session, login: str) -> str | None:
    try:
        return session.github.public_email(login)
    except PmactionError as exc:  # an invitation without an address still names them
        session.reporter.warning(f"{exc}; @{login} is named in the invitation instead")
        return None


# --- file names and links ----------------------------------------------------------------------------------


def ics_name(page_name: str) -> str:
    """``<page name>.ics``: both events of the incident in one file next to its page."""
    return page_name.removesuffix(".md") + ".ics"


def strip_name(page_name: str) -> str:
    return page_name.removesuffix(".md") + "-moments.svg"


def wiki_file_url(server_url: str, full_name: str, name: str) -> str:
    """Where the wiki serves a file committed to it (an image, a calendar file)."""
    return f"{server_url.rstrip('/')}/{full_name}/wiki/{quote(name, safe='-_.')}"


def _due(state: SyncState) -> date | None:
    return state.review.due_on if state.review is not None else None


def meetings_of(
    session: Session, state: SyncState, plan: Invitees, page_url: str, review_due: date | None
) -> list[Meeting]:
    config, issue, tz = session.config, state.incident.issue, session.config.tz
    moments = state.timeline.moments
    chair = f"@{plan.facilitator}" if plan.facilitator else "the facilitator (not named yet)"
    found: list[Meeting] = []
    counted_from = moments.declared_over or moments.announced or issue.created_at
    if config.postmortem_meeting is not None:
        lines = [
            f"Post-mortem of #{issue.number} {issue.title}",
            f"Issue: {issue.html_url}",
            f"Facilitator: {chair}: open the meeting by reading the prime directive on the page "
            f"({PRIME_DIRECTIVE_SOURCE.split(',')[0]}).",
        ]
        found.append(
            Meeting(
                "postmortem",
                uid_of(state.full_name, issue.number, "postmortem"),
                f"Post-mortem: #{issue.number} {issue.title}",
                postmortem_start(config.postmortem_meeting, counted_from, tz),
                config.postmortem_meeting.duration,
                describe(lines, plan.people),
                page_url,
            )
        )
    if config.review_meeting is not None and review_due is not None:
        lines = [
            f"Review of the follow-ups of #{issue.number} {issue.title}",
            "The agenda comes with the reminder on the issue; its items are the review milestone's.",
        ]
        found.append(
            Meeting(
                "review",
                uid_of(state.full_name, issue.number, "review"),
                f"Post-mortem review: #{issue.number} {issue.title}",
                at_local(review_due, config.review_meeting, tz),
                config.review_meeting.duration,
                describe(lines, plan.people),
                page_url,
            )
        )
    return found


def calendar_links(
    session: Session,
    state: SyncState,
    plan: Invitees,
    page_name: str,
    page_url: str,
    review_due: date | None = None,
) -> tuple[tuple[str, str], ...]:
    """(text, URL) of the .ics file and of each event's Google Calendar link; none without meetings."""
    due = review_due if review_due is not None else _due(state)
    meetings = meetings_of(session, state, plan, page_url, due)
    if not meetings:
        return ()
    tz = session.config.tz
    ics = (
        "Add to calendar (.ics)",
        wiki_file_url(session.ctx.server_url, state.full_name, ics_name(page_name)),
    )
    names = {"postmortem": "post-mortem", "review": "review"}
    google = [
        (f"Google Calendar: {names[m.kind]} {format_time(m.start, tz)}", google_link(m, plan.people, tz))
        for m in meetings
    ]
    return (ics, *google)


def meeting_files(
    session: Session, state: SyncState, plan: Invitees, files: dict[str, str], name: str, url: str
) -> dict[str, str]:
    """The .ics file (built on the one the wiki holds) and the key-moments strip, next to page ``name``."""
    out: dict[str, str] = {}
    meetings = meetings_of(session, state, plan, url, _due(state))
    if meetings:
        previous = files.get(ics_name(name))
        now: datetime = session.clock.now()
        out[ics_name(name)] = render_calendar(
            meetings, plan.people, session.config.tz, previous=previous, now=now
        )
    strip = moments_strip(
        f"Key moments of #{state.number}", key_moments(facts_of(state, url)), session.config.tz
    )
    if strip is not None:
        out[strip_name(name)] = strip
    return out


def shown_on_page(
    session: Session, state: SyncState, plan: Invitees, context: PageContext, name: str, url: str
) -> PageContext:
    """The page's context with what it shows of the meetings: the facilitator, the links, the strip."""
    strip = strip_name(name) if key_moments(facts_of(state, url)) else None
    links = calendar_links(session, state, plan, name, url)
    return replace(context, facilitator=plan.facilitator, calendar=links, moments_image=strip)


# --- after the wiki: the milestone and the status comment ---------------------------------------------------


def _milestone_line(
    session: Session, state: SyncState, plan: Invitees, name: str, url: str, due: date | None
) -> list[str]:
    """The milestone's line: the .ics link and when each meeting is. No Google links and no title, so the
    line changes only when a meeting moves (a renamed incident keeps its page, and so its .ics)."""
    meetings = meetings_of(session, state, plan, url, due)
    if not meetings:
        return []
    ics = wiki_file_url(session.ctx.server_url, state.full_name, ics_name(name))
    names = {"postmortem": "post-mortem", "review": "review"}
    when = ", ".join(f"{names[m.kind]} {format_time(m.start, session.config.tz)}" for m in meetings)
    return [f"[Add to calendar (.ics)]({ics}): {when}"]


def for_new_milestone(session: Session, state: SyncState) -> Callable[[date], tuple[str | None, list[str]]]:
    """What a milestone made in this run says of the meetings, for its due date: the same lines
    record_on_milestone would write after the wiki, so the first sync needs no second write. The page is
    named as _name_page will name it (a title the guard redacts makes one PATCH later)."""

    def lines(due: date) -> tuple[str | None, list[str]]:
        plan = state.invitees
        if plan is None:
            return None, []
        name = page_file_name(state.incident.issue, state.timeline.moments.announced, session.config.tz)
        url = state.url_of(session.ctx.server_url, name)
        return plan.facilitator, _milestone_line(session, state, plan, name, url, due)

    return lines


def record_on_milestone(session: Session, state: SyncState, plan: Invitees) -> None:
    """The milestone's description links the invitations and records the facilitator for the nag; one
    PATCH, only when that changed (a new milestone already says it). Left alone while the wiki fails."""
    review = state.review
    if review is None or review.planned or review.state != "open" or state.milestone_number is None:
        return
    if not state.wiki_ok:
        return
    line = _milestone_line(session, state, plan, state.page_name, state.page_url, review.due_on)
    wanted = with_meetings(review.description, plan.facilitator, line)
    if wanted == review.description:
        return
    session.github.edit_milestone(
        review.number,
        title=None,  # the title is ensure_review's (a redacted one must not reach the milestone)
        description=wanted,
        action=f"update milestone {review.number}",
        planned=f"would link the invitations from review milestone {review.number}",
    )
