"""`sync`: bring one incident's bookkeeping up to date.

Read the issue and its comments (the payload carries the issue and the repository) → stop when the status
comment's record shows that nothing changed (sync_unchanged.py) → else the full sync (sync_full.py), whose
modules (timeline, items, wiki, page rendering) are imported only then: an unchanged re-run, the most
common run, loads none of them.
"""

from __future__ import annotations

from dataclasses import replace

from pmaction.commands.sync_unchanged import skip_if_unchanged
from pmaction.errors import ConfigError, PmactionError
from pmaction.github.payload import event_issue, event_repo
from pmaction.incident.model import Incident
from pmaction.run.session import Session
from pmaction.wiki.git import wiki_remote
from pmaction.wiki.git_clone import WikiClone


def sync(session: Session, number: int | None) -> None:
    if number is None:
        raise PmactionError("sync needs an issue: set the issue_number input")
    incident = read_incident(session, number)
    if not _is_incident(session, incident):
        return
    template = load_template(session)  # before the first write: a missing template stops the run cleanly
    if skip_if_unchanged(session, incident, template):
        return
    # The wiki is cloned while the full sync's modules load and its REST reads and writes run (a thread
    # waiting on git).
    remote = wiki_remote(session.ctx.server_url, incident.repo.full_name)
    early = WikiClone(remote, session.ctx.token) if incident.repo.has_wiki else None
    try:
        from pmaction.commands.sync_full import sync_incident

        sync_incident(session, replace(incident, events=session.github.events(number)), template, early)
    finally:
        if early is not None:
            early.discard()  # unless the wiki write took it


def read_incident(session: Session, number: int) -> Incident:
    """The issue, its comments and its events: read once per run. The repository and the issue come from
    the event's payload when it carries them (github/payload.py); the events are left for later, since an
    unchanged re-run needs none."""
    github, event = session.github, session.ctx.event
    repo = event_repo(event.payload, github.full_name) or github.repository()
    github.repository_node = github.repository_node or repo.node_id  # a mutation names the repository by it
    issue = event_issue(event.name, event.payload, number) or github.issue(number)
    if issue.is_pull_request:
        raise PmactionError(
            f"#{number} is a pull request, not an incident issue: set issue_number to an issue"
        )
    comments = github.comments(number) if issue.comment_count else []
    return Incident(repo=repo, issue=issue, comments=comments, events=[])


def _is_incident(session: Session, incident: Incident) -> bool:
    label = session.config.incident_label
    if label.lower() in {name.lower() for name in incident.issue.labels}:
        return True
    number = incident.issue.number
    session.reporter.notice(f"#{number} has no '{label}' label: nothing to do")
    session.result.summary.append(f"#{number} has no `{label}` label: nothing to do.")
    session.result.command = "skip"
    return False


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
