"""The status comment: one comment on the incident issue, created once and then edited.

It is found by a hidden marker on its own line, and only in comments by a bot or a trusted
author, so a marker pasted by anyone else cannot make pmaction edit their comment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import tzinfo

from pmaction.github.data import Comment
from pmaction.incident.authors import written_by_pmaction
from pmaction.text import markers
from pmaction.text.escape import inline
from pmaction.text.times import format_duration, format_time
from pmaction.timeline.model import Timeline

HEADING = markers.STATUS_HEADING


def find_status_comments(comments: Sequence[Comment], full_name: str, number: int) -> list[Comment]:
    """Every status comment of this incident, oldest first (more than one only after a race)."""
    found = []
    for comment in sorted(comments, key=lambda c: c.id):
        # Shaped like ours: a collaborator quoting the marker never gets their comment rewritten or deleted.
        if not written_by_pmaction(comment):
            continue
        ref = markers.parse_status_marker(markers.last_line(comment.body))
        if ref and ref.names(full_name, number):
            found.append(comment)
    return found


def find_status_comment(comments: Sequence[Comment], full_name: str, number: int) -> Comment | None:
    """Our status comment: the oldest one carrying our marker for this incident."""
    found = find_status_comments(comments, full_name, number)
    return found[0] if found else None


@dataclass(frozen=True)
class StatusView:
    full_name: str
    number: int
    page_url: str | None
    page_problem: str | None
    review_title: str | None
    review_url: str | None
    review_due: str | None
    backlog: Sequence[tuple[int, str, str]]  # (number, title, state)
    timeline: Timeline
    tz: tzinfo
    facilitator: str | None = None  # a GitHub login
    calendar: Sequence[tuple[str, str]] = ()  # (text, URL): the .ics file, then Google Calendar links
    notes: Sequence[str] = ()  # Markdown: action-item lines that made no backlog issue, and why


def render_status(view: StatusView) -> str:
    """The comment body (pure)."""
    moments = view.timeline.moments
    durations = view.timeline.durations
    lines = [HEADING, ""]
    if view.page_url:
        lines.append(f"- **Timeline page:** [Post-mortem of #{view.number}]({view.page_url})")
    elif view.page_problem:
        lines.append(f"- **Timeline page:** not written: {view.page_problem}")
    lines.append(f"- **Announced:** {format_time(moments.announced, view.tz)}")
    if moments.declared_over is not None:
        lines.append(f"- **Declared over:** {format_time(moments.declared_over, view.tz)}")
    lines.append(
        f"- **Time to detect:** {format_duration(durations.time_to_detect)} · "
        f"**to mitigate:** {format_duration(durations.time_to_mitigate)} · "
        f"**total:** {format_duration(durations.total)}"
    )
    if view.review_title:
        target = f"[{view.review_title}]({view.review_url})" if view.review_url else view.review_title
        lines.append(f"- **Review:** {target}, due {view.review_due or 'n/a'}")
    lines += _meeting_lines(view)
    if view.backlog:
        closed = sum(1 for _, _, state in view.backlog if state == "closed")
        lines.append(f"- **Backlog:** {closed} of {len(view.backlog)} items closed")
        for number, title, state in view.backlog:
            box = "x" if state == "closed" else " "
            lines.append(f"  - [{box}] #{number} {inline(title)}")
    lines += [f"- **Action items:** {note}" for note in view.notes]
    lines += [
        "",
        "<sub>Maintained by pmaction: edit the wiki page or this issue; "
        "this comment is rewritten on each run.</sub>",
        "",
        markers.status_marker(view.full_name, view.number),
    ]
    return "\n".join(lines) + "\n"


def _meeting_lines(view: StatusView) -> list[str]:
    if view.facilitator:
        lines = [
            f"- **Facilitator:** @{view.facilitator}: please open the post-mortem meeting by reading "
            "the prime directive on the timeline page."
        ]
    else:
        lines = [
            "- **Facilitator:** not named yet: comment `/facilitator @login` (someone with push access)."
        ]
    if view.calendar:
        lines.append("- **Meetings:** " + " · ".join(f"[{text}]({url})" for text, url in view.calendar))
    return lines
