"""What changed in the repository: deployments (with statuses), releases, pull requests and workflow runs,
listed with GitHub's filters and pagination. Every exchange is held to GitHub's REST description at fixture
teardown (conftest), like the rest of the sandbox."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import requests
from github import Auth, Github, GithubException

from pmaction.sandbox import Sandbox
from pmaction.sandbox.scenario import ScenarioError

REPO = "octo-org/octo-repo"
SHA_A = "a" * 40
SHA_B = "b" * 40
SCENARIO: dict[str, Any] = {
    "now": "2026-03-03T12:00:00Z",
    "repo": REPO,
    "wiki": "missing",
    "collaborators": ["alice", "bob"],
    "tokens": [
        {
            "token": "ghs_full",  # a workflow's GITHUB_TOKEN that may read what changed
            "permissions": {
                "metadata": "read",
                "issues": "read",
                "contents": "read",
                "pull_requests": "read",
                "deployments": "read",
                "actions": "read",
            },
        },
        {"token": "ghs_issues_only", "permissions": {"issues": "read", "metadata": "read"}},
    ],
    "labels": [{"name": "hotfix", "color": "d73a4a"}],
    "issues": [{"number": 1, "title": "Checkout confirmations late", "user": "alice"}],
    "deployments": [
        {
            "id": 9001,
            "environment": "production",
            "ref": "main",
            "sha": SHA_A,
            "creator": "alice",
            "created_at": "2026-03-03T08:00:00Z",
            "statuses": [
                {"state": "in_progress", "created_at": "2026-03-03T08:00:05Z"},
                {"state": "success", "created_at": "2026-03-03T08:03:00Z", "creator": "bob"},
            ],
        },
        {
            "id": 9002,
            "environment": "staging",
            "ref": "release-1.2",
            "sha": SHA_B,
            "creator": "bob",
            "created_at": "2026-03-03T09:00:00Z",
            "task": "deploy:migrations",
        },
        {
            "id": 9003,
            "environment": "production",
            "ref": "v1.2.0",
            "sha": SHA_B,
            "creator": "bob",
            "created_at": "2026-03-03T09:10:00Z",
            "statuses": [
                {"state": "failure", "created_at": "2026-03-03T09:20:00Z", "log_url": "https://ci/1"}
            ],
        },
    ],
    "releases": [
        {"tag_name": "v1.1.0", "name": "1.1.0", "author": "alice", "published_at": "2026-02-20T10:00:00Z"},
        {"tag_name": "v1.2.0", "name": "1.2.0", "author": "bob", "published_at": "2026-03-03T09:05:00Z"},
        {
            "tag_name": "v1.3.0",
            "name": "next",
            "author": "bob",
            "draft": True,
            "created_at": "2026-03-03T11:00:00Z",
        },
    ],
    "pulls": [
        {
            "number": 41,
            "title": "Cache payment receipts",
            "user": "bob",
            "base": "main",
            "head": "receipts-cache",
            "merged_at": "2026-03-03T07:40:00Z",
            "merged_by": "alice",
            "created_at": "2026-03-02T15:00:00Z",
            "labels": ["hotfix"],
        },
        {
            "number": 42,
            "title": "Try a bigger queue",
            "user": "alice",
            "base": "release-1.2",
            "state": "closed",
            "created_at": "2026-03-02T16:00:00Z",
            "closed_at": "2026-03-03T10:00:00Z",
        },
        {
            "number": 43,
            "title": "Alert on queue depth",
            "user": "alice",
            "created_at": "2026-03-03T10:30:00Z",
        },
    ],
    "workflow_runs": [
        {
            "id": 7001,
            "name": "CI",
            "head_branch": "main",
            "conclusion": "success",
            "created_at": "2026-03-02T23:00:00Z",
        },
        {
            "id": 7002,
            "name": "Deploy",
            "head_branch": "main",
            "conclusion": "failure",
            "created_at": "2026-03-03T08:01:00Z",
            "event": "workflow_dispatch",
            "actor": "bob",
            "html_url": "https://github.example/octo-org/octo-repo/actions/runs/7002",
        },
        {
            "id": 7003,
            "name": "CI",
            "head_branch": "receipts-cache",
            "conclusion": "failure",
            "created_at": "2026-03-03T09:30:00Z",
            "event": "pull_request",
        },
        {
            "id": 7004,
            "name": "CI",
            "head_branch": "main",
            "status": "in_progress",
            "created_at": "2026-03-03T11:00:00Z",
        },
    ],
}


@pytest.fixture
def sb(sandbox: Any) -> Sandbox:
    started: Sandbox = sandbox(copy.deepcopy(SCENARIO))
    return started


def get(sb: Sandbox, path: str, token: str = "ghs_full", **params: Any) -> requests.Response:
    return requests.get(
        f"{sb.api_url}/repos/{REPO}{path}",
        params=params,
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )


def ids(response: requests.Response) -> list[int]:
    return [item["id"] for item in response.json()]


def links(response: requests.Response) -> dict[str, str]:
    return {
        rel: link.split("/api/v3")[1] for rel, link in _parse_links(response.headers.get("Link", "")).items()
    }


def _parse_links(header: str) -> dict[str, str]:
    out = {}
    for part in filter(None, (p.strip() for p in header.split(","))):
        url, rel = part.split(";")
        out[rel.strip().removeprefix('rel="').removesuffix('"')] = url.strip()[1:-1]
    return out


# ---- deployments -------------------------------------------------------------------------------------------


def test_deployments_list_newest_first_with_githubs_filters(sb: Sandbox) -> None:
    assert ids(get(sb, "/deployments")) == [9003, 9002, 9001]
    assert ids(get(sb, "/deployments", environment="production")) == [9003, 9001]
    assert ids(get(sb, "/deployments", ref="main")) == [9001]
    assert ids(get(sb, "/deployments", sha=SHA_B)) == [9003, 9002]
    assert ids(get(sb, "/deployments", task="deploy:migrations")) == [9002]
    assert ids(get(sb, "/deployments", environment="none")) == [9003, 9002, 9001]  # GitHub's "no filter"
    first = get(sb, "/deployments")
    newest = first.json()[0]
    assert (newest["environment"], newest["ref"], newest["sha"], newest["creator"]["login"]) == (
        "production",
        "v1.2.0",
        SHA_B,
        "bob",
    )
    assert newest["created_at"] == "2026-03-03T09:10:00Z" and newest["production_environment"] is True
    assert newest["url"] == f"{sb.api_url}/repos/{REPO}/deployments/9003"
    assert newest["statuses_url"] == newest["url"] + "/statuses"


def test_deployments_paginate_with_githubs_link_header(sb: Sandbox) -> None:
    page = get(sb, "/deployments", per_page=2)
    assert ids(page) == [9003, 9002]
    repo_id = sb.repo_state()["repo"]["id"]
    assert links(page) == {
        "next": f"/repositories/{repo_id}/deployments?per_page=2&page=2",
        "last": f"/repositories/{repo_id}/deployments?per_page=2&page=2",
    }
    following = requests.get(
        _parse_links(page.headers["Link"])["next"], headers={"Authorization": "token ghs_full"}
    )
    assert ids(following) == [9001]
    assert set(links(following)) == {"prev", "first"}


def test_a_deployments_statuses_are_newest_first(sb: Sandbox) -> None:
    statuses = get(sb, "/deployments/9001/statuses").json()
    assert [(s["state"], s["creator"]["login"]) for s in statuses] == [
        ("success", "bob"),
        ("in_progress", "alice"),
    ]
    assert statuses[0]["deployment_url"] == f"{sb.api_url}/repos/{REPO}/deployments/9001"
    assert statuses[0]["environment"] == "production"
    failed = get(sb, "/deployments/9003/statuses").json()[0]
    assert (failed["state"], failed["log_url"], failed["target_url"]) == (
        "failure",
        "https://ci/1",
        "https://ci/1",
    )
    assert get(sb, "/deployments/9002/statuses").json() == []
    assert get(sb, "/deployments/1/statuses").status_code == 404


def test_deployments_need_the_deployments_permission(sb: Sandbox) -> None:
    denied = get(sb, "/deployments", token="ghs_issues_only")
    assert denied.status_code == 403 and denied.json()["message"] == "Resource not accessible by integration"
    assert get(sb, "/actions/runs", token="ghs_issues_only").status_code == 403


# ---- releases ----------------------------------------------------------------------------------------------


def test_releases_list_newest_first_with_drafts_unpublished(sb: Sandbox) -> None:
    releases = get(sb, "/releases").json()
    assert [(r["tag_name"], r["name"], r["draft"]) for r in releases] == [
        ("v1.3.0", "next", True),
        ("v1.2.0", "1.2.0", False),
        ("v1.1.0", "1.1.0", False),
    ]
    assert releases[0]["published_at"] is None
    assert (releases[1]["published_at"], releases[1]["author"]["login"]) == ("2026-03-03T09:05:00Z", "bob")
    assert releases[1]["html_url"] == f"{sb.server_url}/{REPO}/releases/tag/v1.2.0"
    paged = get(sb, "/releases", per_page=1, page=2)
    assert [r["tag_name"] for r in paged.json()] == ["v1.2.0"] and set(links(paged)) == {
        "prev",
        "next",
        "last",
        "first",
    }


# ---- pull requests -----------------------------------------------------------------------------------------


def test_pulls_list_open_by_default_and_merged_ones_have_merged_at(sb: Sandbox) -> None:
    assert [p["number"] for p in get(sb, "/pulls").json()] == [43]
    closed = get(sb, "/pulls", state="closed").json()
    assert [(p["number"], p["merged_at"]) for p in closed] == [(42, None), (41, "2026-03-03T07:40:00Z")]
    merged = closed[1]
    assert (merged["title"], merged["user"]["login"], merged["base"]["ref"], merged["head"]["ref"]) == (
        "Cache payment receipts",
        "bob",
        "main",
        "receipts-cache",
    )
    assert merged["state"] == "closed" and merged["closed_at"] == "2026-03-03T07:40:00Z"
    assert merged["html_url"] == f"{sb.server_url}/{REPO}/pull/41"
    assert [label["name"] for label in merged["labels"]] == ["hotfix"]
    assert merged["base"]["repo"]["full_name"] == REPO


def test_pulls_filter_by_base_and_head_and_sort(sb: Sandbox) -> None:
    def numbers(**params: Any) -> list[int]:
        return [p["number"] for p in get(sb, "/pulls", **params).json()]

    assert numbers(state="all") == [43, 42, 41]  # created, newest first
    assert numbers(state="all", direction="asc") == [41, 42, 43]
    assert numbers(state="all", base="main") == [43, 41]
    assert numbers(state="all", base="release-1.2") == [42]
    assert numbers(state="all", head="octo-org:receipts-cache") == [41]
    assert numbers(state="all", head="someone-else:receipts-cache") == []
    assert numbers(state="all", sort="updated") == [41, 42, 43]  # GitHub: asc unless sorting by created
    assert numbers(state="all", per_page=2, page=2) == [41]


def test_pulls_share_numbers_with_issues_and_are_listed_as_issues(sb: Sandbox) -> None:
    by_number = {i["number"]: i for i in get(sb, "/issues", state="all").json()}
    assert set(by_number) == {1, 41, 42, 43}
    assert by_number[41]["pull_request"]["merged_at"] == "2026-03-03T07:40:00Z"
    assert by_number[42]["pull_request"]["merged_at"] is None and "pull_request" not in by_number[1]


# ---- workflow runs -----------------------------------------------------------------------------------------


def runs(sb: Sandbox, **params: Any) -> list[int]:
    answer = get(sb, "/actions/runs", **params)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return [r["id"] for r in body["workflow_runs"]]


def test_workflow_runs_filter_like_github(sb: Sandbox) -> None:
    assert runs(sb) == [7004, 7003, 7002, 7001]
    assert runs(sb, branch="main") == [7004, 7002, 7001]
    assert runs(sb, status="failure") == [7003, 7002]  # a conclusion
    assert runs(sb, status="completed") == [7003, 7002, 7001]  # a status
    assert runs(sb, status="in_progress") == [7004]
    assert runs(sb, event="workflow_dispatch") == [7002]
    assert runs(sb, actor="bob") == [7002]
    assert runs(sb, branch="main", status="failure") == [7002]


def test_workflow_runs_take_githubs_created_ranges(sb: Sandbox) -> None:
    assert runs(sb, created=">=2026-03-03T00:00:00Z") == [7004, 7003, 7002]
    assert runs(sb, created=">2026-03-03T08:01:00Z") == [7004, 7003]
    assert runs(sb, created="<2026-03-03") == [7001]
    assert runs(sb, created="<=2026-03-02") == [7001]
    assert runs(sb, created=">2026-03-02") == [7004, 7003, 7002]
    assert runs(sb, created="2026-03-03T08:00:00Z..2026-03-03T10:00:00Z") == [7003, 7002]
    assert runs(sb, created="2026-03-02..2026-03-02") == [7001]
    assert runs(sb, created="2026-03-03T09:00:00Z..*") == [7004, 7003]
    assert runs(sb, created="2026-03-03") == [7004, 7003, 7002]
    bad = get(sb, "/actions/runs", created="last tuesday")
    assert bad.status_code == 422 and bad.json()["message"] == "Validation Failed"


def test_workflow_runs_count_and_paginate(sb: Sandbox) -> None:
    first = get(sb, "/actions/runs", per_page=3)
    body = first.json()
    assert body["total_count"] == 4 and [r["id"] for r in body["workflow_runs"]] == [7004, 7003, 7002]
    assert set(links(first)) == {"next", "last"}
    filtered = get(sb, "/actions/runs", status="failure", per_page=1, page=2).json()
    assert filtered["total_count"] == 2 and [r["id"] for r in filtered["workflow_runs"]] == [7002]


def test_a_workflow_runs_fields(sb: Sandbox) -> None:
    by_id = {r["id"]: r for r in get(sb, "/actions/runs").json()["workflow_runs"]}
    deploy = by_id[7002]
    assert (deploy["name"], deploy["head_branch"], deploy["conclusion"], deploy["status"]) == (
        "Deploy",
        "main",
        "failure",
        "completed",
    )
    assert deploy["created_at"] == "2026-03-03T08:01:00Z"
    assert deploy["html_url"] == "https://github.example/octo-org/octo-repo/actions/runs/7002"  # as given
    assert by_id[7001]["html_url"] == f"{sb.server_url}/{REPO}/actions/runs/7001"  # built from the host
    assert by_id[7004]["conclusion"] is None and by_id[7004]["status"] == "in_progress"
    assert by_id[7003]["path"] == ".github/workflows/ci.yml" and by_id[7003]["run_number"] == 2


# ---- through PyGithub, and in the state --------------------------------------------------------------------


def test_pygithub_reads_all_four_across_pages(sb: Sandbox) -> None:
    gh = Github(
        base_url=sb.api_url, auth=Auth.Token(sb.token), per_page=1, retry=None, seconds_between_requests=0
    )
    repo = gh.get_repo(REPO)
    assert [d.id for d in repo.get_deployments(environment="production")] == [9003, 9001]
    assert [s.state for s in repo.get_deployments(ref="main")[0].get_statuses()] == ["success", "in_progress"]
    assert [r.tag_name for r in repo.get_releases()] == ["v1.3.0", "v1.2.0", "v1.1.0"]
    merged = [p.number for p in repo.get_pulls(state="closed", base="main") if p.merged_at is not None]
    assert merged == [41]
    assert [r.id for r in repo.get_workflow_runs(branch="main", status="failure")] == [7002]
    with pytest.raises(GithubException) as denied:
        Github(base_url=sb.api_url, auth=Auth.Token("ghs_issues_only"), retry=None).get_repo(
            REPO
        ).get_deployments()[0]
    assert denied.value.status == 403


def test_the_state_lists_the_four_in_their_rest_shapes(sb: Sandbox) -> None:
    state = sb.repo_state()
    assert [d["id"] for d in state["deployments"]] == [9003, 9002, 9001]
    assert [s["state"] for s in state["deployments"][2]["statuses"]] == ["success", "in_progress"]
    assert [r["tag_name"] for r in state["releases"]] == ["v1.3.0", "v1.2.0", "v1.1.0"]
    assert [p["number"] for p in state["pulls"]] == [41, 42, 43]
    assert [r["id"] for r in state["workflow_runs"]] == [7004, 7003, 7002, 7001]


# ---- the scenario ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"deployments": [{"environment": "production", "colour": "red"}]}, "unknown deployment keys"),
        ({"deployments": [{"statuses": [{"state": "done"}]}]}, "status state"),
        ({"deployments": [{"sha": "not-a-sha"}]}, "not a commit sha"),
        ({"releases": [{"name": "no tag"}]}, "tag_name is required"),
        ({"releases": [{"tag_name": "v1", "draft": True, "published_at": "2026-03-01T00:00:00Z"}]}, "draft"),
        ({"pulls": [{"number": 5, "state": "open", "merged_at": "2026-03-01T00:00:00Z"}]}, "merged pull"),
        ({"pulls": [{"number": 1}], "issues": [{"number": 1}]}, "used twice"),
        ({"pulls": [{"number": 5, "user": {"login": "alice"}}]}, "by login"),
        ({"workflow_runs": [{"status": "completed"}]}, "conclusion"),
        ({"workflow_runs": [{"conclusion": "failure", "status": "in_progress"}]}, "completed"),
        ({"workflow_runs": [{"conclusion": "exploded"}]}, "conclusion"),
        (
            {"workflow_runs": [{"id": 1, "conclusion": "success"}, {"id": 1, "conclusion": "success"}]},
            "used twice",
        ),
    ],
)
def test_a_scenario_with_impossible_changes_is_refused(extra: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        Sandbox.start({"repo": REPO, "wiki": "missing", **extra}).stop()


def test_defaults_fill_what_a_scenario_leaves_out(sandbox: Any) -> None:
    sb = sandbox(
        {"now": "2026-03-03T12:00:00Z", "repo": REPO, "wiki": "missing", "deployments": [{}], "pulls": [{}]}
    )
    deployment = get(sb, "/deployments", token=sb.token).json()[0]  # the default token reads everything
    assert (deployment["environment"], deployment["ref"], deployment["created_at"]) == (
        "production",
        "main",
        "2026-03-03T12:00:00Z",
    )
    assert len(deployment["sha"]) == 40 and deployment["creator"]["login"] == "octo-org"
    pull = get(sb, "/pulls", token=sb.token).json()[0]
    assert (pull["number"], pull["state"], pull["base"]["ref"], pull["merged_at"]) == (
        1,
        "open",
        "main",
        None,
    )
