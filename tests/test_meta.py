"""The edges stay honest: action.yml, README, adapter, engine defaults, Dockerfile and pins agree."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from entrypoint.settings import read_inputs
from pmaction.run.config import Config, build_config
from pmaction.run.options import INPUT_OPTIONS, OPTIONS, action_defaults

ROOT = Path(__file__).resolve().parents[1]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
README = (ROOT / "README.md").read_text()
ENGINE = "\n".join(p.read_text() for p in (ROOT / "pmaction").rglob("*.py") if "sandbox" not in p.parts)


def test_every_action_input_is_an_input_option_of_the_table_with_an_empty_default() -> None:
    inputs = ACTION["inputs"]
    assert list(inputs) == [option.name for option in INPUT_OPTIONS]  # the table's inputs, in its order
    for name, spec in inputs.items():
        # Empty: the runner passes every input, an unset one at this default, so a real default here could
        # not be told from a value the workflow set. The token is the exception: the runner fills it in.
        expected = "${{ github.token }}" if name == "github_token" else ""
        assert str(spec.get("default")) == expected == OPTIONS[name].runner_default, name
        assert spec["required"] is False, name


def test_every_action_input_is_described_with_the_tables_help_and_real_default() -> None:
    for name, spec in ACTION["inputs"].items():
        option = OPTIONS[name]
        assert spec["description"] == option.description == f"{option.help} Default: {option.default_text}."


def test_action_defaults_equal_the_engine_defaults() -> None:
    # What the runner passes for a workflow that sets nothing: every input at its action.yml default.
    env = {f"INPUT_{name.upper()}": value for name, value in action_defaults().items()}
    inputs = read_inputs({**env, "INPUT_GITHUB_TOKEN": ""})
    assert inputs == {}
    assert build_config(inputs) == Config()
    # And the table's defaults, given as inputs, are the same Config.
    written = {option.name: str(option.default) for option in INPUT_OPTIONS if not option.secret}
    assert build_config(written) == Config()


def test_the_readmes_inputs_table_shows_each_real_default() -> None:
    for option in INPUT_OPTIONS:
        shown = option.runner_default or str(option.default)
        cell = f" `{shown}` |" if shown else " |"
        assert f"| `{option.name}` |{cell}" in README, option.name


def test_every_input_and_output_is_documented_in_the_readme() -> None:
    for name in ACTION["inputs"]:
        assert f"| `{name}` |" in README, name
    for name in ACTION["outputs"]:
        assert f"| `{name}` |" in README, name


def test_every_output_is_produced_by_the_engine() -> None:
    for name in ACTION["outputs"]:
        assert f'outputs["{name}"]' in ENGINE, name


def test_input_ids_are_snake_case() -> None:
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", name) for name in ACTION["inputs"])


def test_the_container_runs_the_host_entrypoint_as_root_from_python_312_slim() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert ACTION["runs"] == {"using": "docker", "image": "Dockerfile"}
    assert re.search(r"^FROM python:3\.12-slim\b", dockerfile, re.MULTILINE)
    assert not re.search(r"^USER\b", dockerfile, re.MULTILINE)
    assert '\nENTRYPOINT ["python", "-m", "entrypoint"]' in dockerfile
    assert "git" in dockerfile
