"""The sandbox answers conditional GETs as api.github.com does: an ETag on every GET's 200, a bodiless 304
for a GET that sends it back, bound to the token, and a 304 not counted against the rate limit."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from conftest import SandboxFactory
from helpers import scenario

from pmaction.sandbox import Sandbox
from pmaction.sandbox.conformance import ConformanceError, validate_exchange, validate_log
from pmaction.sandbox.scenario import FULL_PERMISSIONS

JOB_1, JOB_2 = "ghs_job1", "ghs_job2"  # two Actions jobs: a new GITHUB_TOKEN each
ISSUE = "/repos/octo-org/octo-repo/issues/12"


def two_jobs(**overrides: Any) -> dict[str, Any]:
    tokens = [{"token": token, "permissions": FULL_PERMISSIONS} for token in (JOB_1, JOB_2)]
    return scenario(tokens=tokens, **overrides)


def get(sb: Sandbox, path: str, token: str = JOB_1, **headers: str) -> requests.Response:
    session = requests.Session()
    session.trust_env = False  # loopback only
    sent = {"Authorization": f"token {token}", "Accept": "application/vnd.github+json", **headers}
    return session.get(sb.api_url + path, headers=sent, timeout=10)


def used(response: requests.Response) -> int:
    return int(response.headers["x-ratelimit-used"])


def test_a_single_object_has_a_strong_tag_and_a_listing_a_weak_one(sandbox: SandboxFactory) -> None:
    sb = sandbox(two_jobs())

    issue, comments = get(sb, ISSUE), get(sb, ISSUE + "/comments")

    assert issue.headers["ETag"].startswith('"') and len(issue.headers["ETag"]) == 66
    assert comments.headers["ETag"].startswith('W/"')
    for answer in (issue, comments):
        assert answer.headers["Cache-Control"] == "private, max-age=60, s-maxage=60"
        assert answer.headers["Vary"] == "Accept, Authorization, Cookie, X-GitHub-OTP"


def test_the_tag_sent_back_is_answered_304_without_a_body_and_is_not_counted(sandbox: SandboxFactory) -> None:
    sb = sandbox(two_jobs())
    first = get(sb, ISSUE)

    again = get(sb, ISSUE, **{"If-None-Match": first.headers["ETag"]})

    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert "Content-Type" not in again.headers and "Link" not in again.headers
    assert used(again) == used(first) == 1  # the 304 left the count where it was
    assert get(sb, "/rate_limit").json()["rate"]["used"] == 1
    log = sb.requests()
    assert [(e["status"], e["counted"]) for e in log[:2]] == [(200, True), (304, False)]


def test_if_none_match_is_compared_weakly_and_takes_a_list_or_a_star(sandbox: SandboxFactory) -> None:
    sb = sandbox(two_jobs())
    tag = get(sb, ISSUE).headers["ETag"]

    assert get(sb, ISSUE, **{"If-None-Match": "W/" + tag}).status_code == 304
    assert get(sb, ISSUE, **{"If-None-Match": f'"other", {tag}'}).status_code == 304
    assert get(sb, ISSUE, **{"If-None-Match": "*"}).status_code == 304
    assert get(sb, ISSUE, **{"If-None-Match": '"other"'}).status_code == 200


def test_a_tag_is_bound_to_the_token_so_the_next_jobs_token_never_matches(sandbox: SandboxFactory) -> None:
    sb = sandbox(two_jobs())
    tag = get(sb, ISSUE, JOB_1).headers["ETag"]

    next_job = get(sb, ISSUE, JOB_2, **{"If-None-Match": tag})

    assert next_job.status_code == 200 and next_job.json()["number"] == 12
    assert next_job.headers["ETag"] != tag
    assert get(sb, ISSUE, JOB_1, **{"If-None-Match": tag}).status_code == 304  # the same token: still valid


def test_a_change_gives_a_new_tag_and_a_full_answer(sandbox: SandboxFactory) -> None:
    sb = sandbox(two_jobs())
    tag = get(sb, ISSUE + "/comments").headers["ETag"]
    session = requests.Session()
    session.trust_env = False
    session.post(
        sb.api_url + ISSUE + "/comments",
        json={"body": "Failover done."},
        headers={"Authorization": f"token {JOB_1}"},
        timeout=10,
    )

    changed = get(sb, ISSUE + "/comments", **{"If-None-Match": tag})

    assert changed.status_code == 200 and len(changed.json()) == 2 and changed.headers["ETag"] != tag


def test_a_full_first_page_keeps_its_tag_when_a_second_page_appears_like_on_github(
    sandbox: SandboxFactory,
) -> None:
    # GitHub's tag covers the body, not the Link header: a client must not reuse a full page on a 304.
    sb = sandbox(two_jobs(labels=["label-a", "label-b"]))  # and "incident": one full page of 3
    page = get(sb, "/repos/octo-org/octo-repo/labels?per_page=3")
    session = requests.Session()
    session.trust_env = False
    session.post(
        sb.api_url + "/repos/octo-org/octo-repo/labels",
        json={"name": "zz-later", "color": "ededed"},
        headers={"Authorization": f"token {JOB_1}"},
        timeout=10,
    )

    again = get(sb, "/repos/octo-org/octo-repo/labels?per_page=3", **{"If-None-Match": page.headers["ETag"]})

    assert "Link" not in page.headers
    assert again.status_code == 304
    assert (
        'rel="next"' in get(sb, "/repos/octo-org/octo-repo/labels?per_page=3").headers["Link"]
    )  # a page 2 now


def test_writes_and_fault_answers_carry_no_tag(sandbox: SandboxFactory) -> None:
    sb = sandbox(two_jobs())
    sb.add_faults(
        [{"method": "GET", "route": "/repos/{owner}/{repo}/issues/{issue_number}", "kind": "status"}]
    )
    session = requests.Session()
    session.trust_env = False

    failed = get(sb, ISSUE)
    made = session.post(
        sb.api_url + ISSUE + "/comments",
        json={"body": "x"},
        headers={"Authorization": f"token {JOB_1}", "If-None-Match": "*"},
        timeout=10,
    )

    assert failed.status_code == 502 and "ETag" not in failed.headers
    assert made.status_code == 201 and "ETag" not in made.headers


def test_every_304_passes_the_exchange_checks(sandbox: SandboxFactory) -> None:
    sb = sandbox(two_jobs())
    for path in (
        "",
        "/issues/12",
        "/issues/12/comments",
        "/issues/12/events",
        "/milestones",
        "/labels",
        "/assignees",
    ):
        tag = get(sb, "/repos/octo-org/octo-repo" + path).headers["ETag"]
        assert get(sb, "/repos/octo-org/octo-repo" + path, **{"If-None-Match": tag}).status_code == 304

    assert validate_log(sb.requests(bodies=True)) == []


@pytest.mark.parametrize(
    ("request_headers", "response_headers", "body", "problem"),
    [
        ({}, {"ETag": '"a"'}, None, "not conditional"),
        ({"If-None-Match": '"a"'}, {"ETag": '"a"'}, b"{}", "has no body"),
        ({"If-None-Match": '"a"'}, {}, None, "repeat the ETag"),
    ],
)
def test_a_304_that_breaks_http_s_rules_does_not_conform(
    request_headers: dict[str, str], response_headers: dict[str, str], body: bytes | None, problem: str
) -> None:
    with pytest.raises(ConformanceError, match=problem):
        validate_exchange("GET", "/api/v3" + ISSUE, "", request_headers, None, 304, response_headers, body)


def test_the_assignees_listing_names_everyone_an_issue_can_be_assigned_to(sandbox: SandboxFactory) -> None:
    org = sandbox(two_jobs(collaborators=["bob", "Alice", "carol"]))
    user_repo = sandbox(two_jobs(owner_type="User", repo="octo/solo", collaborators=["bob"], issues=[]))

    listed = get(org, "/repos/octo-org/octo-repo/assignees").json()
    paged = get(org, "/repos/octo-org/octo-repo/assignees?per_page=2")
    solo = get(user_repo, "/repos/octo/solo/assignees").json()

    assert [person["login"] for person in listed] == ["Alice", "bob", "carol"]
    assert [person["login"] for person in paged.json()] == ["Alice", "bob"] and 'rel="next"' in paged.headers[
        "Link"
    ]
    assert [person["login"] for person in solo] == ["bob", "octo"]
