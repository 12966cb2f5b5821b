#!/usr/bin/env bash
# Opt-in container smoke test: build the action's image from the Dockerfile with podman and run it the way
# the Actions runner runs a Docker container action, against the local sandbox. Not part of .ci/run: it
# needs root, installs podman, and takes minutes. See docs/container.md.
#
#   sudo scripts/container-smoke.sh            # PMACTION_PYTHON=/path/to/venv/bin/python to pick the host Python
#
# Environment knobs:
#   PMACTION_PYTHON              host Python with pmaction installed (runs the sandbox); default .venv, else python3
#   PMACTION_SMOKE_IMAGE         tag for the project image (default localhost/pmaction:smoke)
#   PMACTION_SMOKE_REBUILD_BASE  1: rebuild the stand-in base image even if it is cached
#   PMACTION_SMOKE_KEEP          1: keep the work directory (event, outputs, logs) for a post-mortem
#   PMACTION_SMOKE_MIRROR        Debian mirror for debootstrap (default: http://deb.debian.org/debian)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BASE_IMAGE="python:3.12-slim"
STANDIN_LABEL="io.pmaction.standin"
IMAGE="${PMACTION_SMOKE_IMAGE:-localhost/pmaction:smoke}"
MIRROR="${PMACTION_SMOKE_MIRROR:-http://deb.debian.org/debian}"
SUITE="bookworm"
RUNNER_UID=1001  # the hosted runner's user: the workspace and file-command files belong to it, not to root
DEAD_PROXY="http://127.0.0.1:9"  # a closed loopback port: any request that ignores NO_PROXY fails fast, locally
CONTAINER="pmaction-smoke-$$"
# The recipe that works without a Docker engine: runc (crun is not installed), explicit ulimits (podman's
# defaults exceed what this kind of host allows), and chroot isolation for builds.
PODMAN=(podman --runtime runc)
RUN_LIMITS=(--ulimit nofile=1024:1024 --ulimit nproc=4096:4096)

# Loopback only for the sandbox and the action. Not exported: debootstrap, apt and the image build must
# reach the package registries (and podman copies the host's proxy variables into builds).
LOOPBACK_ONLY=(HTTPS_PROXY="$DEAD_PROXY" HTTP_PROXY="$DEAD_PROXY" https_proxy="$DEAD_PROXY"
    http_proxy="$DEAD_PROXY" NO_PROXY="127.0.0.1,localhost,::1" no_proxy="127.0.0.1,localhost,::1")

WORK=""
SANDBOX_PID=""
STEP_START=$SECONDS
SCRIPT_START=$SECONDS

step() {
    printf '\n=== %s (+%ss)\n' "$*" "$((SECONDS - SCRIPT_START))"
    STEP_START=$SECONDS
}
took() { printf -- '--- %s took %ss\n' "$1" "$((SECONDS - STEP_START))"; }
die() {
    printf 'FAIL: %s\n' "$*" >&2
    exit 1
}

cleanup() {
    local rc=$?
    if [[ -n "$SANDBOX_PID" ]] && kill -0 "$SANDBOX_PID" 2>/dev/null; then
        kill -TERM "$SANDBOX_PID" 2>/dev/null || true
        wait "$SANDBOX_PID" 2>/dev/null || true
    fi
    "${PODMAN[@]}" rm -f --ignore "$CONTAINER" >/dev/null 2>&1 || true
    if [[ -n "$WORK" && -d "$WORK" ]]; then
        if [[ "${PMACTION_SMOKE_KEEP:-0}" == 1 ]]; then
            printf 'work directory kept: %s\n' "$WORK"
        else
            rm -rf "$WORK"
        fi
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

host_python() {
    if [[ -n "${PMACTION_PYTHON:-}" ]]; then
        printf '%s' "$PMACTION_PYTHON"
    elif [[ -x "$ROOT/.venv/bin/python" ]]; then
        printf '%s' "$ROOT/.venv/bin/python"
    else
        printf 'python3'
    fi
}

ensure_tools() {
    local missing=()
    command -v podman >/dev/null || missing+=(podman)
    command -v runc >/dev/null || missing+=(runc)
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    command -v newuidmap >/dev/null || missing+=(uidmap)
    if ((${#missing[@]} == 0)); then
        echo "podman, runc, debootstrap and uidmap are installed"
        return
    fi
    echo "installing: ${missing[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# A stand-in for the official python:3.12-slim, which cannot be pulled here: Debian bookworm minbase with
# Debian's Python 3.11, made to behave like the official image where the Dockerfile relies on it:
# `python` and `pip` on PATH, `pip install` as root into the system Python (no PEP 668 marker), apt sources
# that work, empty apt lists, LANG=C.UTF-8.
build_standin_base() {
    local rootfs="$1"
    debootstrap --variant=minbase \
        --include=python3,python3-pip,python3-venv,python-is-python3,ca-certificates,netbase,tzdata \
        "$SUITE" "$rootfs" "$MIRROR"
    rm -f "$rootfs"/usr/lib/python3*/EXTERNALLY-MANAGED "$rootfs/etc/apt/sources.list"
    cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: ${MIRROR}
Suites: ${SUITE} ${SUITE}-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${MIRROR%/debian}/debian-security
Suites: ${SUITE}-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    trust_host_cas "$rootfs"
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" --numeric-owner -c . | "${PODMAN[@]}" import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' \
        --change 'CMD ["python3"]' \
        --change "LABEL ${STANDIN_LABEL}=debian-${SUITE}-minbase-python3.11" \
        - "docker.io/library/$BASE_IMAGE"
}

# Some machines reach PyPI through a TLS-intercepting proxy whose CA only the host's bundle holds; a build
# there fails with CERTIFICATE_VERIFY_FAILED. The stand-in trusts whatever the host trusts beyond Debian's
# bundle, and points pip at the system bundle (the certifi that requirements.txt installs would not have it).
trust_host_cas() {
    local rootfs="$1" host_bundle=/etc/ssl/certs/ca-certificates.crt
    [[ -f "$host_bundle" ]] || return 0
    local count
    count="$(python3 - "$host_bundle" "$rootfs/etc/ssl/certs/ca-certificates.crt" \
        "$rootfs/usr/local/share/ca-certificates" <<'PY'
import re
import sys
from pathlib import Path

PEM = re.compile(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", re.S)
host, image, out = (Path(a) for a in sys.argv[1:])
known = set(PEM.findall(image.read_text()))
extra = [pem for pem in PEM.findall(host.read_text()) if pem not in known]
for index, pem in enumerate(extra):
    (out / f"host-extra-{index}.crt").write_text(pem + "\n")
print(len(extra))
PY
)"
    if ((count == 0)); then
        return 0
    fi
    echo "the host trusts $count CA(s) beyond Debian's bundle: the stand-in trusts them too"
    chroot "$rootfs" update-ca-certificates
    printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' >"$rootfs/etc/pip.conf"
}

ensure_base_image() {
    if [[ "${PMACTION_SMOKE_REBUILD_BASE:-0}" != 1 ]] && "${PODMAN[@]}" image exists "docker.io/library/$BASE_IMAGE"; then
        local label
        label="$("${PODMAN[@]}" image inspect --format "{{ index .Labels \"$STANDIN_LABEL\" }}" \
            "docker.io/library/$BASE_IMAGE")"
        echo "cached: $BASE_IMAGE (${label:-not a stand-in})"
        return
    fi
    # Under the fully qualified name only: `FROM python:3.12-slim` resolves to docker.io/library/... before
    # localhost/..., so an old image keeping that name would silently win over a rebuilt stand-in.
    local name
    for name in "docker.io/library/$BASE_IMAGE" "localhost/$BASE_IMAGE"; do
        if "${PODMAN[@]}" image exists "$name"; then
            "${PODMAN[@]}" untag "$name" "$name"
        fi
    done
    local rootfs="$WORK/rootfs"
    mkdir -p "$rootfs"
    build_standin_base "$rootfs"
    rm -rf "$rootfs"
    "${PODMAN[@]}" run --rm "${RUN_LIMITS[@]}" --network none "docker.io/library/$BASE_IMAGE" \
        sh -c 'python --version && pip --version' || die "the stand-in base image has no working python/pip"
}

image_id() { "${PODMAN[@]}" image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }

# An image that lost its name to a rebuild is 450 MB of nothing: remove it, unless something still uses it.
drop_replaced() {
    local old="$1" new="$2"
    if [[ -n "$old" && "$old" != "$new" ]]; then
        "${PODMAN[@]}" rmi "$old" >/dev/null 2>&1 || true
    fi
}

build_image() {
    local from
    from="$(awk 'toupper($1) == "FROM" { print $2; exit }' "$ROOT/Dockerfile")"
    if [[ "$from" != "$BASE_IMAGE" ]]; then
        echo "note: the Dockerfile says FROM $from; this build uses the stand-in $BASE_IMAGE instead"
    fi
    # --from: the stand-in replaces the first FROM, so a digest-pinned FROM (which no local image can match)
    # still builds. --pull=never: the base must come from local storage, never from a registry.
    "${PODMAN[@]}" build --isolation chroot --pull=never --from "docker.io/library/$BASE_IMAGE" \
        -t "$IMAGE" -f "$ROOT/Dockerfile" "$ROOT"
}

start_sandbox() {
    local py="$1"
    env "${LOOPBACK_ONLY[@]}" "$py" -m pmaction.sandbox serve --scenario demo --port 0 >"$WORK/sandbox.json" 2>"$WORK/sandbox.log" &
    SANDBOX_PID=$!
    local tries=0
    until [[ -s "$WORK/sandbox.json" ]]; do
        kill -0 "$SANDBOX_PID" 2>/dev/null || die "sandbox exited: $(cat "$WORK/sandbox.log")"
        ((++tries > 200)) && die "sandbox did not start within 20 s"
        sleep 0.1
    done
    cat "$WORK/sandbox.json"
}

# The runner's layout: a temp tree on the host, mounted at /github/* in the container, owned by the runner's
# user (not root); the event payload in the workflow dir; empty file-command files.
prepare_runner_dirs() {
    mkdir -p "$WORK/_github_home" "$WORK/_github_workflow" "$WORK/_runner_file_commands" "$WORK/workspace"
    : >"$WORK/_runner_file_commands/set_output_smoke"
    : >"$WORK/_runner_file_commands/step_summary_smoke"
    printf '# acme/checkout\n' >"$WORK/workspace/README.md"
}

write_event_and_env() {
    local py="$1"
    env "${LOOPBACK_ONLY[@]}" "$py" - "$WORK" "$ROOT/action.yml" <<'PY'
"""Write the issues.labeled payload for demo issue #41 and the runner's environment (one NAME=value a line)."""
import json
import sys
from pathlib import Path

import requests
import yaml

from pmaction.sandbox.events import load_payload, retarget_payload

work, action_yml = Path(sys.argv[1]), Path(sys.argv[2])
sb = json.loads((work / "sandbox.json").read_text())
http = requests.Session()
http.trust_env = False  # loopback only
http.headers["Authorization"] = f"token {sb['token']}"
control = http.get(sb["control_url"], timeout=10).json()
repo = control["repos"][0] if isinstance(control["repos"][0], str) else control["repos"][0]["repo"]
issue = http.get(f"{sb['api_url']}/repos/{repo}/issues/41", timeout=10).json()
repository = http.get(f"{sb['api_url']}/repos/{repo}", timeout=10).json()
now = http.get(f"{sb['control_url']}/clock", timeout=10).json()["now"]
payload = retarget_payload(
    load_payload("issues.labeled"),
    full_name=repo,
    issue=issue,
    server_url=sb["server_url"],
    api_url=sb["api_url"],
    label="incident",
    sender="alice",
    repository=repository,
)
(work / "_github_workflow" / "event.json").write_text(json.dumps(payload), encoding="utf-8")

env = {}
# Every input, defaults included, as the runner passes them: INPUT_<NAME upper-cased>.
for name, spec in (yaml.safe_load(action_yml.read_text()).get("inputs") or {}).items():
    env[f"INPUT_{name.replace(' ', '_').upper()}"] = str(spec.get("default", ""))
env["INPUT_GITHUB_TOKEN"] = sb["token"]  # what ${{ github.token }} becomes
env.update(
    {
        "HOME": "/github/home",
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_ACTOR": "alice",
        "GITHUB_JOB": "postmortem",
        "GITHUB_WORKFLOW": "post-mortem",
        "GITHUB_RUN_ID": "1",
        "GITHUB_RUN_NUMBER": "1",
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_EVENT_NAME": "issues",
        "GITHUB_EVENT_PATH": "/github/workflow/event.json",
        "GITHUB_REPOSITORY": repo,
        "GITHUB_REPOSITORY_OWNER": repo.split("/")[0],
        "GITHUB_API_URL": sb["api_url"],
        "GITHUB_SERVER_URL": sb["server_url"],
        "GITHUB_GRAPHQL_URL": sb["api_url"] + "/graphql",
        "GITHUB_WORKSPACE": "/github/workspace",
        "GITHUB_OUTPUT": "/github/file_commands/set_output_smoke",
        "GITHUB_STEP_SUMMARY": "/github/file_commands/step_summary_smoke",
        "RUNNER_OS": "Linux",
        "RUNNER_TEMP": "/home/runner/work/_temp",
        # The sandbox's clock is frozen in the scenario's past; the action must agree with it.
        "PMACTION_NOW": now,
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
        "https_proxy": "http://127.0.0.1:9",
        "http_proxy": "http://127.0.0.1:9",
        "NO_PROXY": "127.0.0.1,localhost,::1",
        "no_proxy": "127.0.0.1,localhost,::1",
    }
)
lines = [f"{key}={value}" for key, value in env.items()]
assert all("\n" not in line for line in lines), "an env value holds a newline"
(work / "runner.env").write_text("\n".join(lines) + "\n", encoding="utf-8")
print(f"event: issues.labeled on {repo}#41 ({len(env)} env vars, {sum(k.startswith('INPUT_') for k in env)} inputs)")
PY
    chown -R "$RUNNER_UID:$RUNNER_UID" "$WORK/_github_home" "$WORK/_github_workflow" \
        "$WORK/_runner_file_commands" "$WORK/workspace"
}

run_action() {
    # The runner's `docker run`, minus the docker socket: its mounts, workdir and env, plus host networking
    # so 127.0.0.1 is the sandbox.
    timeout 300 "${PODMAN[@]}" run --rm --name "$CONTAINER" "${RUN_LIMITS[@]}" --network host \
        --workdir /github/workspace \
        -v "$WORK/_github_home:/github/home" \
        -v "$WORK/_github_workflow:/github/workflow" \
        -v "$WORK/_runner_file_commands:/github/file_commands" \
        -v "$WORK/workspace:/github/workspace" \
        --env-file "$WORK/runner.env" \
        "$IMAGE"
}

check_results() {
    local py="$1" rc="$2"
    env "${LOOPBACK_ONLY[@]}" "$py" - "$WORK" "$rc" <<'PY'
import json
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import requests

from pmaction.demo import parse_outputs

work, rc = Path(sys.argv[1]), int(sys.argv[2])
sb = json.loads((work / "sandbox.json").read_text())
outputs = parse_outputs((work / "_runner_file_commands" / "set_output_smoke").read_text(encoding="utf-8"))
http = requests.Session()
http.trust_env = False
state = http.get(f"{sb['control_url']}/state", timeout=10).json()
repo_state = next(iter(state["repos"].values()))
wiki_files = repo_state["wiki"]["files"]
page_url = outputs.get("wiki_page_url", "")
page_file = unquote(urlsplit(page_url).path.rsplit("/", 1)[-1]) + ".md" if page_url else ""
milestones = {str(m["number"]) for m in repo_state["milestones"]}

checks = [
    ("the container exited 0", rc == 0, f"exit code {rc}"),
    ("wiki_page_url is in $GITHUB_OUTPUT", bool(page_url), repr(page_url)),
    ("it points at the sandbox", page_url.startswith(sb["server_url"] + "/"), page_url),
    ("the wiki page exists on the sandbox", page_file in wiki_files, f"{page_file!r} in {sorted(wiki_files)}"),
    ("the page names issue #41", "#41" in wiki_files.get(page_file, "") or "/issues/41" in wiki_files.get(page_file, ""), ""),
    ("milestone_number is a sandbox milestone", outputs.get("milestone_number") in milestones,
     f"{outputs.get('milestone_number')!r} in {sorted(milestones)}"),
    ("the job summary was written", (work / "_runner_file_commands" / "step_summary_smoke").stat().st_size > 0, ""),
]
failed = 0
for name, ok, detail in checks:
    failed += not ok
    print(f"{'ok  ' if ok else 'FAIL'} {name}" + (f": {detail}" if detail and not ok else ""))
print(f"outputs: {json.dumps(outputs)}")
sys.exit(1 if failed else 0)
PY
}

main() {
    [[ $EUID -eq 0 ]] || die "run as root (rootful podman and debootstrap)"
    local py
    py="$(host_python)"
    "$py" -c 'import pmaction.sandbox' 2>/dev/null \
        || die "$py cannot import pmaction: set PMACTION_PYTHON to a venv with pmaction installed"
    WORK="$(mktemp -d /var/tmp/pmaction-smoke.XXXXXX)"
    chmod 755 "$WORK"

    step "tools"
    ensure_tools
    took tools
    local old_base old_image
    old_base="$(image_id "docker.io/library/$BASE_IMAGE")"
    old_image="$(image_id "$IMAGE")"
    step "base image $BASE_IMAGE"
    ensure_base_image
    took "base image"
    step "project image $IMAGE"
    build_image
    drop_replaced "$old_image" "$(image_id "$IMAGE")"
    drop_replaced "$old_base" "$(image_id "docker.io/library/$BASE_IMAGE")"
    took "project image"
    step "sandbox"
    start_sandbox "$py"
    prepare_runner_dirs
    write_event_and_env "$py"
    took sandbox
    step "run the action (issues.labeled, issue #41)"
    local rc=0
    run_action || rc=$?
    took "action run"
    step "checks"
    if check_results "$py" "$rc"; then
        printf '\nPASS: container smoke test (%ss)\n' "$((SECONDS - SCRIPT_START))"
    else
        printf '\nFAIL: container smoke test (%ss)\n' "$((SECONDS - SCRIPT_START))"
        exit 1
    fi
}

main "$@"
