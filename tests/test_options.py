"""One table of options: Config, the config file's keys and its JSON Schema all come from it."""

from __future__ import annotations

import json
import re
from dataclasses import fields
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from pmaction.errors import ConfigError
from pmaction.run.config import Config, build_config, config_file_schema, parse_config_file, schema_text
from pmaction.run.options import DEFAULTS, FILE_KEYS, OPTIONS, OPTIONS_LIST

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_PATH = ROOT / "docs" / "postmortem.schema.json"
README = (ROOT / "README.md").read_text(encoding="utf-8")

# Every key the config file may hold, each at a value that is not its default.
FULL_CONFIG = """\
incident_label: outage
review_after: 6 weeks
timezone: Europe/Berlin
date_order: month-first
action_label: pm-action
remind_before_days: 3
nag_interval_days: 2
operations_per_run: 500
include_events: false
seconds_between_requests: 0.25
seconds_between_writes: 2
max_wait_seconds: 120
request_timeout: 10
type_taxonomy: [mitigate, prevent, '#detect']
include_untrusted_comments: true
create_checked_items: true
template: .github/postmortem.md.j2
index_page: Incident reviews
sensitive_info: block
internal_host_patterns: ['\\.corp\\.example\\.com$']
slack_reaction: eyes
slack_channel: '#incidents'
slack_lead_minutes: 10
changes: false
changes_lead_hours: 2
facilitator: "@alice"
postmortem_meeting: {after: 3 days, at: 10:30, duration: 1 hour}
review_meeting: false
"""


def schema_errors(data: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(config_file_schema())
    return [error.message for error in validator.iter_errors(data)]


def test_the_committed_schema_is_the_one_the_table_generates() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), (
        "regenerate it: python -m pmaction.run.config > docs/postmortem.schema.json"
    )


def test_the_schema_is_a_valid_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def test_a_full_config_file_is_accepted_by_the_schema_and_by_pmaction() -> None:
    data = yaml.safe_load(FULL_CONFIG)
    assert set(data) == FILE_KEYS  # the example really is full
    assert schema_errors(data) == []
    config = build_config({}, parse_config_file(FULL_CONFIG, ".github/postmortem.yml"))
    assert config.index_page == "Incident-reviews"
    assert config.date_order == "month-first"
    assert config.type_taxonomy == ("mitigate", "prevent", "detect")
    assert all(getattr(config, key) != DEFAULTS[key] for key in FILE_KEYS)


def test_the_readme_config_example_is_accepted_by_the_schema_and_by_pmaction() -> None:
    example = README.split("## Config file", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    assert schema_errors(yaml.safe_load(example)) == []
    build_config({}, parse_config_file(example, ".github/postmortem.yml"))


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"reveiw_after": "2 months"}, "'reveiw_after' was unexpected"),
        ({"command": "nag"}, "'command' was unexpected"),  # an input only: not a config-file key
        ({"review_after": "soon"}, "does not match"),
        ({"remind_before_days": -1}, "less than the minimum"),
        ({"sensitive_info": "loud"}, "is not one of"),
        ({"include_events": "sometimes"}, "is not of type 'boolean'"),
    ],
)
def test_the_schema_rejects_what_pmaction_rejects(data: dict[str, Any], fragment: str) -> None:
    errors = schema_errors(data)
    assert any(fragment in error for error in errors), errors
    with pytest.raises(ConfigError):
        text = yaml.safe_dump(data)
        build_config({}, parse_config_file(text, "pm.yml"))


def test_config_has_one_field_per_option_and_its_defaults_are_the_tables() -> None:
    assert [f.name for f in fields(Config)] == [o.name for o in OPTIONS_LIST if not o.secret]
    assert {f.name: getattr(Config(), f.name) for f in fields(Config)} == DEFAULTS
    assert build_config({}) == Config()


def test_only_the_tokens_are_secret_and_they_are_inputs_only() -> None:
    assert [o.name for o in OPTIONS_LIST if o.secret] == ["github_token", "slack_token"]
    for name in ("github_token", "slack_token"):
        assert OPTIONS[name].where == "input" and name not in FILE_KEYS


def test_inputs_that_make_no_sense_in_a_file_are_not_file_keys() -> None:
    input_only = {o.name for o in OPTIONS_LIST if o.where == "input"}
    assert input_only == {"github_token", "command", "issue_number", "dry_run", "config_file", "slack_token"}
    assert FILE_KEYS.isdisjoint(input_only)


def test_every_help_text_is_one_sentence_ending_in_a_full_stop() -> None:
    for option in OPTIONS_LIST:
        assert "\n" not in option.help and option.help.endswith("."), option.name
        assert re.fullmatch(r"[a-z][a-z0-9_]*", option.name), option.name
