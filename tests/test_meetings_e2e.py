"""The two meetings end to end, through `python -m entrypoint` on the sandbox: the invitations linked from
the page, the milestone and the status comment; the facilitator; the due reminder's agenda; the charts."""

from __future__ import annotations

import re
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from helpers import Person, labeled_payload, writes

from pmaction.demo import RunOutcome, run_action
from pmaction.sandbox import Sandbox

BERLIN = ZoneInfo("Europe/Berlin")
STEM = "Postmortem-2026-03-02-12-Checkout-errors"
BODY = """### Severity

SEV2 - major degradation

### Facilitator

@alice

### Timeline

09:12 UTC - error rate rises on checkout #started
09:20 UTC - pager alert fires #detected
10:05 UTC - rollback done #mitigated

Declared over: {over}
"""
SCENARIO: dict[str, Any] = {
    "now": "2026-03-02T18:00:00Z",  # a Monday
    "repo": "octo-org/octo-repo",
    "collaborators": ["alice", "bob", "carol"],
    "users": {"alice": {"email": "alice@example.com", "name": "Alice"}},  # bob shows no e-mail
    "tokens": [{"token": "alice_pat", "user": "alice"}, {"token": "bob_pat", "user": "bob"}],
    "labels": ["incident", "checkout"],
    "files": {".github/postmortem.yml": "timezone: Europe/Berlin\n"},
    "issues": [
        {
            "number": 12,
            "title": "Checkout errors",
            "body": BODY.format(over="2026-03-02 17:00 UTC"),
            "user": "alice",
            "labels": ["incident", "checkout"],
            "assignees": ["bob"],
            "created_at": "2026-03-02T09:30:00Z",
        }
    ],
}


def sync(sb: Sandbox, tmp_path: Path, name: str) -> RunOutcome:
    outcome = run_action(sb, "issues", labeled_payload(sb), tmp_path / name)
    assert outcome.code == 0, outcome.stdout
    return outcome


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as answer:  # the sandbox, on loopback
        text: str = answer.read().decode("utf-8")
        return text


def events(text: str) -> dict[str, Any]:
    from icalendar import Calendar

    calendar = Calendar.from_ical(text)
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Berlin"
    return {str(event["UID"]).split("-", 1)[0]: event for event in calendar.walk("VEVENT")}


def links_to(text: str, suffix: str) -> list[str]:
    return re.findall(r"\((http://127\.0\.0\.1:\d+/[^)\s]+" + re.escape(suffix) + r")\)", text)


def test_invitations_facilitator_agenda_and_charts(sandbox: Any, tmp_path: Path) -> None:
    sb = sandbox(SCENARIO)
    sync(sb, tmp_path, "first")
    files = sb.wiki_files()
    page = files[f"{STEM}.md"]
    [milestone] = sb.repo_state()["milestones"]
    issue = next(i for i in sb.repo_state()["issues"] if i["number"] == 12)
    [status] = [c["body"] for c in issue["comments"]]

    # The page, the milestone and the status comment link the same .ics file, and it is valid.
    ics_url = f"{sb.server_url}/octo-org/octo-repo/wiki/{STEM}.ics"
    for text in (page, milestone["description"], status):
        assert links_to(text, ".ics") == [ics_url]
    assert "post-mortem 2026-03-04 14:00 CET, review 2026-05-02 15:00 CEST" in milestone["description"]
    for text in (page, status):  # the milestone's line stays short: no title, so a rename moves nothing
        assert "https://calendar.google.com/calendar/render?action=TEMPLATE" in text
    served = fetch(ics_url)
    assert served == files[f"{STEM}.ics"]
    found = events(served)
    # Two working days after Monday's end: Wednesday at 14:00 in Berlin; the review on its due date at 15:00.
    postmortem, review = found["postmortem"], found["review"]
    assert postmortem.decoded("dtstart") == datetime(2026, 3, 4, 14, 0, tzinfo=BERLIN)
    assert postmortem.decoded("duration") == timedelta(minutes=60)
    assert review.decoded("dtstart") == datetime(2026, 5, 2, 15, 0, tzinfo=BERLIN)
    assert milestone["due_on"].startswith("2026-05-02")
    attendees = postmortem.get("attendee")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    assert [str(a) for a in attendees] == ["mailto:alice@example.com"]  # bob shows no e-mail
    assert "@bob" in str(postmortem["description"])  # no public e-mail: named instead
    assert int(postmortem["sequence"]) == 0

    # The facilitator: on the page, asked to open with the prime directive, recorded for the nag.
    assert "| Facilitator | @alice |" in page
    assert "@alice: please open the post-mortem meeting by reading the prime directive" in status
    assert "<!-- pmaction:facilitator alice -->" in milestone["description"]
    # Pictures: the key-moments strip on the page, the charts on the report, each a committed file.
    assert f"]({STEM}-moments.svg)" in page and files[f"{STEM}-moments.svg"].startswith("<svg")
    report = files["Post-mortem-report.md"]
    for chart in ("incidents", "response", "items"):
        assert f"](Post-mortem-report-{chart}.svg)" in report
        assert "<text" in files[f"Post-mortem-report-{chart}.svg"]

    # An unchanged re-run writes nothing: not the page, not the .ics (its DTSTAMP stays), no milestone edit.
    sb.clear_requests()
    sync(sb, tmp_path, "again")
    assert writes(sb) == 0
    assert sb.wiki_files()[f"{STEM}.ics"] == served

    # The incident is declared over a day later: the same event moves a day and says so with SEQUENCE.
    Person(sb, "alice_pat").edit_issue(12, body=BODY.format(over="2026-03-03 17:00 UTC"))
    sb.advance(timedelta(days=1))
    sync(sb, tmp_path, "moved")
    moved = events(sb.wiki_files()[f"{STEM}.ics"])
    assert str(moved["postmortem"]["uid"]) == str(postmortem["uid"])
    assert int(moved["postmortem"]["sequence"]) == 1
    assert moved["postmortem"].decoded("dtstart") == datetime(2026, 3, 5, 14, 0, tzinfo=BERLIN)
    assert int(moved["review"]["sequence"]) == 0  # the review did not move
    assert moved["review"].decoded("dtstamp") == review.decoded("dtstamp")

    # A collaborator hands the meeting over with a comment: the page, the status and the milestone follow.
    Person(sb, "bob_pat").comment(12, "/facilitator @carol")
    sync(sb, tmp_path, "handed-over")
    assert "| Facilitator | @carol |" in sb.wiki_files()[f"{STEM}.md"]
    assert "<!-- pmaction:facilitator carol -->" in sb.repo_state()["milestones"][0]["description"]

    # The review falls due: the reminder mentions the facilitator and the owner, and carries the agenda.
    sb.set_clock("2026-05-02T07:00:00Z", frozen=True)
    outcome = run_action(sb, "schedule", {"schedule": "0 7 * * *"}, tmp_path / "nag")
    assert outcome.code == 0, outcome.stdout
    issue = next(i for i in sb.repo_state()["issues"] if i["number"] == 12)
    reminder = issue["comments"][-1]["body"]
    assert reminder.startswith("### Post-mortem review coming up")
    assert "@carol @bob: please hold the review" in reminder  # the facilitator first, then the owner
    for heading in ("#### Agenda", "**Progress per item**", "**Incidents since then with the same labels**"):
        assert heading in reminder
    assert "None with `checkout`." in reminder
    assert "**Questions for the review**" in reminder
