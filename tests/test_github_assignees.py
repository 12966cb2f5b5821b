"""Who can be assigned: one listing of the repository's assignees per run, not one check per owner; past
a listing longer than one page, only an owner missing from its first page is checked on its own."""

from __future__ import annotations

from collections import Counter
from typing import Any

from conftest import SandboxFactory
from helpers import run_sync, scenario

from pmaction.github.client import ApiSettings, GitHub
from pmaction.sandbox import Sandbox

LISTING = "/repos/{owner}/{repo}/assignees"
CHECK = "/repos/{owner}/{repo}/assignees/{assignee}"


def edge(sb: Sandbox) -> GitHub:
    return GitHub(ApiSettings(api_url=sb.api_url, token=sb.token, seconds_between_writes=0), sb.repo)


def routes(sb: Sandbox) -> Counter[str]:
    return Counter(str(e["route"]) for e in sb.requests() if "/assignees" in str(e["route"]))


def items(*owners: str) -> dict[str, Any]:
    lines = [f"- [ ] Fix weak spot {i} @{owner} #prevent" for i, owner in enumerate(owners)]
    return {"body": "Primary went away.\n\n## Action items\n\n" + "\n".join(lines) + "\n"}


def test_a_sync_lists_the_assignees_once_for_all_owners_and_warns_about_each_unassignable_one(
    sandbox: SandboxFactory,
) -> None:
    sb = sandbox(scenario(issue=items("alice", "bob", "carol", "alice", "dave")))

    run = run_sync(sb, 12)

    # The first 100 who can be assigned come with the labels, in one GraphQL query: no REST request.
    assert routes(sb) == Counter()
    queries = [e["request_body"]["query"] for e in sb.requests(bodies=True) if e["route"] == "/graphql"]
    assert sum("assignableUsers" in query for query in queries) == 1
    warned = [w for w in run.warnings if "cannot be assigned" in w]
    assert len(warned) == 2 and any("@carol" in w for w in warned) and any("@dave" in w for w in warned)
    assignees = {i["title"]: [a["login"] for a in i["assignees"]] for i in sb.repo_state()["issues"]}
    assert sorted(login for logins in assignees.values() for login in logins) == ["alice", "alice", "bob"]


def test_logins_are_matched_without_regard_to_case(sandbox: SandboxFactory) -> None:
    sb = sandbox(scenario(collaborators=["Alice", "bob"]))
    github = edge(sb)

    assert github.is_assignable("alice") and github.is_assignable("BOB") and not github.is_assignable("carol")
    assert routes(sb) == Counter({LISTING: 1})


def test_past_one_page_of_assignees_only_the_missing_owners_are_checked_one_by_one(
    sandbox: SandboxFactory,
) -> None:
    people = [f"person-{i:03}" for i in range(150)]
    sb = sandbox(scenario(collaborators=people))
    github = edge(sb)

    on_first_page = github.is_assignable("person-000")
    on_second_page = github.is_assignable("person-149")
    nobody = github.is_assignable("mallory")
    asked_again = github.is_assignable("mallory"), github.is_assignable("person-149")

    assert (on_first_page, on_second_page, nobody, asked_again) == (True, True, False, (False, True))
    # One page of the listing, and one check for each login not on it (remembered): never more than the
    # one-by-one checks plus one.
    assert routes(sb) == Counter({LISTING: 1, CHECK: 2})


def test_the_whole_listing_is_there_for_the_sync_to_read_conditionally(sandbox: SandboxFactory) -> None:
    sb = sandbox(scenario(collaborators=[f"person-{i:03}" for i in range(150)]))

    found = edge(sb).assignees()

    assert len(found) == 150 and "person-149" in found
    assert routes(sb) == Counter({LISTING: 2})


def test_past_100_assignees_and_100_labels_a_sync_checks_the_rest_over_rest(sandbox: SandboxFactory) -> None:
    people = [f"person-{i:03}" for i in range(150)]
    labels = [{"name": "incident"}, *({"name": f"area:{i:03}"} for i in range(120))]
    sb = sandbox(scenario(collaborators=people, labels=labels, issue=items("person-140", "person-005")))

    run = run_sync(sb, 12)

    assert run.result.exit_code == 0, run.result.failed
    # person-005 is on the query's first page; person-140 is not, so checked on its own. The labels past
    # the first 100 are listed over REST before any is created.
    assert routes(sb) == Counter({CHECK: 1})
    assert (
        sum(1 for e in sb.requests() if e["route"] == "/repos/{owner}/{repo}/labels" and e["method"] == "GET")
        == 2
    )
    assert not [w for w in run.warnings if "cannot be assigned" in w]
    made = {
        i["title"]: [a["login"] for a in i["assignees"]]
        for i in sb.repo_state()["issues"]
        if i["number"] != 12
    }
    assert sorted(login for logins in made.values() for login in logins) == ["person-005", "person-140"]
