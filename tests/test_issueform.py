"""Issue-form bodies as GitHub renders them, one fixture folder per case reported by users of form parsers:
tests/fixtures/issueform/<case>/body.md is the issue body, expected.json the parse we want."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pmaction.incident.issueform import checked_options, field_value, normalise_key, parse_sections

CASES = Path(__file__).parent / "fixtures" / "issueform"


def load(case: str) -> tuple[str, dict[str, Any]]:
    folder = CASES / case
    body = (folder / "body.md").read_bytes().decode("utf-8")  # bytes: keep CRLF as GitHub sends it
    return body, json.loads((folder / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_fixture_case_parses_as_expected(case: str) -> None:
    body, expected = load(case)
    assert parse_sections(body) == expected["sections"]
    for name, value in expected["fields"].items():
        assert field_value(body, name) == value, name
    sections = parse_sections(body)
    for name, ticked in expected["checked"].items():
        assert checked_options(sections[name]) == ticked


def test_every_reported_edge_case_has_a_fixture() -> None:
    cases = {p.name for p in CASES.iterdir() if p.is_dir()}
    assert {"no-response", "checkbox-upper-x", "fence-with-heading", "no-form"} <= cases


def test_form_section_wins_over_a_key_value_line() -> None:
    body = "Started: 2026-03-01 08:00 UTC\n\n### Started\n\n2026-03-01 09:12 UTC\n"
    assert field_value(body, "Started") == "2026-03-01 09:12 UTC"


def test_empty_form_answer_falls_back_to_a_key_value_line() -> None:
    body = "### Started\n\n_No response_\n\n### Notes\n\nStarted: 2026-03-01 08:00 UTC\n"
    assert field_value(body, "Started") == "2026-03-01 08:00 UTC"


def test_first_of_several_names_that_has_an_answer_is_returned() -> None:
    assert field_value("### Declared over\n\n12:00 UTC\n", "Resolved", "Declared over") == "12:00 UTC"


def test_a_longer_fence_is_not_closed_by_a_shorter_one() -> None:
    body = "### Logs\n\n````\n```\n### still inside\n````\n\n### Impact\n\nnone\n"
    assert parse_sections(body) == {"logs": "````\n```\n### still inside\n````", "impact": "none"}


def test_a_heading_inside_an_html_comment_starts_no_section() -> None:
    # Template guidance in a comment is invisible on GitHub; its "###" lines are not fields.
    body = "### What happened\n\nfoo\n<!--\n### Hidden\n-->\nbar\n"
    assert parse_sections(body) == {"what happened": "foo\n<!--\n### Hidden\n-->\nbar"}


def test_numbered_checkbox_answers_are_read_like_bulleted_ones() -> None:
    assert checked_options("1. [X] Paged\n2. [ ] Escalated\n- [x] Status page") == ["Paged", "Status page"]


def test_an_empty_body_has_no_fields() -> None:
    assert parse_sections("") == {}
    assert field_value("", "Started") is None


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("Declared over", "declared over"),
        ("declared_over:", "declared over"),
        ("**Declared-Over**", "declared over"),
    ],
)
def test_keys_are_normalised(raw: str, key: str) -> None:
    assert normalise_key(raw) == key
