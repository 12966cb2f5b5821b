"""The sync's record on the status comment and the report page's review states: what is kept, read back,
and what a changed input does to the digests (pure; the end-to-end counts are in test_request_counts.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from pmaction.commands.sync_record import (
    Record,
    comments_digest,
    issue_digest,
    record_of,
    settings_digest,
    with_record,
)
from pmaction.commands.sync_reviews import kept_reviews, with_reviews
from pmaction.github.data import BOT_LOGIN, Comment, Issue
from pmaction.report.render import ReviewState
from pmaction.run.config import build_config
from pmaction.text import markers

REPO = "octo-org/octo-repo"
T = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ISSUE = Issue(12, "DB outage", "Primary went away.", "open", "https://x/12", T, None, "alice", ("incident",))
RECORD = Record(3, "Postmortem--12-DB<outage>.md", "ab" * 20, "i" * 20, "c" * 20, "s" * 20)


def comment(id_: int, body: str, author: str = "alice") -> Comment:
    return Comment(id_, author, "COLLABORATOR", T, T, body, f"https://x/12#issuecomment-{id_}")


def status(body: str = "### Post-mortem bookkeeping\n\n- text\n") -> Comment:
    return comment(99, body + markers.status_marker(REPO, 12) + "\n", author=BOT_LOGIN)


def test_the_record_sits_above_the_marker_and_reads_back() -> None:
    body = with_record(status().body, RECORD)
    lines = body.rstrip("\n").split("\n")
    assert markers.parse_status_marker(lines[-1]) is not None  # the marker stays last
    assert "--" not in lines[-2][4:-3] and ">" not in lines[-2][4:-3]  # nothing that ends the comment early
    assert record_of([replace(status(), body=body)], REPO, 12) == RECORD


def test_no_record_a_broken_one_or_someone_elses_is_none() -> None:
    assert record_of([status()], REPO, 12) is None  # an older pmaction's status comment
    assert record_of([], REPO, 12) is None
    broken = status("### Post-mortem bookkeeping\n\n<!-- pmaction:record {not json} -->\n")
    assert record_of([broken], REPO, 12) is None
    quoted = comment(5, with_record(status().body, RECORD), author="mallory")
    quoted = replace(quoted, association="NONE")
    assert record_of([quoted], REPO, 12) is None  # only pmaction's own status comment counts


def test_the_issue_digest_follows_what_the_page_shows_and_the_body_written() -> None:
    seen = issue_digest(ISSUE)
    assert issue_digest(replace(ISSUE, labels=("Incident",))) == seen  # label case is GitHub's, not ours
    for changed in (
        replace(ISSUE, body="Primary went away at 08:55."),
        replace(ISSUE, title="DB outage (again)"),
        replace(ISSUE, assignees=("bob",)),
        replace(ISSUE, state="closed", closed_at=T),
        replace(ISSUE, milestone_number=4),
    ):
        assert issue_digest(changed) != seen
    linked = "Primary went away.\n- [ ] fix ([#13](https://x/13))"
    assert issue_digest(ISSUE, linked) == issue_digest(replace(ISSUE, body=linked))


def test_the_comments_digest_leaves_out_the_status_comment_only() -> None:
    people = [comment(1, "lag 5 s"), comment(2, "failover done")]
    seen = comments_digest(people, REPO, 12)
    assert comments_digest([*people, status()], REPO, 12) == seen
    assert comments_digest([people[0]], REPO, 12) != seen  # deleted
    assert comments_digest([people[0], replace(people[1], body="failover done, 09:40")], REPO, 12) != seen


def test_the_settings_digest_changes_with_a_setting_the_template_and_the_day() -> None:
    config, day = build_config({}), date(2026, 3, 1)
    seen = settings_digest(config, None, day)
    assert settings_digest(build_config({}), None, day) == seen
    assert settings_digest(build_config({"dry_run": "true"}), None, day) == seen  # a dry run plans the same
    assert settings_digest(build_config({"timezone": "Europe/Berlin"}), None, day) != seen
    assert settings_digest(config, "# {{ title }}", day) != seen
    assert settings_digest(config, None, date(2026, 3, 2)) != seen


def test_the_report_keeps_every_review_state_on_its_last_line() -> None:
    reviews = {
        12: ReviewState(12, "open", date(2026, 5, 1), 2, 1, "https://github.com/o/r/milestone/3"),
        7: ReviewState(7, "closed", None, 0, 4, "https://github.com/o/r/milestone/1"),
    }
    page = with_reviews("# Post-mortem report\n\nNo post-mortems yet.\n", reviews)
    assert page.startswith("# Post-mortem report\n\nNo post-mortems yet.\n\n<!-- pmaction:reviews ")
    assert kept_reviews(page, "https://github.com/o/r") == reviews
    assert kept_reviews(page.replace("[3,", '["x",'), "https://github.com/o/r") == {7: reviews[7]}
    assert kept_reviews("# Post-mortem report\n", "https://github.com/o/r") == {}
    assert kept_reviews(None, "https://github.com/o/r") == {}
