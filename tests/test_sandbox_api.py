"""The sandbox's REST API behaves like GitHub's for what pmaction uses (via PyGithub and raw HTTP)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from github import Auth, Github, GithubException

from pmaction.sandbox import Sandbox

SCENARIO: dict[str, Any] = {
    "now": "2026-03-01T10:00:00Z",
    "repo": "octo-org/octo-repo",
    "wiki": "missing",
    "collaborators": ["alice", "bob"],
    "tokens": [
        {"token": "ghs_full", "permissions": {"issues": "write", "contents": "write", "metadata": "read"}},
        {"token": "ghs_readonly", "permissions": {"issues": "read", "contents": "read", "metadata": "read"}},
    ],
    "labels": [{"name": "incident", "color": "d73a4a", "description": "Something broke"}],
    "milestones": [{"number": 1, "title": "Q1 reviews", "due_on": "2026-03-31T12:00:00Z"}],
    "files": {".github/postmortem.yml": "review_after: 2 months\n"},
    "issues": [
        {
            "number": 12,
            "title": "DB outage",
            "body": "Primary went away",
            "user": "alice",
            "labels": ["incident"],
            "assignees": ["alice"],
            "created_at": "2026-03-01T09:00:00Z",
            "comments": [
                {
                    "user": "bob",
                    "author_association": "MEMBER",
                    "created_at": "2026-03-01T09:05:00Z",
                    "body": "on it",
                },
                {"user": "mallory", "created_at": "2026-03-01T09:06:00Z", "body": "drive-by"},
            ],
            "events": [
                {
                    "event": "labeled",
                    "label": "incident",
                    "actor": "alice",
                    "created_at": "2026-03-01T09:01:00Z",
                }
            ],
        },
        {"number": 13, "title": "Fix flaky deploy", "user": "bob", "pull_request": True},
    ],
}


def client(sb: Sandbox, token: str = "ghs_full") -> Github:
    return Github(
        base_url=sb.api_url,
        auth=Auth.Token(token),
        retry=None,
        seconds_between_requests=0,
        seconds_between_writes=0,
    )


def http(sb: Sandbox, method: str, path: str, token: str | None = "ghs_full", **kw: Any) -> requests.Response:
    headers = {"Authorization": f"token {token}"} if token else {}
    return requests.request(method, sb.api_url + path, headers=headers, timeout=10, **kw)


def test_a_started_sandbox_serves_its_scenario_under_the_api_prefix(sandbox: Any) -> None:
    # How fast it starts is measured by bench/run.py, not asserted here.
    sb = sandbox(SCENARIO)
    assert sb.api_url == sb.server_url + "/api/v3"
    assert sb.repo == "octo-org/octo-repo"
    with Sandbox.start(SCENARIO) as other:
        url = other.api_url
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/rate_limit", timeout=2)


def test_the_incident_issue_reads_back_with_its_people_and_labels(sandbox: Any) -> None:
    sb = sandbox(SCENARIO)
    repo = client(sb).get_repo(sb.repo)
    assert (repo.has_wiki, repo.private, repo.default_branch, repo.permissions.push) == (
        True,
        False,
        "main",
        True,
    )
    issue = repo.get_issue(12)
    assert issue.title == "DB outage"
    assert [label.name for label in issue.labels] == ["incident"]
    assert issue.user.login == "alice" and [a.login for a in issue.assignees] == ["alice"]
    assert issue.html_url == f"{sb.server_url}/octo-org/octo-repo/issues/12"
    assert issue.created_at == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    comments = list(issue.get_comments())
    assert [(c.user.login, c.body) for c in comments] == [("bob", "on it"), ("mallory", "drive-by")]
    associations = [c.raw_data["author_association"] for c in comments]
    assert associations == ["MEMBER", "NONE"]
    assert comments[0].html_url.endswith(f"/issues/12#issuecomment-{comments[0].id}")


def test_pull_requests_are_issues_with_a_pull_request_key(sandbox: Any) -> None:
    sb = sandbox(SCENARIO)
    listed = http(sb, "GET", "/repos/octo-org/octo-repo/issues").json()
    by_number = {i["number"]: i for i in listed}
    assert "pull_request" in by_number[13] and "pull_request" not in by_number[12]
    assert by_number[13]["html_url"].endswith("/pull/13")


def test_creating_an_issue_records_events_as_the_bot_at_sandbox_time(sandbox: Any) -> None:
    sb = sandbox(SCENARIO)
    repo = client(sb).get_repo(sb.repo)
    issue = repo.create_issue(
        title="Add replica alarm", body="from #12", labels=["backlog"], assignees=["bob"]
    )
    assert issue.number == 14  # numbers are shared with pull requests
    assert issue.user.login == "github-actions[bot]" and issue.user.type == "Bot"
    assert repo.get_label("backlog").color == "ededed"  # an unknown label is created, like GitHub
    sb.advance("PT1H")
    issue.edit(state="closed", state_reason="not_planned", milestone=repo.get_milestone(1))
    events = [(e.event, e.actor.login, e.created_at.hour) for e in issue.get_events()]
    assert events == [
        ("labeled", "github-actions[bot]", 10),
        ("assigned", "github-actions[bot]", 10),
        ("milestoned", "github-actions[bot]", 11),
        ("closed", "github-actions[bot]", 11),
    ]
    again = repo.get_issue(14)
    assert (again.state, again.state_reason) == ("closed", "not_planned")
    assert again.closed_by is not None and again.closed_by.login == "github-actions[bot]"
    assert again.closed_at == datetime(2026, 3, 1, 11, 0, tzinfo=UTC)
    assert repo.get_milestone(1).closed_issues == 1


def test_labels_added_and_removed_on_an_issue_leave_events(sandbox: Any) -> None:
    sb = sandbox(SCENARIO)
    issue = client(sb).get_repo(sb.repo).get_issue(12)
    issue.add_to_labels("postmortem-done")
    issue.remove_from_labels("incident")
    assert [label.name for label in issue.get_labels()] == ["postmortem-done"]
    kinds = [(e.event, e.label.name) for e in issue.get_events() if e.label]
    assert kinds[-2:] == [("labeled", "postmortem-done"), ("unlabeled", "incident")]
    gone = http(sb, "DELETE", "/repos/octo-org/octo-repo/issues/12/labels/incident")
    assert (gone.status_code, gone.json()["message"]) == (404, "Label does not exist")


def test_comments_can_be_created_edited_deleted(sandbox: Any) -> None:
    sb = sandbox(SCENARIO)
    repo = client(sb).get_repo(sb.repo)
    issue = repo.get_issue(12)
    comment = issue.create_comment("Timeline page: ...")
    assert comment.user.login == "github-actions[bot]"
    comment.edit("Timeline page: updated")
    assert issue.get_comment(comment.id).body == "Timeline page: updated"
    assert repo.get_issue(12).comments == 3
    comment.delete()
    assert repo.get_issue(12).comments == 2
    assert http(sb, "GET", f"/repos/octo-org/octo-repo/issues/comments/{comment.id}").status_code == 404


def test_since_filters_comments_by_update_time(sandbox: Any) -> None:
    sb = sandbox(SCENARIO)
    got = http(
        sb, "GET", "/repos/octo-org/octo-repo/issues/12/comments", params={"since": "2026-03-01T09:06:00Z"}
    )
    assert [c["body"] for c in got.json()] == ["drive-by"]


def test_250_issues_paginate_with_links_like_github(sandbox: Any) -> None:
    issues = [{"number": n, "title": f"i{n}", "labels": ["incident"] if n % 2 else []} for n in range(1, 251)]
    sb = sandbox({**SCENARIO, "issues": issues})
    first = http(sb, "GET", "/repos/octo-org/octo-repo/issues", params={"per_page": 100, "state": "all"})
    assert len(first.json()) == 100 and first.json()[0]["number"] == 250  # newest first by default
    links = requests.utils.parse_header_links(first.headers["Link"])
    assert [link["rel"] for link in links] == ["next", "last"]
    assert links[0]["url"].startswith(sb.api_url + "/repositories/")
    assert "page=3" in links[1]["url"] and "per_page=100" in links[1]["url"]
    middle = http(sb, "GET", "/repos/octo-org/octo-repo/issues", params={"per_page": 100, "page": 2})
    assert [link["rel"] for link in requests.utils.parse_header_links(middle.headers["Link"])] == [
        "prev",
        "next",
        "last",
        "first",
    ]
    followed = requests.get(links[1]["url"], headers={"Authorization": "token ghs_full"}, timeout=10)
    assert len(followed.json()) == 50
    assert [link["rel"] for link in requests.utils.parse_header_links(followed.headers["Link"])] == [
        "prev",
        "first",
    ]

    paged = client(sb).get_repo(sb.repo).get_issues(state="all", labels=["incident"], direction="asc")
    numbers = [i.number for i in paged]
    assert numbers == list(range(1, 251, 2))


def test_issue_list_filters(sandbox: Any) -> None:
    sb = sandbox(SCENARIO)

    def numbers(**params: Any) -> list[int]:
        return [
            i["number"] for i in http(sb, "GET", "/repos/octo-org/octo-repo/issues", params=params).json()
        ]

    assert numbers(milestone="none") == [13, 12]
    assert numbers(milestone="*") == []
    assert numbers(assignee="alice") == [12]
    assert numbers(creator="bob") == [13]
    assert numbers(labels="INCIDENT") == [12]
    assert numbers(sort="created", direction="asc") == [12, 13]
    assert numbers(state="closed") == []


def test_milestone_due_on_is_a_pacific_date(sandbox: Any) -> None:
    sb = sandbox(SCENARIO)
    midnight = http(
        sb,
        "POST",
        "/repos/octo-org/octo-repo/milestones",
        json={"title": "A", "due_on": "2026-05-01T00:00:00Z"},
    ).json()
    noon = http(
        sb,
        "POST",
        "/repos/octo-org/octo-repo/milestones",
        json={"title": "B", "due_on": "2026-05-01T12:00:00Z"},
    ).json()
    winter = http(
        sb,
        "POST",
        "/repos/octo-org/octo-repo/milestones",
        json={"title": "C", "due_on": "2026-01-15T12:00:00Z"},
    ).json()
    assert midnight["due_on"] == "2026-04-30T07:00:00Z"  # a day early: the classic trap
    assert noon["due_on"] == "2026-05-01T07:00:00Z"
    assert winter["due_on"] == "2026-01-15T08:00:00Z"  # standard time
    assert (noon["number"], noon["state"], noon["open_issues"], noon["creator"]["login"]) == (
        3,
        "open",
        0,
        "github-actions[bot]",
    )


def test_milestones_list_sort_and_close(sandbox: Any) -> None:
    sb = sandbox(SCENARIO)
    repo = client(sb).get_repo(sb.repo)
    later = repo.create_milestone("Later", due_on=datetime(2026, 9, 1, 12, tzinfo=UTC))
    repo.create_milestone("Undated")
    assert [m.title for m in repo.get_milestones()] == ["Q1 reviews", "Later", "Undated"]
    later.edit("Later", state="closed")
    assert [m.title for m in repo.get_milestones(state="closed")] == ["Later"]
    assert repo.get_milestone(later.number).closed_at is not None
    assert [m.title for m in repo.get_milestones(state="all", direction="desc")] == [
        "Later",
        "Q1 reviews",
        "Undated",
    ]


def test_contents_collaborators_and_assignees(sandbox: Any) -> None:
    sb = sandbox(SCENARIO)
    repo = client(sb).get_repo(sb.repo)
    content = repo.get_contents(".github/postmortem.yml")
    assert not isinstance(content, list)
    assert content.decoded_content == b"review_after: 2 months\n"
    assert base64.b64decode(content.content) == b"review_after: 2 months\n"
    with pytest.raises(GithubException) as missing:
        repo.get_contents("nope.yml")
    assert missing.value.status == 404
    assert repo.has_in_collaborators("alice") and not repo.has_in_collaborators("mallory")
    assert repo.has_in_assignees("bob") and not repo.has_in_assignees("github-actions[bot]")


def test_error_shapes_match_github(sandbox: Any) -> None:
    sb = sandbox(SCENARIO, conformance=False)  # sends invalid requests on purpose
    bad = http(sb, "GET", "/repos/octo-org/octo-repo/issues", token="nope")
    assert (
        bad.status_code == 401
        and bad.json()["message"] == "Bad credentials"
        and bad.json()["status"] == "401"
    )
    assert http(sb, "GET", "/repos/octo-org/octo-repo/issues", token=None).status_code == 401
    readonly = http(sb, "POST", "/repos/octo-org/octo-repo/issues", token="ghs_readonly", json={"title": "x"})
    assert (readonly.status_code, readonly.json()["message"]) == (
        403,
        "Resource not accessible by integration",
    )
    assert http(sb, "GET", "/repos/octo-org/octo-repo/issues", token="ghs_readonly").status_code == 200
    missing = http(sb, "GET", "/repos/octo-org/other/issues")
    assert (missing.status_code, missing.json()["message"]) == (404, "Not Found")
    assert "documentation_url" in missing.json()
    no_title = http(sb, "POST", "/repos/octo-org/octo-repo/issues", json={"body": "x"}).json()
    assert no_title["message"] == "Validation Failed"
    assert no_title["errors"] == [{"resource": "Issue", "code": "missing_field", "field": "title"}]
    too_long = http(
        sb, "POST", "/repos/octo-org/octo-repo/issues", json={"title": "t", "body": "x" * 65537}
    ).json()
    assert too_long["errors"][0]["message"] == "body is too long (maximum is 65536 characters)"
    dup = http(
        sb, "POST", "/repos/octo-org/octo-repo/labels", json={"name": "Incident", "color": "ffffff"}
    ).json()
    assert dup["errors"] == [{"resource": "Label", "code": "already_exists", "field": "name"}]
    dup_ms = http(sb, "POST", "/repos/octo-org/octo-repo/milestones", json={"title": "Q1 reviews"}).json()
    assert dup_ms["errors"][0]["code"] == "already_exists"
    # the failed create left nothing behind
    assert [i["number"] for i in http(sb, "GET", "/repos/octo-org/octo-repo/issues").json()] == [13, 12]
    assert http(sb, "GET", "/repos/octo-org/octo-repo/issues/99").status_code == 404
    without_prefix = requests.get(sb.server_url + "/repos/octo-org/octo-repo", timeout=5)
    assert without_prefix.status_code == 404


def test_pygithub_sees_validation_errors(sandbox: Any) -> None:
    sb = sandbox(SCENARIO)
    repo = client(sb).get_repo(sb.repo)
    with pytest.raises(GithubException) as err:
        repo.create_issue(title="x", assignees=["github-actions[bot]"])
    assert err.value.status == 422


def test_disabled_issues_answer_410(sandbox: Any) -> None:
    sb = sandbox({**SCENARIO, "has_issues": False, "issues": []})
    gone = http(sb, "GET", "/repos/octo-org/octo-repo/issues")
    assert (gone.status_code, gone.json()["message"]) == (410, "Issues are disabled for this repo")


def test_rate_limit_headers_count_calls(sandbox: Any) -> None:
    sb = sandbox(SCENARIO)
    first = http(sb, "GET", "/repos/octo-org/octo-repo")
    second = http(sb, "GET", "/repos/octo-org/octo-repo")
    assert int(first.headers["x-ratelimit-remaining"]) - int(second.headers["x-ratelimit-remaining"]) == 1
    overview = client(sb).get_rate_limit()
    assert overview.resources.core.used == 2
