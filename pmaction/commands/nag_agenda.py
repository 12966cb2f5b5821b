"""The review's agenda for the nag's reminder: the review's items as listed, and the incidents since this one
with the same labels. What it says is pmaction/meetings/agenda.py's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pmaction.errors import PmactionError
from pmaction.github.data import Issue
from pmaction.meetings.agenda import comparable_labels, recurrences, render_agenda
from pmaction.review.milestone import Review
from pmaction.run.session import Session


def review_agenda(session: Session, review: Review, items: Sequence[Issue], now: datetime) -> list[str]:
    """The agenda's lines. The incidents are one listing per run (a repeat is a free 304); the reviewed
    incident is among them, so its labels need no read of their own."""
    label = session.config.incident_label
    incidents: list[Issue] | None
    try:
        incidents = session.github.issues(state="all", labels=[label], action="list the incidents")
    except PmactionError as exc:  # the reminder still goes out, saying the recurrences are unknown
        session.reporter.warning(f"{exc}; the agenda of #{review.incident} says so")
        incidents = None
    mine = next((issue for issue in incidents or [] if issue.number == review.incident), None)
    compared = comparable_labels(mine.labels, [label]) if mine else ()
    found = recurrences(mine, incidents or [], [label]) if mine and incidents is not None else None
    today = now.astimezone(session.config.tz).date()
    return render_agenda(items, found, compared, today)
