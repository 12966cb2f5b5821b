"""Rendering the incident page from its template: rows, template variables, the sandboxed Jinja2 render."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, tzinfo
from importlib import resources
from typing import Any

from jinja2 import ChainableUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from pmaction.github.data import Issue, Repo
from pmaction.incident.issueform import page_fields
from pmaction.text import markers
from pmaction.text.escape import cell, inline, link, link_text, safe_url
from pmaction.text.markdown import cells
from pmaction.text.times import format_duration, format_time
from pmaction.timeline.durations import total_span
from pmaction.timeline.model import Entry, Timeline

PRIME_DIRECTIVE = (
    "Regardless of what we discover, we understand and truly believe that everyone did the best job they "
    "could, given what they knew at the time, their skills and abilities, the resources available, and the "
    "situation at hand."
)


PRIME_DIRECTIVE_SOURCE = "Norm Kerth, *Project Retrospectives: A Handbook for Team Reviews*, 2001"


DEFAULT_TEMPLATE_NAME = ".github/postmortem.md.j2"


@dataclass(frozen=True)
class IssueItem:
    """An agreed action item from the incident issue, shown (not edited) on the page."""

    text: str
    checked: bool
    ref: int | None  # its backlog issue, once made


@dataclass(frozen=True)
class ReviewInfo:
    title: str
    url: str
    due_on: date
    state: str  # "open" | "closed"


@dataclass(frozen=True)
class PageContext:
    repo: Repo
    issue: Issue
    timeline: Timeline
    severity: str | None
    tz: tzinfo
    review: ReviewInfo | None = None
    issue_items: tuple[IssueItem, ...] = ()
    items_closed: int = 0
    items_total: int = 0
    facilitator: str | None = None  # a GitHub login
    calendar: tuple[tuple[str, str], ...] = ()  # (link text, URL): the .ics file, then Google Calendar links
    moments_image: str | None = None  # the key-moments strip, a file next to the page


def default_template() -> str:
    return resources.files("pmaction").joinpath("templates/incident.md.j2").read_text(encoding="utf-8")


def _tz_label(tz: tzinfo) -> str:
    key = getattr(tz, "key", None)
    return str(key) if key else (tz.tzname(None) or "UTC")


def row_hash(body: str) -> str:
    """Hash of a row's cells with their padding stripped: an editor that re-aligns the table's columns is
    not a person changing the row."""
    canonical = "|".join(cells(body))
    return hashlib.sha1(canonical.encode("utf-8")).hexdigest()[:10]


_SOURCE_NAMES = {"comment": "comment", "body": "issue body", "event": "issue event", "issue": "issue"}


def render_row(entry: Entry, tz: tzinfo, issue_url: str | None = None) -> str:
    """One generated timeline row, ending with its marker (key and hash of the row as generated)."""
    source = _SOURCE_NAMES.get(entry.source, cell(entry.source))
    url = entry.url or (issue_url if entry.source in ("body", "issue") else None)
    cells = [
        format_time(entry.when, tz, date_only=entry.date_only),
        cell(entry.author or ""),
        cell(entry.text),
        link(source, url),
    ]
    body = "| " + " | ".join(cells)
    return f"{body.rstrip()} {markers.row_marker(entry.key, row_hash(body))} |"


def _issue_item_line(item: IssueItem, repo_url: str) -> str:
    # Wikis do not autolink "#42": the issue's number is an explicit link.
    if item.ref is None:
        ref = ""
    else:
        url = safe_url(repo_url.rstrip("/") + f"/issues/{item.ref}")
        ref = f" ([#{item.ref}]({url}))" if url else f" (#{item.ref})"
    return f"- [{'x' if item.checked else ' '}] {inline(item.text)}{ref}"


def variables(ctx: PageContext, rows: Sequence[str]) -> dict[str, Any]:
    issue = ctx.issue
    status = "Declared over" if ctx.timeline.moments.declared_over else "Open"
    review, review_summary = _review(ctx)
    backlog = f"{ctx.items_closed} of {ctx.items_total} items closed"
    title = inline(issue.title)
    severity = inline(ctx.severity) if ctx.severity else "not set"
    texts = {label: cell(text) for label, text in page_fields(issue.body)}  # the form's Summary, Impact
    when = _when(ctx.timeline, ctx.tz)
    facts = [
        ("Incident", cell(link(f"#{issue.number} {title}", issue.html_url))),
        ("Severity", cell(severity)),
        ("Status", status),
        *texts.items(),
        *((name.capitalize(), when[name]) for name in ("started", "detected", "mitigated", "resolved")),
        ("Announced", when["announced"]),
        ("Declared over", when["declared_over"]),
        ("Time to detect", when["time_to_detect"]),
        ("Time to mitigate", when["time_to_mitigate"]),
        (f"Total duration ({when['total_duration_span']})", when["total_duration"]),
        ("Review", cell(review_summary)),
        ("Backlog", backlog),
        *_meeting_facts(ctx),
    ]
    return {
        "page_marker": markers.page_marker(ctx.repo.full_name, issue.number),
        "number": issue.number,
        "title": title,
        "repo": ctx.repo.full_name,
        "issue_url": safe_url(issue.html_url) or "",
        "severity": severity,
        "status": status,
        "summary": texts.get("Summary", ""),
        "impact": texts.get("Impact", ""),
        **when,
        "review_summary": review_summary,
        "backlog": backlog,
        "facts": facts,
        "tz_label": _tz_label(ctx.tz),
        "timeline_rows": list(rows),
        "issue_items": [_issue_item_line(item, ctx.repo.html_url) for item in ctx.issue_items],
        "review": review,
        "prime_directive": PRIME_DIRECTIVE,
        "prime_directive_source": PRIME_DIRECTIVE_SOURCE,
        "facilitator": f"@{ctx.facilitator}" if ctx.facilitator else "",
        "calendar": " · ".join(link(text, url) for text, url in ctx.calendar),
        "moments_image": _moments_image(ctx),
    }


def _review(ctx: PageContext) -> tuple[dict[str, str] | None, str]:
    """The ``review`` variable (None when none is scheduled) and its one-line summary."""
    if ctx.review is None:
        return None, "not scheduled"
    review = {
        "title": link_text(inline(ctx.review.title)),
        "url": safe_url(ctx.review.url) or "",
        "due": ctx.review.due_on.isoformat(),
        "state": ctx.review.state,
    }
    return review, f"{link(inline(ctx.review.title), ctx.review.url)}, due {review['due']}"


def _when(timeline: Timeline, tz: tzinfo) -> dict[str, str]:
    """The key moments in the page's zone ("—" when unknown) and the durations between them, by the one
    duration rule; ``total_duration_span`` names the moments the total runs between."""
    m, durations = timeline.moments, timeline.durations
    moments = {
        "started": m.started,
        "detected": m.detected,
        "mitigated": m.mitigated,
        "resolved": m.resolved,
        "announced": m.announced,
        "declared_over": m.declared_over,
    }
    return {
        **{name: format_time(moment, tz) if moment else "—" for name, moment in moments.items()},
        "time_to_detect": format_duration(durations.time_to_detect),
        "time_to_mitigate": format_duration(durations.time_to_mitigate),
        "total_duration": format_duration(durations.total),
        "total_duration_span": " → ".join(total_span(m)),
    }


def _meeting_facts(ctx: PageContext) -> list[tuple[str, str]]:
    facilitator = (
        f"@{ctx.facilitator}" if ctx.facilitator else "not named: `/facilitator @login` on the issue"
    )
    rows = [("Facilitator", cell(facilitator))]
    if ctx.calendar:
        rows.append(("Meetings", cell(" · ".join(link(text, url) for text, url in ctx.calendar))))
    return rows


def _moments_image(ctx: PageContext) -> str:
    if not ctx.moments_image:
        return ""
    alt = f"Key moments of #{ctx.issue.number} on a time line (their times are in the timeline below)"
    return f"![{alt}]({ctx.moments_image})"


def render_template(template_text: str, variables: Mapping[str, Any], template_name: str) -> str:
    env = SandboxedEnvironment(
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=ChainableUndefined,
    )
    source = template_text.replace("\r\n", "\n")
    try:
        return env.from_string(source).render(**variables)
    except TemplateSyntaxError as exc:
        raise ValueError(
            f"{template_name}, line {exc.lineno}: {exc.message}; fix {template_name} (a Jinja2 template)"
        ) from exc
    except TemplateError as exc:
        raise ValueError(f"{template_name}: {exc}; fix {template_name} (a Jinja2 template)") from exc
