"""Installing pmaction: compatible ranges in pyproject.toml, the image's exact closure in requirements.txt,
a Dockerfile whose runtime stage holds only what a run needs, and set-up commands that work on a fresh
machine whose Python is a distribution's (PEP 668)."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

import pmaction

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
RANGES = [Requirement(line) for line in PROJECT["dependencies"]]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
CI = (ROOT / ".ci" / "run").read_text()
README = (ROOT / "README.md").read_text()
# Data only: newer releases never break older code, so it has no upper bound.
NO_UPPER_BOUND = {"tzdata"}


def pins() -> dict[str, Version]:
    out: dict[str, Version] = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        found = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][0-9A-Za-z.+!-]*)", line.strip())
        assert found, f"requirements.txt: {line!r} is not NAME==VERSION"
        name = canonicalize_name(found[1])
        assert name not in out, f"requirements.txt pins {name} twice"
        out[name] = Version(found[2])
    return out


PINS = pins()


def test_the_package_version_is_the_one_pmaction_reports() -> None:
    assert PROJECT["version"] == pmaction.__version__


@pytest.mark.parametrize("requirement", RANGES, ids=str)
def test_runtime_dependencies_are_compatible_ranges_not_pins(requirement: Requirement) -> None:
    operators = {spec.operator for spec in requirement.specifier}
    assert not operators & {"==", "==="}, f"{requirement}: an exact pin belongs in requirements.txt"
    assert operators & {">=", "~="}, f"{requirement}: give the oldest version pmaction works with"
    if canonicalize_name(requirement.name) not in NO_UPPER_BOUND:
        assert operators & {"<", "~="}, f"{requirement}: bound the next major version"
    assert not requirement.extras and requirement.marker is None


@pytest.mark.parametrize("requirement", RANGES, ids=str)
def test_every_pin_of_the_image_lies_in_pyprojects_range(requirement: Requirement) -> None:
    name = canonicalize_name(requirement.name)
    assert name in PINS, f"{requirement.name} is not pinned in requirements.txt"
    pinned = PINS[name]
    assert requirement.specifier.contains(pinned, prereleases=True), f"{name}=={pinned} not in {requirement}"


def _image_environments() -> list[dict[str, str]]:
    """The marker environment inside the image (python:3.12-slim, Linux, amd64 or arm64)."""
    base = default_environment()
    env = {
        **base,
        "python_version": "3.12",
        "python_full_version": "3.12.0",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "extra": "",
    }
    return [{**env, "platform_machine": machine} for machine in ("x86_64", "aarch64")]


def _requires(name: str, extras: frozenset[str]) -> list[Requirement] | None:
    """What the installed `name` (with `extras`) depends on in the image, if the installed version is the
    pinned one; None when it is not installed at that version."""
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None
    if Version(dist.version) != PINS[name]:
        return None
    environments = [{**env, "extra": extra} for env in _image_environments() for extra in {"", *extras}]
    out = []
    for line in dist.requires or []:
        requirement = Requirement(line)
        if requirement.marker is None or any(requirement.marker.evaluate(e) for e in environments):
            out.append(requirement)
    return out


def test_requirements_txt_is_the_closure_of_the_ranges() -> None:
    # Read from the installed metadata; .ci/run installs under requirements.txt as constraints, so there
    # every pin is installed. A venv that resolved newer versions checks the pins it has.
    todo = [(canonicalize_name(r.name), frozenset(r.extras)) for r in RANGES]
    seen = set(todo)
    checked, complete = 0, True
    while todo:
        name, extras = todo.pop()
        requires = _requires(name, extras)
        if requires is None:
            complete = False
            continue
        checked += 1
        for requirement in requires:
            dep = canonicalize_name(requirement.name)
            assert dep in PINS, f"{name}=={PINS[name]} needs {requirement}, which requirements.txt lacks"
            assert requirement.specifier.contains(PINS[dep], prereleases=True), (
                f"{name}=={PINS[name]} needs {requirement}; requirements.txt has {dep}=={PINS[dep]}"
            )
            key = (dep, frozenset(requirement.extras))
            if key not in seen:
                seen.add(key)
                todo.append(key)
    reachable = {name for name, _ in seen}
    if checked == 0:
        pytest.skip("no pinned version is installed here")
    if complete:
        assert set(PINS) == reachable, f"pinned but needed by nothing: {sorted(set(PINS) - reachable)}"


def test_ci_installs_the_dev_venv_under_the_images_pins() -> None:
    assert re.search(r"pip install [^\n]*-c requirements\.txt", CI)


# --- the image ---------------------------------------------------------------------------------------------


def stages() -> list[str]:
    parts = re.split(r"(?m)^(?=FROM\s)", DOCKERFILE)
    return [part for part in parts if part.startswith("FROM")]


def test_the_image_is_built_in_two_stages_from_the_same_base() -> None:
    build, runtime = stages()
    assert re.match(r"FROM python:3\.12-slim AS build\n", build)
    assert re.match(r"FROM python:3\.12-slim\n", runtime)


def test_the_build_stage_installs_the_pinned_wheels_and_the_package_without_resolving() -> None:
    build = stages()[0]
    assert "PIP_NO_CACHE_DIR=1" in build
    assert re.search(r"pip [^\n]*install --no-deps --only-binary=:all: -r requirements\.txt", build)
    assert re.search(r"pip [^\n]*install --no-deps \.", build)
    assert "venv --without-pip /opt/pmaction" in build


def test_the_runtime_stage_holds_the_venv_git_and_nothing_to_build_with() -> None:
    runtime = stages()[1]
    assert "COPY --from=build /opt/pmaction /opt/pmaction" in runtime
    assert "pip" not in re.sub(r"(?m)^#.*\n", "", runtime), "pip runs in the build stage only"
    installed = re.search(r"apt-get install -y --no-install-recommends ([^\\\n]+)", runtime)
    assert installed and installed[1].split() == ["git", "ca-certificates"]
    assert "rm -rf /var/lib/apt/lists/*" in runtime
    assert not re.search(r"^COPY (?!--from=build)", runtime, re.MULTILINE), "no source in the runtime stage"
    assert "PATH=/opt/pmaction/bin:$PATH" in runtime
    assert runtime.rstrip().endswith('ENTRYPOINT ["python", "-m", "entrypoint"]')
    assert not re.search(r"^USER\b", DOCKERFILE, re.MULTILINE)


def test_the_users_checkout_cannot_shadow_pmactions_modules() -> None:
    # The runner starts the container in /github/workspace (the user's checkout); `python -m` would put
    # that folder first on sys.path.
    assert "PYTHONSAFEPATH=1" in stages()[1]


# --- setting up on a fresh machine -------------------------------------------------------------------------


def setup_commands() -> list[str]:
    block = README.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line.split("#", 1)[0].strip() for line in block.strip().splitlines()]


def test_the_setup_commands_work_in_a_venv_with_any_python3() -> None:
    demo, tests = setup_commands()
    for command in (demo, tests):
        parts = [part.strip() for part in command.split("&&")]
        assert parts[0] == "python3 -m venv .venv"
        # Nothing after the venv runs the machine's pip or python (PEP 668; some have no `python`).
        assert all(part.startswith(".venv/bin/") for part in parts[1:]), command
    assert demo.endswith(".venv/bin/pmaction demo")
    assert ".venv/bin/pip install -e '.[test]'" in tests
    assert tests.rsplit("&&", 1)[1].strip() == ".venv/bin/python -m pytest"


def test_ci_runs_the_readmes_test_command() -> None:
    assert "python3 -m venv .venv" in CI
    assert re.search(r"^\.venv/bin/python -m pytest$", CI, re.MULTILINE)
