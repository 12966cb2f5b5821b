"""Each way of writing action items, as a fixture (tests/fixtures/items/<case>/: body.md and expected.yml):
the agreed items with their fields, and the lines under an action-items heading that make no issue."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from pmaction.items.parse import parse_action_items

FIXTURES = Path(__file__).parent / "fixtures" / "items"
CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
REPO = "acme/shop"  # the repository the fixtures' own links name


def _item(item: Any) -> dict[str, Any]:
    found = {"line": item.line_index + 1, "title": item.title}
    if item.end_index != item.line_index:
        found["end"] = item.end_index + 1
    for name in ("owners", "type", "priority", "due", "ref", "tracked"):
        value = getattr(item, name)
        if value:
            found[name] = list(value) if name == "owners" else value
    if item.checked:
        found["checked"] = True
    return found


def _expected(record: dict[str, Any]) -> dict[str, Any]:
    wanted = {key: value for key, value in record.items() if value not in ([], None, False)}
    if isinstance(wanted.get("due"), str):
        wanted["due"] = date.fromisoformat(wanted["due"])
    return wanted


@pytest.mark.parametrize("case", CASES)
def test_each_form_of_action_items_is_read_as_a_careful_reader_would(case: str) -> None:
    body = (FIXTURES / case / "body.md").read_text(encoding="utf-8")
    expected = yaml.safe_load((FIXTURES / case / "expected.yml").read_text(encoding="utf-8"))

    parsed = parse_action_items(body, origin="body", repo=REPO)

    assert [_item(item) for item in parsed.agreed] == [_expected(r) for r in expected["agreed"]]
    unread = [{"line": u.line_index + 1, "reason": u.reason} for u in parsed.unread]
    assert unread == expected["unread"]
    assert parsed.warnings == ()
