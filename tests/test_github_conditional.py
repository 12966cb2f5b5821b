"""Conditional reads at the GitHub edge, on the sandbox: a read repeated within a run is a free 304 answered
from memory; an earlier run's validators (``known=``) give ``NotModified`` with the same token and a full
answer with the next job's token; a listing is reused only when it was one short page."""

from __future__ import annotations

from datetime import date
from typing import Any

from conftest import SandboxFactory
from helpers import scenario

from pmaction.github.client import ApiSettings, GitHub
from pmaction.github.conditional import Validators
from pmaction.github.data import NotModified
from pmaction.sandbox import Sandbox
from pmaction.sandbox.scenario import FULL_PERMISSIONS

JOB_1, JOB_2 = "ghs_job1", "ghs_job2"


def two_jobs(**overrides: Any) -> dict[str, Any]:
    tokens = [{"token": token, "permissions": FULL_PERMISSIONS} for token in (JOB_1, JOB_2)]
    return scenario(tokens=tokens, **overrides)


def edge(sb: Sandbox, token: str = JOB_1) -> GitHub:
    return GitHub(ApiSettings(api_url=sb.api_url, token=token, seconds_between_writes=0), sb.repo)


def statuses(sb: Sandbox) -> list[tuple[str, int, bool]]:
    return [(str(e["route"]).rsplit("/", 1)[-1], e["status"], e["counted"]) for e in sb.requests()]


def test_a_read_repeated_within_a_run_is_a_free_304_with_the_same_answer(sandbox: SandboxFactory) -> None:
    sb = sandbox(two_jobs())
    github = edge(sb)

    first = (github.issue(12), github.comments(12), github.labels(), github.assignees())
    again = (github.issue(12), github.comments(12), github.labels(), github.assignees())

    assert again == first
    assert [status for _, status, _ in statuses(sb)] == [200] * 4 + [304] * 4
    assert sum(counted for _, _, counted in statuses(sb)) == 4
    assert github.reader.not_modified == 4


def test_a_change_within_the_run_is_read_in_full(sandbox: SandboxFactory) -> None:
    sb = sandbox(two_jobs())
    github = edge(sb)
    github.comments(12)
    github.create_comment(12, "Failover done.", action="comment", planned="p")

    comments = github.comments(12)

    assert [c.body for c in comments][-1] == "Failover done."
    assert [status for _, status, _ in statuses(sb)] == [200, 201, 200]


def test_an_earlier_runs_validators_give_not_modified_only_with_the_same_token(
    sandbox: SandboxFactory,
) -> None:
    sb = sandbox(two_jobs())
    earlier = edge(sb, JOB_1)
    earlier.repository(), earlier.issue(12), earlier.comments(12), earlier.events(12)
    earlier.milestones("all"), earlier.labels(), earlier.assignees()
    kept = Validators.unpack(earlier.validators().pack())  # as a later run reads them back from GitHub
    sb.clear_requests()

    same = edge(sb, JOB_1)  # a PAT: the same token in the next run
    answers = [
        same.repository(known=kept),
        same.issue(12, known=kept),
        same.comments(12, known=kept),
        same.events(12, known=kept),
        same.milestones("all", known=kept),
        same.labels(known=kept),
        same.assignees(known=kept),
    ]
    next_job = edge(sb, JOB_2)  # GITHUB_TOKEN: a new one for every job
    issue = next_job.issue(12, known=kept)

    assert len(kept.tags) == 7
    assert all(isinstance(answer, NotModified) for answer in answers)
    assert not isinstance(issue, NotModified) and issue.number == 12
    assert [(status, counted) for _, status, counted in statuses(sb)] == [(304, False)] * 7 + [(200, True)]


def test_what_changed_since_the_validators_were_kept_is_answered_in_full(sandbox: SandboxFactory) -> None:
    sb = sandbox(two_jobs())
    earlier = edge(sb)
    earlier.comments(12)
    earlier.milestones("all")
    kept = earlier.validators()
    earlier.create_milestone(title="Q3", description="", due=date(2026, 9, 1), action="a", planned="p")

    later = edge(sb)
    milestones = later.milestones("all", known=kept)
    comments = later.comments(12, known=kept)

    assert not isinstance(milestones, NotModified) and [m.title for m in milestones] == ["Q3"]
    assert isinstance(comments, NotModified)


def test_a_listing_of_a_full_page_or_more_is_never_reused(sandbox: SandboxFactory) -> None:
    # GitHub's tag does not cover the Link header: a full first page would stay "not modified" when a second
    # page appeared behind it, so such a listing is read in full every time and its tag is not kept.
    sb = sandbox(two_jobs(labels=[f"label-{i:03}" for i in range(120)]))
    github = edge(sb)

    first = github.labels()
    again = github.labels()

    assert len(first) == len(again) == 121  # and "incident"
    assert [status for _, status, _ in statuses(sb)] == [200] * 4  # two pages, twice, no If-None-Match
    assert all("If-None-Match" not in e["request_headers"] for e in sb.requests(bodies=True))
    assert "labels" not in github.validators().tags


def test_validators_pack_into_one_line_safe_in_an_html_comment_and_ignore_garbage() -> None:
    kept = Validators(
        {"issue/12": '"abc123"', "comments/12": 'W/"def456"', "labels": '"x--y"', "Bad Key": '"1"'}
    )

    line = kept.pack()
    back = Validators.unpack(line + ' junk=<script> events/12="unterminated --> more')

    assert "\n" not in line and "--" not in line and ">" not in line
    assert back.tags == {"comments/12": 'W/"def456"', "issue/12": '"abc123"'}
    assert Validators.unpack(None).tags == {} and Validators.unpack("").tags == {}


def test_a_dry_run_reads_conditionally_too(sandbox: SandboxFactory) -> None:
    sb = sandbox(two_jobs())
    settings = ApiSettings(api_url=sb.api_url, token=JOB_1, seconds_between_writes=0, dry_run=True)
    github = GitHub(settings, sb.repo)

    github.issue(12)
    github.issue(12)

    assert [status for _, status, _ in statuses(sb)] == [200, 304]
