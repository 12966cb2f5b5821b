"""Turn the runner's environment into the engine's inputs and run context (the only reader of env vars)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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


# Every payload problem ends with the same fix: the runner writes this file; a person who set the
# variable (a local run, a step's env:) pointed it somewhere else.
_PAYLOAD_FIX = (
    "GITHUB_EVENT_PATH must name the event's payload, a JSON object, as the runner writes it: if you set "
    "it yourself, point it at such a file (`{}` will do for workflow_dispatch) or unset it"
)


def _payload_text(path: str) -> str:
    """The payload file's text; each way it cannot be read is a ConfigError naming the fix."""
    where = f"GITHUB_EVENT_PATH {path}"
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"{where} does not exist: run pmaction inside a workflow job; {_PAYLOAD_FIX}"
        ) from None
    except IsADirectoryError:
        raise ConfigError(f"{where} is a directory, not a file: {_PAYLOAD_FIX}") from None
    except OSError as exc:
        raise ConfigError(
            f"{where} cannot be read ({exc.strerror or type(exc).__name__}): {_PAYLOAD_FIX}"
        ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{where} is not UTF-8 text (byte {exc.start}): {_PAYLOAD_FIX}") from None
    if not text.strip():
        raise ConfigError(f"{where} is empty: {_PAYLOAD_FIX}")
    return text


def load_event(env: Mapping[str, str]) -> Event:
    name = env.get("GITHUB_EVENT_NAME", "").strip() or "workflow_dispatch"
    path = env.get("GITHUB_EVENT_PATH", "").strip()
    payload: Any = {}
    if path:
        text = _payload_text(path)
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"GITHUB_EVENT_PATH {path} is not JSON ({exc.msg} at line {exc.lineno} column {exc.colno}): "
                f"{_PAYLOAD_FIX}"
            ) from None
        except RecursionError:  # nested thousands deep: no payload the runner writes
            raise ConfigError(
                f"GITHUB_EVENT_PATH {path} is nested too deeply to read: {_PAYLOAD_FIX}"
            ) from None
        if not isinstance(payload, dict):
            raise ConfigError(f"GITHUB_EVENT_PATH {path} holds no JSON object: {_PAYLOAD_FIX}")
    return Event(name=name, payload=payload)


def _url(env: Mapping[str, str], name: str, default: str) -> str:
    """GITHUB_API_URL or GITHUB_SERVER_URL as given (no trailing /), refused unless it is an http(s) URL."""
    value = env.get(name, "").strip().rstrip("/") or default
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"{name} {value!r} is not an http(s) URL: it must look like {default} (on GitHub Enterprise "
            f"https://HOST{'/api/v3' if name == 'GITHUB_API_URL' else ''}); the runner sets it, so do not "
            "set it in the step's env:"
        )
    return value


def load_environment(env: Mapping[str, str]) -> Environment:
    inputs = read_inputs(env)
    token = inputs.get("github_token") or env.get("GITHUB_TOKEN", "")
    repo = env.get("GITHUB_REPOSITORY", "").strip()
    if not repo:
        raise ConfigError("GITHUB_REPOSITORY is not set: run inside a workflow, or set it to owner/name")
    server_url = _url(env, "GITHUB_SERVER_URL", "https://github.com")
    api_url = _url(env, "GITHUB_API_URL", "https://api.github.com")
    workspace_text = env.get("GITHUB_WORKSPACE", "").strip()
    context = RunContext(
        repo=repo,
        api_url=api_url,
        server_url=server_url,
        token=token,
        event=load_event(env),
        workspace=Path(workspace_text) if workspace_text else None,
        actor=env.get("GITHUB_ACTOR") or None,
        slack_token=inputs.get("slack_token", ""),
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
