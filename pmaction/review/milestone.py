"""The review two months after the incident: one GitHub milestone per incident.

Found by a hidden marker in its description (never by title, which follows the issue's title),
created once; GitHub's unique milestone titles make a concurrent second create fail, and the
loser adopts the winner's milestone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from github import GithubException
from github.Milestone import Milestone

from pmaction.errors import ConfigError
from pmaction.github.client import GitHub
from pmaction.github.convert import parse_time, payload_of
from pmaction.github.errors import TRANSPORT_ERRORS, api_step, translate
from pmaction.review.dates import (
    add_period,
    due_date_from_api,
    milestone_description,
    milestone_title,
    parse_owners,
    parse_review_after,
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
    planned: bool = False  # dry run: not created
    owners: tuple[str, ...] | None = None  # the incident's assignees as of the last sync (None: not recorded)
    description: str = ""
    adopted: bool = False  # a concurrent run created it while this one tried to: a race is under way


def review_from_api(milestone: Milestone, incident: int) -> Review:
    raw = payload_of(milestone)
    return Review(
        number=int(raw["number"]),
        title=str(raw.get("title") or ""),
        html_url=str(raw.get("html_url") or ""),
        due_on=due_date_from_api(parse_time(raw.get("due_on"))),
        state=str(raw.get("state") or "open"),
        open_issues=int(raw.get("open_issues") or 0),
        closed_issues=int(raw.get("closed_issues") or 0),
        incident=incident,
        owners=parse_owners(raw.get("description")),
        description=str(raw.get("description") or ""),
    )


def list_reviews(github: GitHub, state: str = "all") -> dict[int, tuple[Milestone, Review]]:
    """Every milestone pmaction created in this repository, by incident number (one listing per 100)."""
    found: dict[int, tuple[Milestone, Review]] = {}
    with api_step("list milestones"):
        for milestone in github.repo.get_milestones(state=state, sort="due_on", direction="asc"):
            marker = markers.parse_review_marker(payload_of(milestone).get("description"))
            if marker is None or marker.repo.lower() != github.full_name.lower():
                continue
            incident = marker.number
            # Keep the lowest-numbered one if a race ever made two: it is the one the backlog points at.
            if incident not in found or milestone.number < found[incident][0].number:
                found[incident] = (milestone, review_from_api(milestone, incident))
    return found


def review_due(start: date, review_after: str) -> date:
    try:
        period = parse_review_after(review_after)
    except ValueError as exc:
        # The input check is looser than the period parser ("100 months" passes it): still one line.
        raise ConfigError(str(exc)) from None
    return add_period(start, period)


def ensure_review(
    github: GitHub,
    *,
    incident: int,
    incident_title: str,
    incident_url: str,
    start: date,
    review_after: str,
    page_url: str | None,
    dry_run: bool,
    existing: dict[int, tuple[Milestone, Review]] | None = None,
    owners: Sequence[str] = (),
) -> tuple[Review, bool]:
    """The incident's review milestone, created if missing. Returns (review, created)."""
    reviews = existing if existing is not None else list_reviews(github)
    title = milestone_title(incident, incident_title)
    if incident in reviews:
        milestone, review = reviews[incident]
        renamed = review.title != title
        reassigned = review.owners != tuple(owners)
        if (renamed or reassigned) and not dry_run and review.state == "open":
            # Follow a renamed incident so the milestone list stays readable, and record who owns the
            # incident so the nag can mention them without reading the issue: one PATCH, only on change.
            try:
                milestone.edit(title=title, description=with_owners(review.description, owners))
                review = review_from_api(milestone, incident)
            except GithubException as exc:
                if exc.status != 422:
                    raise translate(exc, f"update milestone {review.number}", area="milestones") from None
            except TRANSPORT_ERRORS as exc:
                raise translate(exc, f"update milestone {review.number}", area="milestones") from None
        return review, False
    due = review_due(start, review_after)
    if dry_run:
        return Review(0, title, "", due, "open", 0, 0, incident, planned=True), False
    description = milestone_description(
        full_name=github.full_name,
        incident=incident,
        incident_url=incident_url,
        page_url=page_url,
        owners=owners,
    )
    try:
        milestone = github.repo.create_milestone(
            title=title,
            state="open",
            description=description,
            due_on=_due_on_for_pygithub(due),
        )
    except GithubException as exc:
        if exc.status == 422 and "already_exists" in str(exc.data):
            # A concurrent run created it a moment ago: adopt theirs.
            again = list_reviews(github)
            if incident in again:
                return replace(again[incident][1], adopted=True), False
        raise translate(exc, f"create the review milestone {title!r}", area="milestones") from None
    except Exception as exc:
        raise translate(exc, f"create the review milestone {title!r}", area="milestones") from None
    return review_from_api(milestone, incident), True


def _due_on_for_pygithub(due: date) -> datetime:
    # PyGithub formats this as YYYY-MM-DDT12:00:00Z; GitHub floors due_on to a US-Pacific date, so noon
    # UTC keeps the day we meant (midnight UTC would come back a day early).
    return datetime(due.year, due.month, due.day, 12, 0, tzinfo=UTC)
