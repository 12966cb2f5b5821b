"""`report`: regenerate the cross-incident report page from the incident pages and the review milestones."""

from __future__ import annotations

from pmaction.commands.sync_reviews import with_reviews
from pmaction.github.client import GitHub
from pmaction.report.facts import collect_facts
from pmaction.report.render import REPORT_PAGE, ReviewState, report_files
from pmaction.review.milestone import list_reviews
from pmaction.run.session import Session
from pmaction.wiki.git import update_wiki, wiki_disabled_outcome, wiki_remote


def review_states(github: GitHub) -> dict[int, ReviewState]:
    return {
        incident: ReviewState(
            incident, review.state, review.due_on, review.open_issues, review.closed_issues, review.html_url
        )
        for incident, review in list_reviews(github).items()
    }


def report(session: Session, number: int | None) -> None:
    github, result = session.github, session.result
    repo = github.repository()
    today = session.clock.now().astimezone(session.config.tz).date()
    reviews = review_states(github)
    rendered: dict[str, str] = {}

    def edit(files: dict[str, str]) -> dict[str, str]:
        wanted = report_files(collect_facts(files, repo.full_name), reviews, today, files.get(REPORT_PAGE))
        wanted[REPORT_PAGE] = with_reviews(wanted[REPORT_PAGE], reviews)  # what a sync takes them from
        rendered["text"] = wanted[REPORT_PAGE]
        return {name: text for name, text in wanted.items() if files.get(name) != text}

    if not repo.has_wiki:
        outcome = wiki_disabled_outcome(repo.full_name)
    else:
        outcome = update_wiki(
            wiki_remote(session.ctx.server_url, repo.full_name),
            session.ctx.token,
            edit,
            message="pmaction: post-mortem report",
            dry_run=session.config.dry_run,
            max_wait=session.config.max_wait_seconds,
        )
    if outcome.status in ("pushed", "unchanged", "dry_run"):
        if outcome.status == "pushed":
            result.done.append(f"updated the wiki page {REPORT_PAGE[:-3]}")
        result.summary.append(rendered.get("text", ""))
    else:
        result.fail(outcome.message)
