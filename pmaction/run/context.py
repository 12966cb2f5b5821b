"""What one run is about: the repository, the credentials and the event that started it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Event:
    name: str  # GITHUB_EVENT_NAME, or "cli"
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunContext:
    repo: str  # owner/name
    api_url: str
    server_url: str
    token: str = field(repr=False)
    event: Event = field(default_factory=lambda: Event("workflow_dispatch"))
    workspace: Path | None = None
    actor: str | None = None
    slack_token: str = field(default="", repr=False)  # a secret like the token: never in Config or a log
