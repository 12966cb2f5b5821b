"""What a run does, decided from the command input and the event alone (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pmaction.errors import ConfigError
from pmaction.github.data import BOT_LOGIN
from pmaction.incident.authors import by_pmaction_or_the_team
from pmaction.run.config import Config
from pmaction.run.context import Event
from pmaction.text import markers


@dataclass(frozen=True)
class Plan:
    command: str | None  # None: nothing to do for this event
    issue_number: int | None = None
    reason: str = ""


def _issue_of(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    issue = payload.get("issue")
    return issue if isinstance(issue, Mapping) else {}


def _has_label(issue: Mapping[str, Any], label: str) -> bool:
    names = {
        str(item.get("name", "")).lower() for item in issue.get("labels") or [] if isinstance(item, Mapping)
    }
    return label.lower() in names


def plan_for(config: Config, event: Event) -> Plan:
    """Decide what this run does from the command input and the event (pure)."""
    if config.command in ("nag", "report"):
        if config.issue_number is not None:
            raise ConfigError(
                f"command '{config.command}' covers every incident and takes no issue_number: clear "
                f"issue_number, or set command to sync to update #{config.issue_number}"
            )
        return Plan(config.command)
    if config.command == "sync":
        number = config.issue_number or _issue_of(event.payload).get("number")
        if not number:
            raise ConfigError(
                "command 'sync' needs issue_number: set the issue_number input to the incident's number"
            )
        return Plan("sync", int(number))
    return _follow_event(config, event)


def _follow_event(config: Config, event: Event) -> Plan:
    """command == auto: what the event asks for."""
    name = event.name
    if name in ("issues", "issue_comment"):
        return _issue_event(config, name, event.payload)
    if name == "gollum":
        return Plan("sync-wiki")
    if name == "schedule":
        return Plan("nag")
    if name in ("workflow_dispatch", "cli"):
        inputs = event.payload.get("inputs") if isinstance(event.payload.get("inputs"), Mapping) else {}
        number = config.issue_number or (inputs or {}).get("issue_number")
        if number:
            return Plan("sync", int(str(number).lstrip("#")))
        return Plan("nag")
    raise ConfigError(
        f"pmaction does not handle the '{name}' event: trigger it on issues, issue_comment, gollum, "
        "schedule or workflow_dispatch"
    )


def _issue_event(config: Config, name: str, payload: Mapping[str, Any]) -> Plan:
    issue = _issue_of(payload)
    number = issue.get("number")
    if not number:
        raise ConfigError(f"the {name} event payload has no issue: check the workflow's `on:` triggers")
    number = int(number)
    if issue.get("pull_request"):
        return Plan(None, number, f"#{number} is a pull request, not an incident issue: skipped")
    if name == "issues" and str(payload.get("action") or "") == "unlabeled":
        label = str((payload.get("label") or {}).get("name") or "")
        if label.lower() == config.incident_label.lower():
            return Plan("sync", number)
    if not _has_label(issue, config.incident_label):
        incident = _incident_of_backlog_issue(config, issue, payload)
        if incident is not None:  # closing, reopening or editing an action item: its incident's progress
            return Plan("sync", incident)
        return Plan(
            None,
            number,
            f"#{number} has no '{config.incident_label}' label: nothing to do "
            "(add the label to start a post-mortem)",
        )
    if name == "issue_comment" and _is_own_comment(payload):
        return Plan(None, number, "the comment is pmaction's own: skipped")
    return Plan("sync", number)


def _incident_of_backlog_issue(
    config: Config, issue: Mapping[str, Any], payload: Mapping[str, Any]
) -> int | None:
    """The incident a backlog issue pmaction made belongs to: the action label, our marker on the body's
    last line naming this repository, written by pmaction's account or the team (never an outsider's copy).
    """
    if not _has_label(issue, config.action_label) or not by_pmaction_or_the_team(issue):
        return None
    found = markers.parse_item_marker(str(issue.get("body") or ""))
    repo = str((payload.get("repository") or {}).get("full_name") or "")
    if found is None or not repo or found[0].repo.lower() != repo.lower():
        return None
    return found[0].number


def _is_own_comment(payload: Mapping[str, Any]) -> bool:
    sender = str((payload.get("sender") or {}).get("login") or "")
    body = str((payload.get("comment") or {}).get("body") or "")
    return sender == BOT_LOGIN and markers.ends_with_own_comment_marker(body)
