"""Every incident's review state for the report, kept on the report page itself.

A sync reads one milestone (its own incident's), never the listing of all of them: a repository's history
would make each sync cost a request per 100 past incidents. The report page's hidden last line holds the
review states the report was made from (``markers.reviews_marker``); a sync takes the other incidents' from
there and its own fresh. ``report`` and the nag, which list every milestone anyway, write them all anew.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from pmaction.report.render import ReviewState
from pmaction.text import markers


def kept_reviews(report: str | None, repo_url: str) -> dict[int, ReviewState]:
    """The review states the report page was last made from (a line someone broke counts as none)."""
    lines = (report or "").replace("\r\n", "\n").rstrip("\n").split("\n")
    data = markers.parse_reviews_marker(lines[-1]) if lines else None
    found: dict[int, ReviewState] = {}
    for key, value in (data or {}).items():
        try:
            milestone, state, due, open_issues, closed_issues = value
            incident = int(key)
            found[incident] = ReviewState(
                incident,
                "closed" if state == "closed" else "open",
                date.fromisoformat(due) if due else None,
                int(open_issues),
                int(closed_issues),
                f"{repo_url.rstrip('/')}/milestone/{int(milestone)}",
            )
        except (TypeError, ValueError):
            continue
    return found


def _milestone_of(review: ReviewState) -> int:
    tail = review.url.rstrip("/").rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def with_reviews(report: str, reviews: Mapping[int, ReviewState]) -> str:
    """The report page with the review states it was made from on its hidden last line."""
    data = {
        str(incident): [
            _milestone_of(review),
            review.state,
            review.due_on.isoformat() if review.due_on else None,
            review.open_issues,
            review.closed_issues,
        ]
        for incident, review in sorted(reviews.items())
    }
    return report.rstrip("\n") + "\n\n" + markers.reviews_marker(data) + "\n"
