"""Turn the runner's environment into the engine's inputs and run context (the only reader of env vars)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pmaction.errors import ConfigError
from pmaction.run.context import Event, RunContext
from pmaction.run.options import INPUT_DEFAULTS


def read_input(env: Mapping[str, str], name: str) -> str | None:
    """``INPUT_<NAME>`` as the runner sets it, then ``<NAME>`` so the same code runs from env: or a shell."""
    for key in (f"INPUT_{name.upper()}", f"INPUT_{name.upper().replace('_', '-')}", name.upper()):
        if key in env:
            return env[key]
    return None


def read_inputs(env: Mapping[str, str]) -> dict[str, str]:
    inputs: dict[str, str] = {}
    for name in INPUT_DEFAULTS:
        value = read_input(env, name)
        if value is not None:
            inputs[name] = value.strip()
    return inputs


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
