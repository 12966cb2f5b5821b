"""Turn the runner's environment into the engine's inputs and run context (the only reader of env vars)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pmaction.errors import ConfigError
from pmaction.run.context import Event, RunContext
from pmaction.run.options import INPUT_OPTIONS, OPTIONS, given


def read_input(env: Mapping[str, str], name: str) -> str | None:
    """An input as the runner passes it, ``INPUT_<NAME>`` (the workflow's ``with:``), else the plain
    ``<NAME>`` (the step's ``env:``, a shell); None when neither is set.

    The runner passes every input declared in action.yml, an unset one as '' (action.yml's defaults are
    empty for this reason): so an empty value means "not set" and the next place is looked at."""
    for key in (f"INPUT_{name.upper()}", f"INPUT_{name.upper().replace('_', '-')}", OPTIONS[name].env_var):
        value = given(env.get(key))
        if value is not None:
            return value
    return None


def read_inputs(env: Mapping[str, str]) -> dict[str, str]:
    """Every input that is set, by option name; the defaults are the engine's (run/options.py)."""
    found = {option.name: read_input(env, option.name) for option in INPUT_OPTIONS}
    return {name: value for name, value in found.items() if value is not None}


@dataclass(frozen=True)
class Environment:
    inputs: dict[str, str]
    context: RunContext
    output_path: Path | None = None
    summary_path: Path | None = None
    now: str | None = field(default=None)


def load_event(env: Mapping[str, str]) -> Event:
    name = env.get("GITHUB_EVENT_NAME", "").strip() or "workflow_dispatch"
    path = env.get("GITHUB_EVENT_PATH", "").strip()
    payload: dict[str, Any] = {}
    if path:
        try:
            payload = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(
                f"GITHUB_EVENT_PATH {path} does not exist: run pmaction inside a workflow job"
            ) from None
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"GITHUB_EVENT_PATH {path} is not JSON ({exc.msg}): the runner wrote a bad payload"
            ) from None
        if not isinstance(payload, dict):
            raise ConfigError(f"GITHUB_EVENT_PATH {path} holds no JSON object")
    return Event(name=name, payload=payload)


def load_environment(env: Mapping[str, str]) -> Environment:
    inputs = read_inputs(env)
    token = inputs.get("github_token") or env.get("GITHUB_TOKEN", "")
    repo = env.get("GITHUB_REPOSITORY", "").strip()
    if not repo:
        raise ConfigError("GITHUB_REPOSITORY is not set: run inside a workflow, or set it to owner/name")
    server_url = env.get("GITHUB_SERVER_URL", "").strip().rstrip("/") or "https://github.com"
    api_url = env.get("GITHUB_API_URL", "").strip().rstrip("/") or "https://api.github.com"
    workspace_text = env.get("GITHUB_WORKSPACE", "").strip()
    context = RunContext(
        repo=repo,
        api_url=api_url,
        server_url=server_url,
        token=token,
        event=load_event(env),
        workspace=Path(workspace_text) if workspace_text else None,
        actor=env.get("GITHUB_ACTOR") or None,
    )
    output = env.get("GITHUB_OUTPUT", "").strip()
    summary = env.get("GITHUB_STEP_SUMMARY", "").strip()
    return Environment(
        inputs=inputs,
        context=context,
        output_path=Path(output) if output else None,
        summary_path=Path(summary) if summary else None,
        now=env.get("PMACTION_NOW") or None,
    )
