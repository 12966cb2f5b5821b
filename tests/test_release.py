"""A release runs the prebuilt image: release.yml pushes the multi-arch image, rewrites action.yml's
`runs.image` to it by digest (scripts/release_action_yml.py: that line only, every other byte kept), and
moves the version and major tags to a commit holding that action.yml. main keeps building the Dockerfile."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "release_action_yml.py"
DIGEST = "sha256:" + "0123456789abcdef" * 4
IMAGE = f"ghcr.io/pmaction/pmaction@{DIGEST}"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("release_action_yml", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


release = _load()


def parsed(text: str) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(text)
    return doc


# --- the reference ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reference",
    [IMAGE, f"docker://{IMAGE}", f"ghcr.io/some-org/pm.action_x@{DIGEST}", f"localhost:5000/pm@{DIGEST}"],
)
def test_a_reference_by_sha256_digest_is_accepted(reference: str) -> None:
    assert release.image_reference(reference) == "docker://" + reference.removeprefix("docker://")


@pytest.mark.parametrize(
    ("reference", "says"),
    [
        ("ghcr.io/pmaction/pmaction:v1", "has no digest"),
        ("ghcr.io/pmaction/pmaction", "has no digest"),
        ("ghcr.io/pmaction/pmaction@sha256:abc", "not a sha256 digest"),
        ("ghcr.io/pmaction/pmaction@sha256:" + "0123456789ABCDEF" * 4, "not a sha256 digest"),
        ("ghcr.io/pmaction/pmaction@sha512:" + "0" * 128, "not a sha256 digest"),
        ("ghcr.io/pmaction/pmaction@" + "0" * 64, "not a sha256 digest"),
        (f"ghcr.io/pmaction/pmaction:v1@{DIGEST}", "a tag and a digest"),
        (f"ghcr.io/PMAction/pmaction@{DIGEST}", "lower case"),
        (f"ghcr.io//pmaction@{DIGEST}", "lower case"),
        (f"@{DIGEST}", "lower case"),
    ],
)
def test_a_reference_without_a_proper_digest_is_refused(reference: str, says: str) -> None:
    with pytest.raises(release.ReleaseError, match=says):
        release.image_reference(reference)


# --- the rewrite --------------------------------------------------------------------------------------------


def test_the_real_action_yml_changes_in_runs_image_only() -> None:
    before = (ROOT / "action.yml").read_text()
    after = release.rewrite(before, f"docker://{IMAGE}")
    pairs = zip(before.splitlines(True), after.splitlines(True), strict=True)
    changed = [(old, new) for old, new in pairs if old != new]
    assert changed == [('  image: "Dockerfile"\n', f'  image: "docker://{IMAGE}"\n')]
    expected = parsed(before)
    expected["runs"]["image"] = f"docker://{IMAGE}"
    assert parsed(after) == expected


def test_main_keeps_building_the_dockerfile() -> None:
    assert parsed((ROOT / "action.yml").read_text())["runs"] == {"using": "docker", "image": "Dockerfile"}


SAMPLE = """\
# header comment
name: x
description: |
  runs:
    image: not-this-one
inputs:
  image:
    description: "an input named image"
runs:   # the container
  using: 'docker'

  # the image, built or pulled
  image: Dockerfile   # main builds it
  env:
    image: nested, untouched
  args:
    - image: also untouched
outputs: {}
"""


def test_comments_blank_lines_quoting_and_other_image_keys_stay_as_they_were() -> None:
    after = release.rewrite(SAMPLE, f"docker://{IMAGE}")
    assert after == SAMPLE.replace(
        "  image: Dockerfile   # main builds it", f"  image: docker://{IMAGE}   # main builds it"
    )
    assert parsed(after)["runs"]["image"] == f"docker://{IMAGE}"
    assert parsed(after)["runs"]["env"] == {"image": "nested, untouched"}


def test_crlf_line_endings_and_single_quotes_are_kept() -> None:
    text = "name: x\r\nruns:\r\n  using: docker\r\n  image: 'Dockerfile'\r\n"
    after = release.rewrite(text, f"docker://{IMAGE}")
    assert after == f"name: x\r\nruns:\r\n  using: docker\r\n  image: 'docker://{IMAGE}'\r\n"


def test_a_release_commit_can_be_rewritten_again_with_a_new_digest() -> None:
    first = release.rewrite((ROOT / "action.yml").read_text(), f"docker://{IMAGE}")
    other = "docker://ghcr.io/pmaction/pmaction@sha256:" + "f" * 64
    assert parsed(release.rewrite(first, other))["runs"]["image"] == other


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("runs:\n  using: node20\n  main: index.js\n", "must be 'docker'"),
        ("runs:\n  using: composite\n  steps: []\n", "must be 'docker'"),
        ("runs: {using: docker, image: Dockerfile}\n", "block mapping"),
        ("name: x\n", "one top-level 'runs:'"),
        ("runs:\n  using: docker\n", "one runs.image line, found 0"),
        ("runs:\n  using: docker\n  image: other/Dockerfile\n", "expected 'Dockerfile'"),
    ],
)
def test_a_file_it_cannot_rewrite_safely_is_refused(text: str, says: str) -> None:
    with pytest.raises(release.ReleaseError, match=says):
        release.rewrite(text, f"docker://{IMAGE}")


def script(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_the_script_rewrites_the_file_in_place(tmp_path: Path) -> None:
    (tmp_path / "action.yml").write_bytes((ROOT / "action.yml").read_bytes())
    done = script(IMAGE, "action.yml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert parsed((tmp_path / "action.yml").read_text())["runs"]["image"] == f"docker://{IMAGE}"
    assert f"docker://{IMAGE}" in done.stdout


def test_the_script_refuses_a_tag_in_one_line_and_leaves_the_file_alone(tmp_path: Path) -> None:
    original = (ROOT / "action.yml").read_bytes()
    (tmp_path / "action.yml").write_bytes(original)
    done = script("ghcr.io/pmaction/pmaction:v1", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "has no digest" in done.stderr
    assert (tmp_path / "action.yml").read_bytes() == original


# --- release.yml --------------------------------------------------------------------------------------------

WORKFLOW: dict[str, Any] = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text())
STEPS: list[dict[str, Any]] = WORKFLOW["jobs"]["release"]["steps"]


def step(name: str) -> tuple[int, dict[str, Any]]:
    found = [(i, s) for i, s in enumerate(STEPS) if s.get("name") == name or s.get("id") == name]
    assert len(found) == 1, name
    return found[0]


def test_release_yml_pushes_the_multi_arch_image_then_points_action_yml_at_its_digest() -> None:
    build_at, build = step("build")
    assert build["uses"].startswith("docker/build-push-action@")
    assert build["with"]["push"] is True
    assert set(build["with"]["platforms"].split(",")) == {"linux/amd64", "linux/arm64"}
    rewrite_at, rewrite = step("action.yml runs the pushed image by digest")
    assert rewrite_at > build_at
    assert rewrite["env"]["IMAGE"] == "${{ steps.name.outputs.image }}@${{ steps.build.outputs.digest }}"
    assert rewrite["run"] == 'python3 scripts/release_action_yml.py "${IMAGE}" action.yml'
    _, name = step("name")
    assert "${GITHUB_REPOSITORY,,}" in name["run"]  # ghcr.io refuses upper case
    tags_at, _ = step("the release commit, and the version and major tags on it")
    release_at, published = step("the GitHub release")
    assert rewrite_at < tags_at < release_at
    assert "gh release create" in published["run"]


def test_release_yml_refuses_a_tag_that_is_not_the_package_version() -> None:
    check_at, check = step("the tag matches the package version")
    assert check_at < step("build")[0]
    assert 'test "v${version}" = "${GITHUB_REF_NAME}"' in check["run"]


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


def test_the_tag_step_moves_both_tags_to_a_commit_that_changes_only_runs_image(tmp_path: Path) -> None:
    origin, work = tmp_path / "origin.git", tmp_path / "work"
    git("init", "--quiet", "--bare", str(origin), cwd=tmp_path)
    git("init", "--quiet", "-b", "main", str(work), cwd=tmp_path)
    (work / "action.yml").write_bytes((ROOT / "action.yml").read_bytes())
    (work / "README.md").write_text("readme\n")
    git("add", "action.yml", "README.md", cwd=work)
    git("commit", "--quiet", "-m", "v0.1.0", cwd=work)
    git("remote", "add", "origin", str(origin), cwd=work)
    git("tag", "v0.1.0", cwd=work)
    git("push", "--quiet", "origin", "main", "refs/tags/v0.1.0", cwd=work)
    tagged = git("rev-parse", "HEAD", cwd=work)

    assert script(IMAGE, "action.yml", cwd=work).returncode == 0
    _, tags = step("the release commit, and the version and major tags on it")
    env = {**os.environ, "TAG": "v0.1.0"}
    done = subprocess.run(
        ["bash", "-e", "-c", tags["run"]], cwd=work, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr

    released = git("rev-parse", "refs/tags/v0.1.0", cwd=origin)
    assert git("rev-parse", "refs/tags/v0", cwd=origin) == released != tagged
    assert git("rev-parse", f"{released}^", cwd=origin) == tagged
    assert git("diff", "--name-only", tagged, released, cwd=origin) == "action.yml"
    shipped = git("show", f"{released}:action.yml", cwd=origin)
    assert parsed(shipped)["runs"]["image"] == f"docker://{IMAGE}"
    assert git("rev-parse", "refs/heads/main", cwd=origin) == tagged  # main keeps the Dockerfile
