"""The sensitive-information guard: a post-mortem bound for a public wiki is checked for secrets,
infrastructure details and personal data, and only those; everyday incident text passes untouched."""

from __future__ import annotations

import pytest

from pmaction.guard.scan import Finding, guard_message, redact, scan

GH_TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
FINE_GRAINED = "github_pat_" + "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOP"
AWS = "AKIA" + "IOSFODNN7EXAMPLE"
KEY_BLOCK = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAA\n"
    "-----END OPENSSH PRIVATE KEY-----"
)


def kinds(text: str, patterns: tuple[str, ...] = ()) -> list[str]:
    return [finding.kind for finding in scan(text, where="the issue body", host_patterns=patterns)]


@pytest.mark.parametrize(
    ("text", "kind", "secret"),
    [
        ("Paged jane.doe@corp-mail.com at 09:10", "email", "jane.doe@corp-mail.com"),
        ("primary at 10.20.30.40 stopped answering", "ipv4", "10.20.30.40"),
        ("the LB (203.0.113.7) dropped it", "ipv4", "203.0.113.7"),
        ("replica 2001:db8:85a3::8a2e:370:7334 lagged", "ipv6", "2001:db8:85a3::8a2e:370:7334"),
        (
            "full form fe80:0000:0000:0000:0202:b3ff:fe1e:8329 too",
            "ipv6",
            "fe80:0000:0000:0000:0202:b3ff:fe1e:8329",
        ),
        (f"someone pasted {GH_TOKEN} in chat", "github_token", GH_TOKEN),
        (f"PAT {FINE_GRAINED}", "github_token", FINE_GRAINED),
        (f"export AWS_ACCESS_KEY_ID={AWS}", "aws_key", AWS),
        (f"key:\n{KEY_BLOCK}\nend", "private_key", KEY_BLOCK[:60]),
        ("connect with password=hunter2 as admin", "secret_assignment", "hunter2"),
        ("DB_PASSWORD: 'S3cr3t!pass'", "secret_assignment", "S3cr3t!pass"),
        (
            "client_secret = 9f8e7d6c5b4a39281706f5e4d3c2b1a0",
            "secret_assignment",
            "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
        ),
    ],
)
def test_each_detector_finds_its_kind_and_never_shows_the_whole_value(
    text: str, kind: str, secret: str
) -> None:
    [finding] = scan(text, where="the issue body", host_patterns=())

    assert finding.kind == kind
    assert secret not in finding.excerpt
    assert finding.where == f"the issue body, line {text[: text.index(secret)].count(chr(10)) + 1}"
    redacted = redact(text, [finding])
    assert secret not in redacted
    assert f"[redacted {kind}]" in redacted


def test_internal_host_patterns_from_the_config_are_found_case_insensitively() -> None:
    text = "failover from db-01.corp.internal to DB-02.CORP.INTERNAL took 40 minutes"

    findings = scan(text, where="comment by bob", host_patterns=(r"[\w.-]+\.corp\.internal",))

    assert [f.kind for f in findings] == ["internal_host", "internal_host"]
    assert redact(text, findings) == (
        "failover from [redacted internal_host] to [redacted internal_host] took 40 minutes"
    )
    assert kinds(text) == []  # without the pattern, a host name is just text


@pytest.mark.parametrize(
    "text",
    [
        "Primary went away at 08:55 UTC, failover done 09:35:12, declared over 2026-03-01T10:00:00Z",
        "Rolled payments-consumer back to 2026.03.02-4 (was v2.10.0, library 1.2.3)",
        "Upgraded postgres 15.4 and openssl 3.0.13; see #12, octo-org/octo-repo#7 and GH-3",
        "Page: https://github.com/octo-org/octo-repo/wiki/Postmortem-2026-03-01-12 and http://127.0.0.1:40123/x",
        "| 2026-03-01 09:05 UTC | bob | Paging the DBA. | <!-- pmaction:e comment-1004 h=5c47381dfb --> |",
        "<!-- pmaction:item octo-org/octo-repo#12 key=6879445e30dd --> @alice @bob-the-builder",
        "Commit 1a2b3c4d5e6f merged; the token: expired at 09:00; password: redacted",
        "Use `github_token: ${{ github.token }}` and secret: ${{ secrets.PAT }}",
        "::add-mask::*** and std::vector and ratio 3:2:1",
        "Authored by 41898282+github-actions[bot]@users.noreply.github.com",
        "MAC 00:1a:2b:3c:4d:5e is not an address we care about",
    ],
)
def test_everyday_incident_text_has_no_findings(text: str) -> None:
    assert kinds(text) == []


def test_findings_come_in_order_and_do_not_overlap() -> None:
    text = f"token={GH_TOKEN}\nmail ops@corp-mail.com from 10.0.0.5\n"

    findings = scan(text, where="wiki page X", host_patterns=(r"corp-mail\.com",))

    # The token wins over "token=", the e-mail over the host pattern inside it: one finding each.
    assert [(f.kind, f.where) for f in findings] == [
        ("github_token", "wiki page X, line 1"),
        ("email", "wiki page X, line 2"),
        ("ipv4", "wiki page X, line 2"),
    ]
    redacted = redact(text, findings)
    assert GH_TOKEN not in redacted and "10.0.0.5" not in redacted and "corp-mail.com" not in redacted


def test_redact_without_findings_changes_nothing() -> None:
    text = "nothing to hide at 09:00\r\n"
    assert redact(text, scan(text, where="x")) == text


def test_the_message_names_each_finding_where_it_came_from_and_the_fix() -> None:
    findings = scan("call me at jane@corp-mail.com\nhost 10.1.2.3", where="comment by bob")

    warn = guard_message(findings, "warn").split("\n")
    block = guard_message(findings, "block").split("\n")

    assert len(warn) == 2 and len(block) == 2
    assert warn[0].startswith("An e-mail address (j…@c…) in comment by bob, line 1 was published as is")
    assert warn[0].endswith(
        "remove it from comment by bob, line 1 or set sensitive_info: off in .github/postmortem.yml"
    )
    assert "was replaced with [redacted ipv4] and the run fails" in block[1]
    assert "jane@corp-mail.com" not in "\n".join(warn + block)
    assert guard_message(findings, "off") == ""


def test_findings_are_plain_comparable_data() -> None:
    first = scan("a@corp-mail.com", where="w")
    second = scan("  a@corp-mail.com", where="w")
    assert first == second  # the span is for redact only, not part of the finding's identity
    assert isinstance(first[0], Finding)
