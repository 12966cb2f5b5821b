"""The sync's requests against the REST minimum, case by case, and what conditional reads can save.

Each case's minimum is a list of ``Need``s: a route, how many requests GitHub's REST API makes necessary, and
why, reasoned from what the run must learn and change (not from what the code does today). What today's
code spends above it is listed in ``KNOWN_EXTRA`` with its cause; tests/test_request_counts.py holds the
code to exact counts and checks that every request above the minimum is one of those.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from common import (
    API,
    INCIDENT,
    REPO,
    Report,
    Route,
    api_total,
    by_route,
    counted,
    excess,
    git_total,
    mark,
    not_modified,
    pages,
    pushes,
    route_name,
    run_inprocess,
    settled_requests,
    writes,
)

from pmaction.github.client import ApiSettings, GitHub
from pmaction.github.conditional import Validators
from pmaction.github.data import NotModified
from pmaction.run.context import Event
from pmaction.run.result import Result
from pmaction.sandbox import Sandbox
from pmaction.sandbox.events import load_payload, retarget_payload
from pmaction.sandbox.scenario import FULL_PERMISSIONS
from pmaction.text.markers import review_marker

NOW = "2026-03-01T10:00:00Z"
TYPES = ("mitigate", "prevent", "detect", "process", "test")
OWNERS = ("alice", "bob", "carol")  # carol is no collaborator: she cannot be assigned, as in real teams
ACTION_LABEL = "postmortem-action"
# Actions mints a new GITHUB_TOKEN for every job: the first sync runs with the first, the re-run with the
# next one, as on GitHub; "the same token" stands for a PAT that outlives the job.
JOB_TOKENS = ("ghs_sandboxJob1aaaaaaaaaaaaaaaaaaaaaaaaaaaa", "ghs_sandboxJob2bbbbbbbbbbbbbbbbbbbbbbbbbbbb")
PAST = 2000

# The issue's targets ("Fewer requests, less waiting").
FIRST_SYNC_TARGET = 23  # API requests of the first sync (c=10, k=5)
RERUN_COUNTED_TARGET = 2  # requests of an unchanged re-run that count against the rate limit
RERUN_GIT_TARGET = 2
PAST_EXTRA_TARGET = 2  # what 2,000 past incidents may add to the first sync


# --- scenarios -----------------------------------------------------------------------------------------


def item_lines(k: int) -> list[str]:
    """``k`` agreed items: owners, types and priorities cycle, so labels and owners repeat."""
    return [f"- [ ] Fix weak spot number {i} @{OWNERS[i % 3]} #{TYPES[i % 5]} P{i % 4}" for i in range(k)]


def needed_labels(k: int) -> set[str]:
    labels = {f"type:{TYPES[i % 5]}" for i in range(k)} | {f"priority:p{i % 4}" for i in range(k)}
    return labels | {ACTION_LABEL} if k else set()


def owners_of(k: int) -> int:
    return len({OWNERS[i % 3] for i in range(k)})


def past_reviews(count: int) -> list[dict[str, Any]]:
    """The closed review milestones of ``count`` earlier incidents, as sync left them."""
    return [
        {
            "number": index + 1,
            "title": f"Post-mortem review: #{1000 + index} outage {index}",
            "description": f"Review of #{1000 + index}\n{review_marker(REPO, 1000 + index)}",
            "due_on": "2025-06-01T12:00:00Z",
            "state": "closed",
            "created_at": "2025-04-01T10:00:00Z",
            "closed_at": "2025-06-02T10:00:00Z",
            "creator": "github-actions[bot]",
        }
        for index in range(count)
    ]


def sync_scenario(c: int, k: int, past: int = 0) -> dict[str, Any]:
    """Incident #12, just labelled: ``c`` comments by collaborators, ``k`` agreed items in the body, and the
    review milestones of ``past`` earlier incidents (nothing else of them: labels etc. as in a fresh repo,
    so that the difference is the history alone)."""
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    body = "Primary database went away at 08:55 UTC."
    if k:
        body += "\n\n## Action items\n\n" + "\n".join(item_lines(k)) + "\n"
    comments = [
        {
            "user": ("alice", "bob")[i % 2],
            "created_at": (start + timedelta(seconds=3 * i + 5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "body": f"Observation {i}: error rate still {i % 7 + 1}%",
        }
        for i in range(c)
    ]
    return {
        "now": NOW,
        "repo": REPO,
        "tokens": [{"token": token, "permissions": FULL_PERMISSIONS} for token in JOB_TOKENS],
        "collaborators": ["alice", "bob"],
        "labels": [{"name": "incident", "color": "d73a4a"}],
        "milestones": past_reviews(past),
        "wiki_pages": {"Home.md": "Welcome\n"},
        "issues": [
            {
                "number": INCIDENT,
                "title": "DB outage: primary failover took 40 minutes",
                "body": body,
                "user": "alice",
                "labels": ["incident"],
                "created_at": "2026-03-01T09:00:00Z",
                "comments": comments,
                "events": [
                    {
                        "event": "labeled",
                        "label": "incident",
                        "actor": "alice",
                        "created_at": "2026-03-01T09:01:00Z",
                    }
                ],
            }
        ],
    }


def labeled_event(sb: Sandbox, number: int = INCIDENT) -> Event:
    """The ``issues.labeled`` event the workflow gets, as GitHub would send it now (read from /state: not
    logged)."""
    state = sb.repo_state()
    issue = next(item for item in state["issues"] if item["number"] == number)
    rest = {key: value for key, value in issue.items() if key != "events"}
    rest["comments"] = len(issue["comments"])  # /state lists them; the webhook has the count
    payload = retarget_payload(
        load_payload("issues.labeled"),
        full_name=sb.repo,
        issue=rest,
        server_url=sb.server_url,
        api_url=sb.api_url,
        label="incident",
        sender="alice",
        repository=state["repo"],
    )
    return Event("issues", payload)


def run_sync(sb: Sandbox, *, token: str | None = None) -> Result:
    """A sync as the workflow starts it: on the incident's ``issues.labeled`` event."""
    return run_inprocess(sb, labeled_event(sb), token=token)


# --- the REST minimum ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Need:
    route: Route
    count: int
    why: str
    free: bool = False  # answered 304: a request, but not counted against the rate limit
    graphql: int | None = None  # what pmaction sends instead: this many GraphQL requests (POST /graphql)


def rest_minimum(needs: Sequence[Need]) -> Counter[Route]:
    """What GitHub's REST API makes necessary: the reference of every case."""
    return +Counter({need.route: need.count for need in needs})


def minimum(needs: Sequence[Need]) -> Counter[Route]:
    """The REST minimum, with the needs that GraphQL meets in fewer requests counted as pmaction sends
    them: what the measured counts are held to."""
    found: Counter[Route] = Counter()
    for need in needs:
        found[need.route if need.graphql is None else GRAPHQL] += (
            need.count if need.graphql is None else need.graphql
        )
    return +found


def counted_minimum(needs: Sequence[Need]) -> int:
    return sum(need.count for need in needs if need.route[0] == "api" and not need.free)


GET, POST, PATCH = "GET", "POST", "PATCH"
GRAPHQL = ("api", POST, "/graphql")
CONFIG = ("api", GET, API + "/contents/{path}")
REPOSITORY = ("api", GET, API)
ISSUE = ("api", GET, API + "/issues/{issue_number}")
COMMENTS = ("api", GET, API + "/issues/{issue_number}/comments")
EVENTS = ("api", GET, API + "/issues/{issue_number}/events")
MILESTONES = ("api", GET, API + "/milestones")
MILESTONE = ("api", GET, API + "/milestones/{milestone_number}")
BACKLOG = ("api", GET, API + "/issues")
CHANGES = (
    ("api", GET, API + "/deployments"),
    ("api", GET, API + "/releases"),
    ("api", GET, API + "/pulls"),
    ("api", GET, API + "/actions/runs"),
)
INFO_REFS = ("git", GET, "git:info-refs")
UPLOAD_PACK = ("git", POST, "git:upload-pack")


def label_need(missing: int) -> Need:
    """The labels the items need and the repository lacks: REST creates one per request; pmaction sends
    two or more in one GraphQL request (aliased ``createLabel`` mutations, run one after another)."""
    why = f"the {missing} labels missing (type:, priority:...), one request each"
    if missing >= 2:
        why += f"; pmaction sends them as one GraphQL request of {missing} createLabel mutations"
    return Need(("api", POST, API + "/labels"), missing, why, graphql=1 if missing >= 2 else None)


def first_sync_needs(c: int, k: int, past: int = 0) -> list[Need]:
    """A first sync on the ``issues.labeled`` event: ``c`` comments, ``k`` items, ``past`` incidents."""
    history = f"; the {past:,} past incidents' milestones cost nothing" if past else ""
    needs = [
        Need(CONFIG, 1, "the config file (.github/postmortem.yml): the job has no checkout"),
        Need(REPOSITORY, 0, "the payload carries the repository (has_wiki, private, default branch)"),
        Need(
            COMMENTS,
            pages(c) + 1,
            f"the {c} comments of the timeline, 100 a page (0 when the payload counts 0); after creating the "
            "status comment, those updated since the newest read: a concurrent run's may be older than ours",
        ),
        Need(
            EVENTS, 1, "assignments, closes, reopens for the timeline: the payload names only its own event"
        ),
        Need(
            MILESTONES,
            0,
            "no lookup of the review milestone: without a status comment no earlier run recorded one, and "
            "GitHub refuses a second milestone of the same title (422 already_exists), only then list"
            + history,
        ),
        Need(("api", POST, API + "/milestones"), 1, "the review milestone"),
        *(
            Need(
                route,
                1,
                "what changed in the repository around the start (`changes`, on by default): one page of "
                "each listing, newest first, reading stops at the window's start (none of them filters by "
                "time on GitHub's side)",
            )
            for route in CHANGES
        ),
    ]
    if k:
        needs += [
            Need(
                ("api", GET, API + "/labels"),
                1,
                "which of the labels the items need exist; pmaction reads them with the assignees below in "
                "one GraphQL query",
                graphql=1,
            ),
            label_need(len(needed_labels(k))),
            Need(
                ("api", GET, API + "/assignees"),
                1,
                f"who of the {owners_of(k)} owners can be assigned: one listing, not one check per owner "
                "(in the labels' GraphQL query)",
                graphql=0,
            ),
            Need(("api", POST, API + "/issues"), k, "one backlog issue per agreed item"),
            Need(
                BACKLOG,
                pages(k),
                "the review milestone's issues once after creating (100 a page): GitHub has no "
                "create-if-absent, so this is how a run finds the copies concurrent runs made",
            ),
            Need(
                ISSUE,
                1,
                "the body again, right before linking the items (the payload's copy can be minutes old, and "
                "GitHub has no conditional PATCH); the payload carries the issue itself",
            ),
            Need(("api", PATCH, API + "/issues/{issue_number}"), 1, "the (#n) link after each item"),
        ]
    else:
        needs.append(Need(ISSUE, 0, "the payload carries the issue"))
    return [
        *needs,
        Need(("api", POST, API + "/issues/{issue_number}/comments"), 1, "the status comment"),
        Need(INFO_REFS, 2, "wiki clone and push: one ref advertisement each"),
        Need(UPLOAD_PACK, 2, "the clone in git's protocol v2: ls-refs, then fetch"),
        Need(("git", POST, "git:receive-pack"), 1, "page, index and sidebar in one commit"),
    ]


def rerun_needs(c: int, *, same_token: bool) -> list[Need]:
    """A sync after the first, nothing changed since, started by the incident's own event: it must still
    notice what could have changed (the issue, its comments, the settings, the wiki) from what GitHub holds.
    The token does not matter any more: nothing it reads could be conditional (``same_token`` names the
    case only)."""
    return [
        Need(
            CONFIG, 1, "the config file; it is read first, before any record, so nothing makes it conditional"
        ),
        Need(REPOSITORY, 0, "the payload carries the repository"),
        Need(
            ISSUE,
            0,
            "the payload carries the issue: its title, body, state, labels, assignees and milestone are the "
            "ones the record's digest names",
        ),
        Need(
            COMMENTS,
            pages(c + 1),
            "finds the status comment (its record) and shows that no comment is new, edited or deleted",
        ),
        Need(
            EVENTS,
            0,
            "the label, assignment, close and milestone changes that events record show in the payload's "
            "issue, against the record's digest",
        ),
        Need(
            MILESTONE,
            0,
            "a backlog issue's change (closed, reopened, edited) starts a run of its own, whose payload is "
            "that issue: that run takes the full path and reads the milestone the record names",
        ),
        Need(MILESTONES, 0, "the record names the milestone: no listing"),
        Need(BACKLOG, 0, "nothing to render, so no backlog listing"),
        *(
            Need(route, 0, "nothing to render: the window's changes wait for the next full sync")
            for route in CHANGES
        ),
        Need(INFO_REFS, 1, "the wiki's refs (`git ls-remote`)"),
        Need(UPLOAD_PACK, 1, "ls-refs: master is the commit the record names, nothing to fetch"),
    ]


# What today's sync spends above (or below) the minimum, and why (none at the moment).
KNOWN_EXTRA: dict[Route, str] = {}


# --- measuring -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncCase:
    name: str
    measured: Counter[Route]
    counted: int  # requests GitHub counts against the rate limit
    not_modified: int  # 304 answers (not counted)
    needs: tuple[Need, ...]
    seconds: float

    @property
    def minimum(self) -> Counter[Route]:
        return minimum(self.needs)

    @property
    def api(self) -> int:
        return api_total(self.measured)


def measure_case(sb: Sandbox, name: str, needs: Sequence[Need], token: str) -> SyncCase:
    event = labeled_event(sb)
    sb.clear_requests()
    started = time.perf_counter()
    run_inprocess(sb, event, token=token)
    seconds = time.perf_counter() - started
    log = settled_requests(sb)
    return SyncCase(name, by_route(log), counted(log), not_modified(log), tuple(needs), seconds)


def measure_sync(c: int, k: int, past: int = 0) -> list[SyncCase]:
    """The first sync, then an unchanged re-run with the next job's token, then one with the same token."""
    with Sandbox.start(sync_scenario(c, k, past)) as sb:
        history = f", {past:,} past incidents" if past else ""
        cases = [
            measure_case(sb, f"first sync c={c} k={k}{history}", first_sync_needs(c, k, past), JOB_TOKENS[0])
        ]
        if past:
            return cases
        rerun_job = rerun_needs(c, same_token=False)
        cases.append(measure_case(sb, f"re-run c={c} k={k}, next job's token", rerun_job, JOB_TOKENS[1]))
        rerun_pat = rerun_needs(c, same_token=True)
        cases.append(measure_case(sb, f"re-run c={c} k={k}, same token (PAT)", rerun_pat, JOB_TOKENS[0]))
    return cases


# --- conditional reads across runs: the edge alone -------------------------------------------------------


def edge(sb: Sandbox, token: str) -> GitHub:
    return GitHub(ApiSettings(api_url=sb.api_url, token=token, seconds_between_writes=0), sb.repo)


def reread(github: GitHub, known: Validators | None) -> list[Any]:
    """What a re-run reads again: repository, incident, comments, events, milestones, labels, assignees."""
    return [
        github.repository(known=known) if known else github.repository(),
        github.issue(INCIDENT, known=known) if known else github.issue(INCIDENT),
        github.comments(INCIDENT, known=known) if known else github.comments(INCIDENT),
        github.events(INCIDENT, known=known) if known else github.events(INCIDENT),
        github.milestones("all", known=known) if known else github.milestones("all"),
        github.labels(known=known) if known else github.labels(),
        github.assignees(known=known) if known else github.assignees(),
    ]


@dataclass(frozen=True)
class ConditionalFigures:
    name: str
    requests: int
    not_modified: int
    counted: int


def measure_conditional() -> tuple[list[ConditionalFigures], int, int]:
    """After a first sync: one job reads, keeps its validators (``pack``), the next reads with them."""
    rows = []
    with Sandbox.start(sync_scenario(10, 5)) as sb:
        run_sync(sb, token=JOB_TOKENS[0])
        first = edge(sb, JOB_TOKENS[0])
        reread(first, None)
        kept = first.validators().pack()
        for name, token in (
            ("next job, its own GITHUB_TOKEN", JOB_TOKENS[1]),
            ("same token (a PAT)", JOB_TOKENS[0]),
        ):
            sb.clear_requests()
            answers = reread(edge(sb, token), Validators.unpack(kept))
            log = settled_requests(sb)
            if not_modified(log) != sum(isinstance(answer, NotModified) for answer in answers):
                raise RuntimeError("the edge's NotModified answers disagree with the sandbox's 304s")
            rows.append(ConditionalFigures(name, len(log), not_modified(log), counted(log)))
        same_run = edge(sb, JOB_TOKENS[1])
        reread(same_run, None)
        sb.clear_requests()
        reread(same_run, None)
        log = settled_requests(sb)
        rows.append(
            ConditionalFigures(
                "the same reads again within one run", len(log), not_modified(log), counted(log)
            )
        )
    return rows, len(Validators.unpack(kept).tags), len(kept)


# --- report --------------------------------------------------------------------------------------------


def _row(case: SyncCase, target: str) -> list[object]:
    return [
        case.name,
        case.api,
        case.not_modified,
        case.counted,
        f"{api_total(rest_minimum(case.needs))} / {counted_minimum(case.needs)}",
        api_total(case.minimum),
        f"{git_total(case.measured)} / {git_total(case.minimum)}",
        writes(case.measured),
        pushes(case.measured),
        f"{case.seconds:.2f}",
        target,
    ]


def targets(first: SyncCase, rerun: SyncCase, past: SyncCase) -> dict[str, tuple[bool, str]]:
    added = past.api - first.api
    return {
        first.name: (first.api <= FIRST_SYNC_TARGET, f"<= {FIRST_SYNC_TARGET} API requests"),
        rerun.name: (
            rerun.counted <= RERUN_COUNTED_TARGET and git_total(rerun.measured) <= RERUN_GIT_TARGET,
            f"<= {RERUN_COUNTED_TARGET} counted, <= {RERUN_GIT_TARGET} git",
        ),
        past.name: (added <= PAST_EXTRA_TARGET, f"adds <= {PAST_EXTRA_TARGET} (adds {added})"),
    }


def report_sync(report: Report, cases: Sequence[SyncCase], grid: Sequence[SyncCase]) -> None:
    first, rerun, _, past = cases
    report.add("## Sync", "")
    report.add(
        "Each run starts from the incident's `issues.labeled` event (the payload carries the issue and the "
        "repository). Requests are counted from the sandbox's request log; `304` answers come back when a "
        "request carries an ETag the sandbox still has for that token, and are not counted against the rate "
        "limit (column *counted*, as GitHub does). The REST minimum (requests / counted) is reasoned below, "
        "case by case. The re-run runs with the next job's token, as Actions mints a `GITHUB_TOKEN` per job; "
        "the *same token* row shows what a PAT would allow.",
        "",
    )
    goals = targets(first, rerun, past)
    rows = []
    for case in cases:
        ok, text = goals.get(case.name, (True, ""))
        rows.append(_row(case, f"{text} {mark(ok)}" if text else ""))
        if not ok:
            report.missed.append(f"{case.name}: {text}; measured {case.api} API ({case.counted} counted)")
    report.table(
        [
            "case",
            "API requests",
            "of which 304",
            "counted",
            "REST minimum (requests / counted)",
            "with GraphQL where pmaction uses it",
            "git (measured / min)",
            "writes",
            "pushes",
            "time (s, no latency)",
            "issue's target",
        ],
        rows,
    )
    report_first_sync_target(report, first)
    report_needs(report, cases)
    report_routes(report, cases)
    report_grid(report, grid)


def report_first_sync_target(report: Report, first: SyncCase) -> None:
    """The first sync against the issue's target and the REST minimum, from the measured routes."""
    rest = api_total(rest_minimum(first.needs))
    labels = sum(need.count for need in first.needs if need.graphql is not None)
    changes = sum(first.measured[route] for route in CHANGES)
    again = first.measured[COMMENTS] - pages(10) + first.measured[BACKLOG]
    report.add(
        f"**The first sync: {first.api} requests against the target of {FIRST_SYNC_TARGET}, and {rest} "
        f"that GitHub's REST API alone needs.** Of the REST minimum, {labels} are the labels the items need "
        f"(one request per label); pmaction creates them with one GraphQL request of {labels} `createLabel` "
        "mutations, which GitHub runs one after another, each failing on its own (a name a concurrent run "
        f"took meanwhile is then created over REST, which answers `already_exists`). The rest is the REST "
        f"minimum, including {changes} listings of what changed in the repository (`changes`, on by default) "
        f"and {again} re-reads that keep concurrent runs from duplicating anything (GitHub has no "
        "create-if-absent). More GraphQL could fold the reads of events, labels and assignable users into "
        "one query, and the deployments, releases and pull requests into it too (workflow runs are REST "
        "only); pmaction does not yet, so those reads cost what REST needs.",
        "",
    )


def report_needs(report: Report, cases: Sequence[SyncCase]) -> None:
    report.add("### The REST minimum, case by case", "")
    for case in cases:
        graphql = api_total(case.minimum)
        rest = api_total(rest_minimum(case.needs))
        report.add(
            f"**{case.name}**: {rest} API requests, {counted_minimum(case.needs)} counted"
            + (f"; {graphql} with GraphQL where pmaction uses it." if graphql != rest else "."),
            "",
        )
        for need in case.needs:
            free = " (a 304: not counted)" if need.free else ""
            report.add(f"- `{route_name(need.route)}` × {need.count}{free}: {need.why}")
        report.add("")
    extras: dict[Route, list[str]] = {}
    for case in cases:
        for key, diff in excess(case.measured, case.minimum).items():
            extras.setdefault(key, []).append(f"{case.name}: {diff:+d}")
    if extras:
        report.add("### Today's sync against the minimum", "")
        for key, where in extras.items():
            cause = KNOWN_EXTRA.get(key, "not yet explained")
            report.add(f"- `{route_name(key)}` ({'; '.join(where)}): {cause}")
            if key not in KNOWN_EXTRA:
                report.missed.append(f"unexplained requests above the minimum: {route_name(key)}")
        report.add("")


def report_routes(report: Report, cases: Sequence[SyncCase]) -> None:
    report.add("### By method and route (measured / minimum where they differ)", "")
    keys = sorted(
        {key for case in cases for key in (*case.measured, *case.minimum)}, key=lambda k: (k[0], k[2], k[1])
    )
    rows = []
    for key in keys:
        cells = []
        for case in cases:
            got, need = case.measured[key], case.minimum[key]
            cells.append(f"{got}" if got == need else f"**{got} / {need}**")
        rows.append([f"`{route_name(key)}`", *cells])
    report.table(["request", *(case.name for case in cases)], rows)


def report_grid(report: Report, grid: Sequence[SyncCase]) -> None:
    report.add("### First sync and re-run over comments and items", "")
    report.add("`c` comments, `k` agreed items; the re-run with the next job's token.", "")
    rows = []
    for case in grid:
        rows.append(
            [
                case.name,
                case.api,
                case.counted,
                f"{api_total(rest_minimum(case.needs))} / {counted_minimum(case.needs)}",
                api_total(case.minimum),
                f"{git_total(case.measured)} / {git_total(case.minimum)}",
                writes(case.measured),
                pushes(case.measured),
            ]
        )
    header = ["case", "API requests", "counted", "REST minimum (requests / counted)", "with GraphQL"]
    report.table([*header, "git", "writes", "pushes"], rows)


def report_conditional(report: Report, figures: Sequence[ConditionalFigures], tags: int, size: int) -> None:
    report.add("### Conditional reads across runs: the edge alone", "")
    report.add(
        "After a first sync, one job reads what a re-run reads again (repository, incident, comments, "
        "events, "
        f"milestones, labels, assignees) and keeps its validators: {tags} ETags, {size} characters packed "
        "(`GitHub.validators().pack()`). The next job reads the same with them (`known=`):",
        "",
    )
    rows = [[f.name, f.requests, f.not_modified, f.counted] for f in figures]
    report.table(["reader", "requests", "304 (not counted)", "counted"], rows)
