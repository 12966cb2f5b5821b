"""The edges stay honest: action.yml, README, adapter, engine defaults, Dockerfile and pins agree."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

import pmaction
from pmaction.run.config import Config, build_config
from pmaction.run.options import INPUT_DEFAULTS, OPTIONS

ROOT = Path(__file__).resolve().parents[1]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
README = (ROOT / "README.md").read_text()
ENGINE = "\n".join(p.read_text() for p in (ROOT / "pmaction").rglob("*.py") if "sandbox" not in p.parts)


def test_every_action_input_is_known_to_the_adapter_with_the_same_default() -> None:
    inputs = ACTION["inputs"]
    assert list(inputs) == list(INPUT_DEFAULTS)  # the table's input options, in the table's order
    for name, spec in inputs.items():
        if name == "github_token":
            assert spec["default"] == "${{ github.token }}"
            continue
        assert str(spec.get("default", "")) == INPUT_DEFAULTS[name], name


def test_every_action_input_is_described_with_the_tables_help() -> None:
    for name, spec in ACTION["inputs"].items():
        assert spec["description"] == OPTIONS[name].help, name
        assert spec["required"] is False, name


def test_action_defaults_equal_the_engine_defaults() -> None:
    defaults = {name: value for name, value in INPUT_DEFAULTS.items() if name != "github_token"}
    assert build_config(defaults) == Config()


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


def test_runtime_pins_are_exact_and_the_image_installs_the_same_versions() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["version"] == pmaction.__version__
    pins = dict(line.split("==") for line in project["dependencies"])
    frozen = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            frozen[name.lower()] = version
    for name, version in pins.items():
        assert frozen[name.lower()] == version, name


def test_the_readme_opens_with_the_two_setup_commands_ci_runs() -> None:
    first_block = README.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#", 1)[0].strip() for line in first_block.strip().splitlines()]
    assert len(commands) == 2
    assert commands[0].endswith("pmaction demo")
    test_command = commands[1].split("&&")[-1].strip()
    assert test_command in (ROOT / ".ci" / "run").read_text()
