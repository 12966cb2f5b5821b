"""Timeline entries for what changed in the repository around the incident: deployments and their
statuses, releases, merged pull requests and failed workflow runs on the default branch, as system rows.

Read once by the sync (``Incident.outside.changes``); this source only words them. Keys are GitHub's ids
(``deploy-<id>``, ``deploy-<id>-status-<id>``, ``release-<id>``, ``pull-<number>``, ``run-<id>``), stable
across runs. Logins without "@": the text may be quoted in issue comments, where "@" would notify people.
"""

from __future__ import annotations

from dataclasses import replace

from pmaction.github.changes import Deployment, FailedRun, MergedPull, Release, RepoChanges
from pmaction.incident.model import Incident
from pmaction.timeline.model import Entry, Found, SourceContext


def _deployment(deployment: Deployment) -> list[Entry]:
    where = f"`{deployment.ref}` to {deployment.environment or 'an environment'}"
    rows = [
        Entry(
            key=f"deploy-{deployment.id}",
            when=deployment.when,
            text=f"Deployment of {where} created",
            source="deployment",
            author=deployment.creator,
        )
    ]
    rows += [
        Entry(
            key=f"deploy-{deployment.id}-status-{status.id}",
            when=status.when,
            text=f"Deployment of {where}: {status.state.replace('_', ' ')}",
            source="deployment",
            author=status.creator,
            url=status.url,
        )
        for status in deployment.statuses
    ]
    return rows


def _release(release: Release) -> Entry:
    named = release.tag if release.name in ("", release.tag) else f"{release.name} (`{release.tag}`)"
    return Entry(
        key=f"release-{release.id}",
        when=release.when,
        text=f"Release {named} published",
        source="release",
        author=release.author,
        url=release.url,
    )


def _pull(pull: MergedPull) -> Entry:
    return Entry(
        key=f"pull-{pull.number}",
        when=pull.when,
        text=f"Pull request #{pull.number} merged: {pull.title}",
        source="pull request",
        author=pull.author,
        url=pull.url,
    )


def _run(run: FailedRun) -> Entry:
    return Entry(
        key=f"run-{run.id}",
        when=run.when,
        text=f"Workflow run {run.name} on the default branch: {run.conclusion.replace('_', ' ')}",
        source="workflow run",
        author=run.actor,
        url=run.url,
    )


def change_entries(changes: RepoChanges) -> list[Entry]:
    rows = [row for deployment in changes.deployments for row in _deployment(deployment)]
    rows += [_release(release) for release in changes.releases]
    rows += [_pull(pull) for pull in changes.pulls]
    rows += [_run(run) for run in changes.runs]
    ordered = sorted(rows, key=lambda e: (e.when, e.key))
    return [replace(entry, order=order) for order, entry in enumerate(ordered)]


def entries(incident: Incident, context: SourceContext) -> Found:
    return change_entries(incident.outside.changes), []
