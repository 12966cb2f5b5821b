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


class Incidents:
    """The repository's incidents, listed once per run whatever the number of reminders (None: the listing
    failed, said once as a warning)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.read = False
        self.found: list[Issue] | None = None

    def get(self) -> list[Issue] | None:
        if not self.read:
            self.read = True
            label = self.session.config.incident_label
            try:
                self.found = self.session.github.issues(
                    state="all", labels=[label], action="list the incidents"
                )
            except PmactionError as exc:  # the reminders still go out, saying the recurrences are unknown
                self.session.reporter.warning(f"{exc}; the review agendas say so")
        return self.found


def review_agenda(
    session: Session, review: Review, items: Sequence[Issue], now: datetime, incidents: Incidents
) -> list[str]:
    """The agenda's lines. The reviewed incident is among the incidents listed, so its labels need no read
    of their own."""
    label = session.config.incident_label
    listed = incidents.get()
    mine = next((issue for issue in listed or [] if issue.number == review.incident), None)
    compared = comparable_labels(mine.labels, [label]) if mine else ()
    found = recurrences(mine, listed, [label]) if mine and listed is not None else None
    today = now.astimezone(session.config.tz).date()
    return render_agenda(items, found, compared, today)
