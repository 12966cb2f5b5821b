"""Errors that reach a person: one line, naming the fix."""

from __future__ import annotations

from typing import Any


class PmactionError(Exception):
    """A failure the user can fix. ``title`` is short (the ::error title); ``str()`` is one line."""

    def __init__(self, message: str, *, title: str = "pmaction") -> None:
        super().__init__(" ".join(message.split()))
        self.title = title
        # What the run had done before it failed (an engine Result), for the job summary.
        self.partial: Any = None


class ConfigError(PmactionError):
    def __init__(self, message: str) -> None:
        super().__init__(message, title="pmaction: configuration")


class GitHubAPIError(PmactionError):
    def __init__(self, message: str) -> None:
        super().__init__(message, title="pmaction: GitHub API")


class PermissionMissing(PmactionError):
    def __init__(self, message: str) -> None:
        super().__init__(message, title="pmaction: permissions")
