"""The review two months after the incident: one GitHub milestone per incident.

Found by a hidden marker in its description (never by title, which follows the issue's title),
created once; GitHub's unique milestone titles make a concurrent second create fail, and the
loser adopts the winner's milestone.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from pmaction.errors import ConfigError
from pmaction.github.client import GitHub
from pmaction.github.data import Milestone
from pmaction.github.errors import Refused
from pmaction.review.dates import (
    add_period,
    due_date_from_api,
    milestone_description,
    milestone_title,
    parse_facilitator,
    parse_owners,
    parse_review_after,
    with_meetings,
    with_owners,
)
from pmaction.text import markers


@dataclass(frozen=True)
class Review:
    number: int
    title: str
    html_url: str
    due_on: date | None
    state: str  # open | closed
    open_issues: int
    closed_issues: int
    incident: int
    planned: bool = False  # not created (a dry run, or creating it failed)
    owners: tuple[str, ...] | None = None  # the incident's assignees as of the last sync (None: not recorded)
    description: str = ""
    adopted: bool = False  # a concurrent run created it while this one tried to: a race is under way
    facilitator: str | None = None  # as the last sync recorded it ('' none named; None not recorded)


def review_from(milestone: Milestone, incident: int) -> Review:
    return Review(
        number=milestone.number,
        title=milestone.title,
        html_url=milestone.html_url,
        due_on=due_date_from_api(milestone.due_on),
        state=milestone.state,
        open_issues=milestone.open_issues,
        closed_issues=milestone.closed_issues,
        incident=incident,
        owners=parse_owners(milestone.description),
        description=milestone.description,
        facilitator=parse_facilitator(milestone.description),
    )


def list_reviews(github: GitHub, state: str = "all") -> dict[int, Review]:
    """Every milestone pmaction created in this repository, by incident number (one listing per 100)."""
    found: dict[int, Review] = {}
    for milestone in github.milestones(state):
        marker = markers.parse_review_marker(milestone.description)
        if marker is None or marker.repo.lower() != github.full_name.lower():
            continue
        incident = marker.number
        # Keep the lowest-numbered one if a race ever made two: it is the one the backlog points at.
        if incident not in found or milestone.number < found[incident].number:
            found[incident] = review_from(milestone, incident)
    return found


def review_due(start: date, review_after: str) -> date:
    try:
        period = parse_review_after(review_after)
    except ValueError as exc:
        # The input check is looser than the period parser ("100 months" passes it): still one line.
        raise ConfigError(str(exc)) from None
    return add_period(start, period)


def _new_description(
    full_name: str, incident: int, incident_url: str, page_url: str | None, owners: Sequence[str]
) -> str:
    return milestone_description(
        full_name=full_name, incident=incident, incident_url=incident_url, page_url=page_url, owners=owners
    )


def ensure_review(
    github: GitHub,
    *,
    incident: int,
    incident_title: str,
    incident_url: str,
    start: date,
    review_after: str,
    page_url: str | None,
    existing: dict[int, Review] | None = None,
    owners: Sequence[str] = (),
    meetings: Callable[[date], tuple[str | None, Sequence[str]]] | None = None,
) -> tuple[Review, bool]:
    """The incident's review milestone, created if missing. Returns (review, created). ``meetings`` gives,
    for a due date, the facilitator and the calendar lines a new milestone's description carries (so the
    first sync needs no second write for them)."""
    reviews = existing if existing is not None else list_reviews(github)
    title = milestone_title(incident, incident_title)
    if incident in reviews:
        review = reviews[incident]
        renamed = review.title != title
        reassigned = review.owners != tuple(owners)
        if (renamed or reassigned) and review.state == "open":
            # Follow a renamed incident so the milestone list stays readable, and record who owns the
            # incident so the nag can mention them without reading the issue: one PATCH, only on change.
            # A refused title (422: one like it exists) keeps the old one; the run goes on.
            with contextlib.suppress(Refused):
                updated = github.edit_milestone(
                    review.number,
                    title=title,
                    description=with_owners(review.description, owners),
                    action=f"update milestone {review.number}",
                    planned=f"would update review milestone {review.number}: title '{title}', owners "
                    + (", ".join(f"@{login}" for login in owners) or "none"),
                )
                if updated is not None:  # the page and status comment show the new title at once
                    review = review_from(updated, incident)
        return review, False
    due = review_due(start, review_after)
    description = _new_description(github.full_name, incident, incident_url, page_url, owners)
    description = with_meetings(description, *meetings(due)) if meetings is not None else description
    action = f"create the review milestone {title!r}"
    planned = f"would create review milestone '{title}', due {due}"
    try:
        made = github.create_milestone(
            title=title, description=description, due=due, action=action, planned=planned
        )
    except Refused as exc:
        again = list_reviews(github) if exc.already_exists else {}
        if incident in again:
            # A concurrent run created it a moment ago: adopt theirs.
            return replace(again[incident], adopted=True), False
        raise
    if made is None:  # a dry run: only planned
        return Review(0, title, "", due, "open", 0, 0, incident, planned=True), False
    return review_from(made, incident), True
