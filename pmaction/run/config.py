"""Settings: action inputs plus the repository's config file, validated once, up front.

Precedence: an input that is set wins over the config file, which wins over the defaults. Which inputs
are set is the adapters' business: entrypoint/ takes ``with:`` (``INPUT_<NAME>``), then the step's
``env:`` (``<NAME>``); the CLI its flags, then the environment. An empty value is not set: the runner
passes every input, an unset one as ''. Every option, its default and its parser live in run/options.py;
every bad value raises ``ConfigError`` naming the option, the bad value and what is accepted.
``python -m pmaction.run.config > docs/postmortem.schema.json`` writes the config file's JSON Schema.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import yaml

from pmaction.errors import ConfigError
from pmaction.meetings.spec import MeetingSpec
from pmaction.run.options import DEFAULTS, FILE_KEYS, OPTIONS, OPTIONS_LIST, Option

if TYPE_CHECKING:  # the config names the type; the timeline's date reader loads when a timeline is read
    from pmaction.text.stamps import DateOrder


@dataclass(frozen=True)
class Config:
    # Field names are the option names; the defaults come from the options table.
    incident_label: str = DEFAULTS["incident_label"]
    review_after: str = DEFAULTS["review_after"]
    command: str = DEFAULTS["command"]
    issue_number: int | None = DEFAULTS["issue_number"]
    dry_run: bool = DEFAULTS["dry_run"]
    config_file: str = DEFAULTS["config_file"]
    timezone: str = DEFAULTS["timezone"]
    date_order: DateOrder = DEFAULTS["date_order"]
    action_label: str = DEFAULTS["action_label"]
    remind_before_days: int = DEFAULTS["remind_before_days"]
    nag_interval_days: int = DEFAULTS["nag_interval_days"]
    operations_per_run: int = DEFAULTS["operations_per_run"]
    include_events: bool = DEFAULTS["include_events"]
    seconds_between_requests: float = DEFAULTS["seconds_between_requests"]
    seconds_between_writes: float = DEFAULTS["seconds_between_writes"]
    max_wait_seconds: float = DEFAULTS["max_wait_seconds"]
    request_timeout: float = DEFAULTS["request_timeout"]
    type_taxonomy: tuple[str, ...] = DEFAULTS["type_taxonomy"]
    include_untrusted_comments: bool = DEFAULTS["include_untrusted_comments"]
    create_checked_items: bool = DEFAULTS["create_checked_items"]
    template: str | None = DEFAULTS["template"]
    index_page: str = DEFAULTS["index_page"]
    sensitive_info: str = DEFAULTS["sensitive_info"]
    internal_host_patterns: tuple[str, ...] = DEFAULTS["internal_host_patterns"]
    slack_reaction: str = DEFAULTS["slack_reaction"]
    slack_channel: str = DEFAULTS["slack_channel"]
    slack_lead_minutes: int = DEFAULTS["slack_lead_minutes"]
    changes: bool = DEFAULTS["changes"]
    changes_lead_hours: int = DEFAULTS["changes_lead_hours"]
    facilitator: str = DEFAULTS["facilitator"]
    postmortem_meeting: MeetingSpec | None = DEFAULTS["postmortem_meeting"]
    review_meeting: MeetingSpec | None = DEFAULTS["review_meeting"]

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


# --- the config file -----------------------------------------------------------------------------


def _not_utf8(text: str, path: str) -> None:
    """The readers decode with errors="replace": a replacement character is a byte that was no UTF-8
    (a file saved as Latin-1 showed up as a bad time zone, or a bad label)."""
    if "\ufffd" in text:
        line = text[: text.index("\ufffd")].count("\n") + 1
        raise ConfigError(f"{path}:{line}: not UTF-8 text; save the file as UTF-8 and re-run")


def _no_repeated_keys(node: yaml.Node, path: str) -> None:
    """YAML takes the last of two equal keys without a word: refuse it, naming the key and both lines."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                line = key.start_mark.line + 1
                if key.value in seen:
                    raise ConfigError(
                        f"{path}: {key.value} is set twice (lines {seen[key.value]} and {line}): keep one "
                        "and re-run"
                    )
                seen[key.value] = line
            _no_repeated_keys(value, path)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _no_repeated_keys(item, path)


def _load_yaml(text: str, path: str) -> Any:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _no_repeated_keys(node, path)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def parse_config_file(text: str, path: str) -> dict[str, Any]:
    """Parse the YAML config file into raw values; errors name file, line and column."""
    _not_utf8(text, path)
    try:
        data = _load_yaml(text, path) if text.strip() else {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else path
        raise ConfigError(f"{where}: YAML syntax error: {exc.problem}; fix the file and re-run") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc}); fix the file and re-run") from None
    except RecursionError:  # thousands of nested brackets: no config file pmaction reads looks like this
        raise ConfigError(f"{path}: nested too deeply to read; fix the file and re-run") from None
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
    """Combine the inputs that are set and the config file's values into a validated Config.

    ``inputs`` holds the inputs that are set, even to their default value: each wins over the file. The
    adapters leave unset (empty) inputs out; an empty value given here is validated like any other."""
    raw: dict[str, Any] = dict(file_values or {})
    for key, value in inputs.items():
        option = OPTIONS.get(key)
        # Not a setting: the token, and names that are no input (ignored, as they always were).
        if option is not None and option.is_input and not option.secret and value is not None:
            raw[key] = value
    return Config(**{key: OPTIONS[key].parse(key, value) for key, value in raw.items()})


# --- the config file's JSON Schema, for editors and pre-commit checks ----------------------------------


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _schema_property(option: Option) -> dict[str, Any]:
    spec = {**option.schema, "description": option.description}
    # A mapping's default is shown as written (the parsed value is no JSON).
    default = dict(option.default) if isinstance(option.default, Mapping) else DEFAULTS[option.name]
    if default is not None:
        spec["default"] = _jsonable(default)
    return spec


def config_file_schema() -> dict[str, Any]:
    """JSON Schema (2020-12) of ``.github/postmortem.yml``, for editors and pre-commit checks.

    It checks keys and value types; pmaction itself checks the rest (e.g. that a time zone exists)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "pmaction config file (.github/postmortem.yml)",
        "description": "All keys optional. Generated from pmaction/run/options.py: do not edit by hand.",
        "type": "object",
        "additionalProperties": False,
        "properties": {option.name: _schema_property(option) for option in OPTIONS_LIST if option.in_file},
    }


def schema_text() -> str:
    return json.dumps(config_file_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(schema_text())
