"""The real post-mortems of tests/fixtures/postmortems/, synced once on one sandbox for the corpus tests.

Each case's body is an incident issue (number 100, 101, ... in the cases' order) opened with the incident
label at noon UTC on the case's incident date; one ``command: sync`` runs for each, as a dispatch would.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pmaction.sandbox import Sandbox
from tests.helpers import SyncRun, run_sync, scenario

CORPUS = Path(__file__).parent / "fixtures" / "postmortems"
FIRST = 100


@dataclass(frozen=True)
class Case:
    slug: str
    number: int  # the incident issue on the sandbox
    body: str
    expected: dict[str, Any]
    run: SyncRun


@dataclass(frozen=True)
class SyncedCorpus:
    sandbox: Sandbox
    cases: dict[str, Case]


def case_names() -> list[str]:
    return sorted(p.name for p in CORPUS.iterdir() if p.is_dir())


def _issue(number: int, body: str, day: str) -> dict[str, Any]:
    opened = f"{day}T12:00:00Z"
    return {
        "number": number,
        "title": "Incident",
        "body": body,
        "user": "alice",
        "labels": ["incident"],
        "created_at": opened,
        "comments": [],
        "events": [{"event": "labeled", "label": "incident", "actor": "alice", "created_at": opened}],
    }


def sync_corpus() -> SyncedCorpus:
    loaded = []
    for offset, slug in enumerate(case_names()):
        folder = CORPUS / slug
        source = yaml.safe_load((folder / "source.yml").read_text(encoding="utf-8"))
        expected = yaml.safe_load((folder / "expected.yml").read_text(encoding="utf-8"))
        body = (folder / "body.md").read_text(encoding="utf-8")
        loaded.append((slug, FIRST + offset, body, expected, str(source["incident_date"])))
    sb = Sandbox.start(scenario(issues=[_issue(n, body, day) for _, n, body, _, day in loaded]))
    cases = {
        slug: Case(slug, number, body, expected, run_sync(sb, number))
        for slug, number, body, expected, _ in loaded
    }
    return SyncedCorpus(sb, cases)
