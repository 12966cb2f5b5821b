"""Settings: action inputs plus the repository's config file, validated once, up front.

Precedence: an input set in the workflow's ``with:`` (i.e. different from its default) wins over
the config file, which wins over the defaults. Every bad value raises ``ConfigError`` naming the
option, the bad value and what is accepted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from pmaction.errors import ConfigError
from pmaction.items.parse import DEFAULT_TAXONOMY
from pmaction.review.dates import parse_review_after

COMMAND_NAMES = ("auto", "sync", "nag", "report")

# Inputs of action.yml with their defaults, in one place: a meta-test keeps action.yml equal to this.
INPUT_DEFAULTS: dict[str, str] = {
    "github_token": "",
    "incident_label": "incident",
    "review_after": "2 months",
    "command": "auto",
    "issue_number": "",
    "dry_run": "false",
    "config_file": ".github/postmortem.yml",
    "timezone": "UTC",
    "action_label": "postmortem-action",
    "remind_before_days": "7",
    "nag_interval_days": "7",
    "operations_per_run": "1000",
    "include_events": "true",
    "seconds_between_requests": "0",
    "seconds_between_writes": "1",
    "max_wait_seconds": "60",
    "request_timeout": "30",
}

# Keys the config file may hold besides the inputs above (inputs that make no sense in a file are excluded).
FILE_ONLY_KEYS = {
    "type_taxonomy",
    "include_untrusted_comments",
    "create_checked_items",
    "template",
    "index_page",
    "sensitive_info",
    "internal_host_patterns",
}
NOT_IN_FILE = {"github_token", "command", "issue_number", "dry_run", "config_file"}
FILE_KEYS = (set(INPUT_DEFAULTS) - NOT_IN_FILE) | FILE_ONLY_KEYS


@dataclass(frozen=True)
class Config:
    incident_label: str = "incident"
    review_after: str = "2 months"
    command: str = "auto"
    issue_number: int | None = None
    dry_run: bool = False
    config_file: str = ".github/postmortem.yml"
    timezone: str = "UTC"
    action_label: str = "postmortem-action"
    remind_before_days: int = 7
    nag_interval_days: int = 7
    operations_per_run: int = 1000
    include_events: bool = True
    seconds_between_requests: float = 0.0
    seconds_between_writes: float = 1.0
    max_wait_seconds: float = 60.0
    request_timeout: float = 30.0
    type_taxonomy: tuple[str, ...] = DEFAULT_TAXONOMY
    include_untrusted_comments: bool = False
    create_checked_items: bool = False
    template: str | None = None
    index_page: str = "Post-mortems"
    sensitive_info: str = "warn"
    internal_host_patterns: tuple[str, ...] = field(default=())

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


# --- parsing single values -------------------------------------------------------------------

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0", ""}


def parse_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigError(f"{name}: {value!r} is not a boolean; use true or false")


def parse_int(name: str, value: Any, *, minimum: int = 0) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ConfigError(f"{name}: {value!r} is not a whole number; use e.g. {minimum + 7}") from None
    if number < minimum:
        raise ConfigError(f"{name}: {number} is too small; use a whole number >= {minimum}")
    return number


def parse_float(name: str, value: Any, *, minimum: float = 0.0) -> float:
    try:
        number = float(str(value).strip())
    except ValueError:
        raise ConfigError(f"{name}: {value!r} is not a number of seconds; use e.g. 1 or 0.5") from None
    if number < minimum or number != number:
        raise ConfigError(f"{name}: {value!r} is out of range; use a number >= {minimum}")
    return number


def parse_issue_number(value: Any) -> int | None:
    text = str(value or "").strip().lstrip("#")
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(f"issue_number: {value!r} is not an issue number; use e.g. 42")
    return int(text)


def parse_timezone(value: Any) -> str:
    text = str(value).strip() or "UTC"
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"timezone: {value!r} is not an IANA time zone; use e.g. UTC, Europe/Berlin or America/New_York"
        ) from None
    return text


def parse_review_after_text(value: Any) -> str:
    """Validate with the same parser the review milestone uses, so both agree on what is accepted."""
    text = " ".join(str(value).split())
    try:
        parse_review_after(text)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return text


def parse_label(name: str, value: Any) -> str:
    text = str(value).strip()
    if not text or len(text) > 50 or "," in text:
        raise ConfigError(f"{name}: {value!r} is not a label name; use 1-50 characters without commas")
    return text


def parse_command(value: Any) -> str:
    text = str(value).strip().lower() or "auto"
    if text not in COMMAND_NAMES:
        raise ConfigError(f"command: {value!r} is not a command; use one of {', '.join(COMMAND_NAMES)}")
    return text


def parse_word_list(name: str, value: Any) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ConfigError(f"{name}: expected a list of words, got {value!r}")
    words = tuple(str(item).strip().lstrip("#").lower() for item in items if str(item).strip())
    if not words or any(not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", word) for word in words):
        raise ConfigError(f"{name}: {value!r} must be a non-empty list of words like [mitigate, prevent]")
    return words


def parse_patterns(name: str, value: Any) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    items = value if isinstance(value, list) else [value]
    patterns = []
    for item in items:
        try:
            re.compile(str(item))
        except re.error as exc:
            raise ConfigError(f"{name}: {item!r} is not a valid regular expression ({exc})") from None
        patterns.append(str(item))
    return tuple(patterns)


def parse_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    text = str(value).strip().lower()
    if text not in choices:
        raise ConfigError(f"{name}: {value!r} is not allowed; use one of {', '.join(choices)}")
    return text


def _convert(key: str, value: Any) -> Any:
    """Turn one raw value (input string or YAML value) into the Config field's type."""
    if key in ("incident_label", "action_label"):
        return parse_label(key, value)
    if key == "review_after":
        return parse_review_after_text(value)
    if key == "command":
        return parse_command(value)
    if key == "issue_number":
        return parse_issue_number(value)
    if key in ("dry_run", "include_events", "include_untrusted_comments", "create_checked_items"):
        return parse_bool(key, value)
    if key == "timezone":
        return parse_timezone(value)
    if key in ("remind_before_days", "nag_interval_days"):
        return parse_int(key, value, minimum=0 if key == "remind_before_days" else 1)
    if key == "operations_per_run":
        return parse_int(key, value, minimum=10)
    if key in ("seconds_between_requests", "seconds_between_writes", "max_wait_seconds"):
        return parse_float(key, value)
    if key == "request_timeout":
        return parse_float(key, value, minimum=1.0)
    if key == "type_taxonomy":
        return parse_word_list(key, value)
    if key == "internal_host_patterns":
        return parse_patterns(key, value)
    if key == "sensitive_info":
        return parse_choice(key, value, ("warn", "block", "off"))
    if key in ("template", "config_file"):
        text = str(value).strip()
        if ".." in text.split("/") or text.startswith("/"):
            raise ConfigError(f"{key}: {value!r} must be a path inside the repository, like .github/x")
        return text or None
    if key == "index_page":
        text = str(value).strip()
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 _.-]{0,80}", text):
            raise ConfigError(f"{key}: {value!r} is not a wiki page name; use letters, digits, - and spaces")
        return text.replace(" ", "-")
    raise ConfigError(f"unknown option {key!r}")


# --- the config file -----------------------------------------------------------------------------


def parse_config_file(text: str, path: str) -> dict[str, Any]:
    """Parse the YAML config file into raw values; errors name file, line and column."""
    try:
        data = yaml.safe_load(text) if text.strip() else {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else path
        raise ConfigError(f"{where}: YAML syntax error: {exc.problem}; fix the file and re-run") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc}); fix the file and re-run") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of options (key: value), got {type(data).__name__}")
    unknown = sorted(str(key) for key in data if key not in FILE_KEYS)
    if unknown:
        close = ", ".join(sorted(FILE_KEYS))
        raise ConfigError(f"{path}: unknown option(s) {', '.join(unknown)}; known options: {close}")
    return {str(key): value for key, value in data.items()}


def build_config(inputs: Mapping[str, str], file_values: Mapping[str, Any] | None = None) -> Config:
    """Combine inputs and config-file values into a validated Config."""
    raw: dict[str, Any] = {}
    for key, value in (file_values or {}).items():
        raw[key] = value
    for key, default in INPUT_DEFAULTS.items():
        if key == "github_token":
            continue
        given = inputs.get(key)
        if given is None:
            continue
        # An input left at its action.yml default does not override the file.
        if key in raw and str(given).strip() == default:
            continue
        raw[key] = given
    values = {key: _convert(key, value) for key, value in raw.items()}
    known = {f.name for f in fields(Config)}
    return Config(**{key: value for key, value in values.items() if key in known})


def needs_issue_number(config: Config, event_name: str) -> None:
    """Reject command/input combinations that cannot work, naming the input to change."""
    if (
        config.command == "sync"
        and config.issue_number is None
        and event_name not in ("issues", "issue_comment")
    ):
        raise ConfigError(
            "command 'sync' needs issue_number: set the issue_number input to the incident's number"
        )
