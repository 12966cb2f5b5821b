"""Inputs and the config file: every bad value is named, with the fix."""

from __future__ import annotations

import pytest

from pmaction.errors import ConfigError
from pmaction.run.config import Config, build_config, parse_config_file
from pmaction.run.options import INPUT_OPTIONS


def test_defaults_give_the_documented_config() -> None:
    config = build_config({option.name: str(option.default) for option in INPUT_OPTIONS})
    assert config == Config()
    assert config.review_after == "2 months"
    assert config.seconds_between_writes == 1.0


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("dry_run", "maybe", "dry_run: 'maybe' is not a boolean; use true or false"),
        ("issue_number", "abc", "issue_number: 'abc' is not an issue number"),
        ("issue_number", "0", "issue_number: '0'"),
        ("timezone", "Mars/Olympus", "timezone: 'Mars/Olympus' is not an IANA time zone"),
        ("review_after", "3 fortnights", "write N days, N weeks or N months"),
        ("review_after", "0 days", "review_after: '0 days'"),
        ("command", "deploy", "command: 'deploy' is not a command; use one of auto, sync, nag, report"),
        ("incident_label", "", "incident_label: '' is not a label name"),
        ("incident_label", "a,b", "without commas"),
        ("remind_before_days", "-1", "remind_before_days: -1 is too small"),
        ("nag_interval_days", "0", "nag_interval_days: 0 is too small"),
        ("nag_interval_days", "weekly", "nag_interval_days: 'weekly' is not a whole number"),
        ("operations_per_run", "5", "operations_per_run: 5 is too small"),
        ("seconds_between_writes", "fast", "seconds_between_writes: 'fast' is not a number of seconds"),
        ("request_timeout", "0", "request_timeout: '0' is out of range"),
        ("max_wait_seconds", "-3", "max_wait_seconds: '-3' is out of range"),
        ("include_events", "sometimes", "include_events: 'sometimes' is not a boolean"),
    ],
)
def test_a_wrong_input_names_itself_and_the_fix(name: str, value: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        build_config({name: value})
    assert fragment in str(caught.value)
    assert "\n" not in str(caught.value)


def test_an_input_that_is_set_wins_over_the_file_even_at_its_default_value() -> None:
    file_values = parse_config_file(
        "review_after: 6 weeks\ntimezone: Europe/Berlin\nincident_label: outage\n", ".github/postmortem.yml"
    )
    config = build_config({"review_after": "2 months", "timezone": "America/New_York"}, file_values)
    assert config.review_after == "2 months"  # set in `with:` to the default value: still the input wins
    assert config.timezone == "America/New_York"  # set in `with:`: the input wins
    assert config.incident_label == "outage"  # not set (the adapters leave it out): the file's value


def test_an_empty_input_given_to_the_engine_is_validated_not_dropped() -> None:
    # The adapters drop the runner's empty values; a caller of the engine that passes one means it.
    with pytest.raises(ConfigError, match="review_after: '' is not a period"):
        build_config({"review_after": ""}, {"review_after": "6 weeks"})


def test_yaml_syntax_errors_name_file_line_and_column() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config_file("review_after: 2 months\ntimezone: [UTC\n", ".github/postmortem.yml")
    message = str(caught.value)
    assert message.startswith(".github/postmortem.yml:3:1: YAML syntax error")


def test_unknown_keys_are_listed_with_the_known_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config_file("reveiw_after: 2 months\n", "pm.yml")
    assert "unknown option(s) reveiw_after" in str(caught.value)
    assert "review_after" in str(caught.value)


def test_file_only_options_are_validated() -> None:
    values = parse_config_file(
        "type_taxonomy: [mitigate, '#prevent']\ninternal_host_patterns: ['\\.corp\\.example$']\n", "pm.yml"
    )
    config = build_config({}, values)
    assert config.type_taxonomy == ("mitigate", "prevent")
    with pytest.raises(ConfigError, match="not a valid regular expression"):
        build_config({}, {"internal_host_patterns": ["("]})
    with pytest.raises(
        ConfigError, match="sensitive_info: 'loud' is not allowed; use one of warn, block, off"
    ):
        build_config({}, {"sensitive_info": "loud"})


def test_a_config_file_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(ConfigError, match="expected a mapping"):
        parse_config_file("- a\n- b\n", "pm.yml")
