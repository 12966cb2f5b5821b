#!/usr/bin/env python3
"""Measure how pmaction reads real post-mortems: the corpus in tests/fixtures/postmortems/.

    python scripts/measure_timelines.py                     # every case, then the totals
    python scripts/measure_timelines.py --case k8s-boskos-2019-03-26 --details
    python scripts/measure_timelines.py --json out.json     # the same figures, machine-readable

For every case it reads ``body.md`` (an incident-issue body a team would paste), builds the timeline the way
pmaction does for an issue opened with the incident label at noon UTC on the case's ``incident_date`` (no
comments, no events, ``tz=UTC``), parses the action items, and compares both with the hand-checked reading
in ``expected.yml`` (the fields are described in tests/fixtures/postmortems/README.md):

- lines carrying a time: read at the expected minute, read at another time (and by how much), read as
  "time unknown", or not made into a row at all;
- continuation lines (wrapped text, nested details, images, fenced logs under an entry): joined to their
  entry, made into rows of their own, or lost;
- context and narrative lines (zone prefaces, date lines, prose): made into rows anyway;
- agreed action items found (by line), items found that were not agreed ones, owners and existing issues;
- warnings.

Pure: no network, no GitHub. The engine is being reshaped, so the few entry points are looked up by name
(see ``_engine``) and every case runs inside its own try/except: one broken case never stops the report.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import pkgutil
import sys
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "fixtures" / "postmortems"
sys.path.insert(0, str(ROOT))

# Where the entry points lived when this script was written; other pmaction modules are searched after.
_KNOWN = {
    "build_timeline": ["pmaction.timeline.build", "pmaction.timeline"],
    "parse_action_items": ["pmaction.items.parse", "pmaction.items"],
    "Incident": ["pmaction.incident.model", "pmaction.incident"],
    "Issue": ["pmaction.github.data", "pmaction.github"],
    "Repo": ["pmaction.github.data", "pmaction.github"],
}
# Never imported while searching: the stand-in server and the demo are not the engine.
_SKIP = ("pmaction.sandbox", "pmaction.demo", "pmaction.__main__")


def _find(name: str) -> Any:
    for module in _KNOWN[name]:
        try:
            found = getattr(importlib.import_module(module), name, None)
        except ImportError:
            continue
        if found is not None:
            return found
    import pmaction

    for info in pkgutil.walk_packages(pmaction.__path__, "pmaction."):
        if info.name.startswith(_SKIP):
            continue
        try:
            found = getattr(importlib.import_module(info.name), name, None)
        except Exception:  # a module that cannot be imported on its own is not where we look
            continue
        if found is not None:
            return found
    raise ImportError(f"no pmaction module defines {name}")


@dataclass
class Engine:
    build_timeline: Callable[..., Any]
    parse_action_items: Callable[..., Any]
    incident: Any
    issue: Any
    repo: Any


def _engine() -> Engine:
    return Engine(
        build_timeline=_find("build_timeline"),
        parse_action_items=_find("parse_action_items"),
        incident=_find("Incident"),
        issue=_find("Issue"),
        repo=_find("Repo"),
    )


def _filler(annotation: Any, created: datetime) -> Any:
    """A harmless value for a required dataclass field this script does not know (the model may grow)."""
    text = str(annotation)
    if "None" in text:
        return None
    for marker, value in (("datetime", created), ("tuple", ()), ("list", []), ("dict", {}), ("bool", False)):
        if marker in text:
            return value
    return 0 if "int" in text else ""


def _make(cls: Any, created: datetime, **known: Any) -> Any:
    factory: Callable[..., Any] = cls
    if not dataclasses.is_dataclass(cls):
        return factory(**known)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name in known:
            values[f.name] = known[f.name]
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            values[f.name] = _filler(f.type, created)
    return factory(**values)


def make_incident(engine: Engine, body: str, incident_date: date) -> Any:
    created = datetime.combine(incident_date, time(12, 0), tzinfo=UTC)
    repo = _make(
        engine.repo,
        created,
        full_name="example/service",
        html_url="https://github.com/example/service",
        private=False,
        has_wiki=True,
    )
    issue = _make(
        engine.issue,
        created,
        number=1,
        title="Incident",
        body=body,
        state="open",
        html_url="https://github.com/example/service/issues/1",
        created_at=created,
        closed_at=None,
        author="oncall",
        labels=("incident",),
    )
    return _make(engine.incident, created, repo=repo, issue=issue, comments=[], events=[])


# --- matching the engine's rows to body lines -------------------------------------------------------------


def _norm(text: str) -> str:
    return " ".join(text.split())


def _row_text(entry: Any) -> str:
    raw = getattr(entry, "raw", "") or ""
    return raw if raw else str(getattr(entry, "text", "") or "")


def match_rows(body_lines: list[str], entries: Iterable[Any]) -> tuple[dict[int, Any], list[Any]]:
    """Body-sourced rows by the 1-based body line they start on, and the rows no line could be found for."""
    rows = [e for e in entries if getattr(e, "source", "body") == "body"]
    rows.sort(key=lambda e: getattr(e, "order", 0))
    free: dict[str, list[int]] = {}
    for number, line in enumerate(body_lines, start=1):
        if line.strip():
            free.setdefault(_norm(line), []).append(number)
    by_line: dict[int, Any] = {}
    unmatched: list[Any] = []
    for entry in rows:
        first = _norm(_row_text(entry).split("\n", 1)[0])
        numbers = free.get(first)
        if not numbers:
            # The row's text was rewritten (bullet or time taken off): find the first free line holding it.
            numbers = next(([n] for key, ns in free.items() for n in ns if first and first in key), None)
        if not numbers:
            unmatched.append(entry)
            continue
        number = numbers[0]
        for taken in free.values():
            if number in taken:
                taken.remove(number)
        by_line[number] = entry
    return by_line, unmatched


def _content(line: str) -> str:
    """A line's words without list markers, for 'is it in that row' checks."""
    stripped = line.strip()
    for marker in ("- ", "* ", "+ "):
        if stripped.startswith(marker):
            stripped = stripped[2:]
    return _norm(stripped)


def _minute(when: datetime) -> datetime:
    return when.astimezone(UTC).replace(second=0, microsecond=0)


def _hours(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60}h{minutes % 60:02d}"


# --- one case -----------------------------------------------------------------------------------------------


@dataclass
class CaseResult:
    slug: str
    error: str | None = None
    time_lines: int = 0
    exact: int = 0
    wrong: list[tuple[int, str]] = field(default_factory=list)  # (line, delta)
    unknown: list[int] = field(default_factory=list)  # rows whose time was not read
    missed: list[int] = field(default_factory=list)  # lines that became no row at all
    ambiguous: int = 0
    ambiguous_exact: int = 0
    alt_match: int = 0  # ambiguous lines read at the literal or the true time instead
    date_only: int = 0
    date_only_on_day: int = 0
    cont_lines: int = 0
    cont_joined: int = 0
    cont_rows: list[int] = field(default_factory=list)
    cont_lost: list[int] = field(default_factory=list)
    noise_lines: int = 0
    noise_rows: list[int] = field(default_factory=list)
    no_time_lines: int = 0
    no_time_kept: int = 0
    rows: int = 0
    unmatched_rows: int = 0
    agreed_expected: int = 0
    agreed_found: int = 0
    agreed_extra: list[int] = field(default_factory=list)  # parsed as agreed on lines not agreed by hand
    owners_expected: int = 0
    owners_found: int = 0
    issues_expected: int = 0
    issues_found: int = 0
    proposals: int = 0
    warnings: int = 0
    details: list[str] = field(default_factory=list)


def _load_case(folder: Path) -> tuple[str, date, dict[str, Any]]:
    body = (folder / "body.md").read_text(encoding="utf-8")
    source = yaml.safe_load((folder / "source.yml").read_text(encoding="utf-8"))
    expected = yaml.safe_load((folder / "expected.yml").read_text(encoding="utf-8"))
    incident_date = date.fromisoformat(str(source["incident_date"]))
    return body, incident_date, expected


def _check_time(result: CaseResult, record: dict[str, Any], row: Any) -> None:
    line = int(record["line"])
    want = _minute(datetime.fromisoformat(str(record["time"])))
    result.time_lines += 1
    is_ambiguous = "ambiguous" in record
    result.ambiguous += is_ambiguous
    if row is None:
        result.missed.append(line)
        result.details.append(f"  line {line}: no row (expected {record['time']})")
        return
    when = getattr(row, "when", None)
    if when is None:
        result.unknown.append(line)
        result.details.append(f"  line {line}: time unknown (expected {record['time']})")
        return
    got = _minute(when)
    if got == want:
        result.exact += 1
        result.ambiguous_exact += is_ambiguous
        return
    others = [
        _minute(datetime.fromisoformat(str(record[k]))) for k in ("literal_time", "true_time") if k in record
    ]
    if got in others:
        result.alt_match += 1
    delta = _hours(got - want)
    result.wrong.append((line, delta))
    result.details.append(f"  line {line}: read {got.isoformat()} (expected {record['time']}, {delta})")


def _check_timeline(
    result: CaseResult, body_lines: list[str], expected: dict[str, Any], timeline: Any
) -> None:
    entries = list(getattr(timeline, "entries", ()))
    by_line, unmatched = match_rows(body_lines, entries)
    result.rows = len(by_line) + len(unmatched)
    result.unmatched_rows = len(unmatched)
    records = expected.get("timeline") or []
    # A date-only entry is on its day in the write-up's zone: take the zone of the case's first timed line.
    zone = next(
        (tz for r in records if "time" in r and (tz := datetime.fromisoformat(str(r["time"])).tzinfo)), UTC
    )
    for record in records:
        line = int(record["line"])
        row = by_line.get(line)
        if "time" in record:
            _check_time(result, record, row)
        elif "continues" in record:
            result.cont_lines += 1
            parent = by_line.get(int(record["continues"]))
            if row is not None:
                result.cont_rows.append(line)
            elif parent is not None and _content(body_lines[line - 1]) in _norm(_row_text(parent)):
                result.cont_joined += 1
            else:
                result.cont_lost.append(line)
        elif "date_only" in record:
            result.date_only += 1
            when = getattr(row, "when", None) if row is not None else None
            day = date.fromisoformat(str(record["date_only"]))
            if when is not None and when.astimezone(zone).date() == day:
                result.date_only_on_day += 1
        elif record.get("no_time"):
            result.no_time_lines += 1
            result.no_time_kept += row is not None
        elif record.get("context") or record.get("narrative") or record.get("heading"):
            result.noise_lines += 1
            if row is not None:
                result.noise_rows.append(line)


def _check_items(result: CaseResult, expected: dict[str, Any], parsed: Any) -> None:
    records = {int(r["line"]): r for r in expected.get("action_items") or [] if r.get("item")}
    agreed_lines = {n for n, r in records.items() if r.get("agreed")}
    result.agreed_expected = len(agreed_lines)
    result.owners_expected = sum(1 for n in agreed_lines if records[n].get("owner"))
    result.issues_expected = sum(1 for n in agreed_lines if records[n].get("existing_issue"))
    for item in getattr(parsed, "agreed", ()):
        line = int(getattr(item, "line_index", -1)) + 1
        if line not in agreed_lines:
            result.agreed_extra.append(line)
            continue
        result.agreed_found += 1
        want_owner = str(records[line].get("owner") or "").lstrip("@").lower()
        owners = {str(o).lstrip("@").lower() for o in getattr(item, "owners", ()) or ()}
        result.owners_found += bool(want_owner) and want_owner in owners
        # The item's own issue (``ref``), or one it names elsewhere (``tracked``: a URL, "Bug 5554823").
        has_ref = getattr(item, "ref", None) is not None or bool(getattr(item, "tracked", None))
        result.issues_found += bool(records[line].get("existing_issue")) and has_ref
    result.proposals = len(getattr(parsed, "proposals", ()))


def run_case(engine: Engine, folder: Path) -> CaseResult:
    result = CaseResult(slug=folder.name)
    try:
        body, incident_date, expected = _load_case(folder)
        body_lines = body.split("\n")
        timeline = engine.build_timeline(make_incident(engine, body, incident_date), tz=UTC)
        parsed = engine.parse_action_items(body, origin="body")
        result.warnings = len(getattr(timeline, "warnings", ())) + len(getattr(parsed, "warnings", ()))
        _check_timeline(result, body_lines, expected, timeline)
        _check_items(result, expected, parsed)
    except Exception as exc:  # the report goes on; the case says why it could not be measured
        result.error = f"{type(exc).__name__}: {exc}"
        result.details.append(traceback.format_exc())
    return result


# --- the report ---------------------------------------------------------------------------------------------

COLUMNS = [
    ("case", 44),
    ("times", 5),
    ("exact", 5),
    ("wrong", 5),
    ("unkn", 4),
    ("norow", 5),
    ("cont", 4),
    ("join", 4),
    ("rows", 4),
    ("lost", 4),
    ("noise", 5),
    ("agreed", 6),
    ("found", 5),
    ("warn", 4),
]


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "n/a"


def _cells(r: CaseResult) -> list[str]:
    if r.error:
        return [r.slug, f"ERROR {r.error}"]
    return [
        r.slug,
        str(r.time_lines),
        str(r.exact),
        str(len(r.wrong)),
        str(len(r.unknown)),
        str(len(r.missed)),
        str(r.cont_lines),
        str(r.cont_joined),
        str(len(r.cont_rows)),
        str(len(r.cont_lost)),
        f"{len(r.noise_rows)}/{r.noise_lines}",
        str(r.agreed_expected),
        str(r.agreed_found),
        str(r.warnings),
    ]


def _line(cells: list[str]) -> str:
    if len(cells) == 2 and cells[1].startswith("ERROR"):
        return f"{cells[0]:<{COLUMNS[0][1]}} {cells[1]}"
    widths = [w for _, w in COLUMNS]
    return " ".join(
        f"{c:<{w}}" if i == 0 else f"{c:>{w}}" for i, (c, w) in enumerate(zip(cells, widths, strict=True))
    )


def totals(results: list[CaseResult]) -> CaseResult:
    total = CaseResult(slug="TOTAL")
    for r in results:
        if r.error:
            continue
        for f in dataclasses.fields(CaseResult):
            value = getattr(r, f.name)
            if isinstance(value, bool) or f.name in ("slug", "error", "details"):
                continue
            if isinstance(value, int):
                setattr(total, f.name, getattr(total, f.name) + value)
            elif isinstance(value, list):
                getattr(total, f.name).extend(value)
    return total


def _histogram(deltas: Iterable[str]) -> str:
    counts: dict[str, int] = {}
    for delta in deltas:
        counts[delta] = counts.get(delta, 0) + 1
    return ", ".join(f"{d} x{n}" for d, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def summary(total: CaseResult, results: list[CaseResult]) -> list[str]:
    read = total.exact + len(total.wrong)
    measured = [r for r in results if not r.error]
    return [
        f"cases measured: {len(measured)} of {len(results)}",
        f"lines carrying a time: {total.time_lines}; a time was read on {read}"
        f" ({_pct(read, total.time_lines)}), the expected minute on {total.exact}"
        f" ({_pct(total.exact, total.time_lines)})",
        f"  wrong time: {len(total.wrong)} (off by: {_histogram(d for _, d in total.wrong) or 'none'})",
        f"  time unknown: {len(total.unknown)}; no row at all: {len(total.missed)}",
        f"  ambiguous lines: {total.ambiguous} (expected minute on {total.ambiguous_exact};"
        f" the literal or corrected reading on {total.alt_match})",
        f"date-only entries: {total.date_only}, placed on their day: {total.date_only_on_day}",
        f"continuation lines: {total.cont_lines}; joined to their entry: {total.cont_joined},"
        f" separate rows: {len(total.cont_rows)}, lost: {len(total.cont_lost)}",
        f"context/narrative lines: {total.noise_lines}, made into rows: {len(total.noise_rows)};"
        f" entries the write-up gives no time: {total.no_time_lines}, kept as rows: {total.no_time_kept}",
        f"timeline rows from the body: {total.rows} ({total.unmatched_rows} not traced to a line)",
        f"agreed action items: expected {total.agreed_expected}, found {total.agreed_found}"
        f" ({_pct(total.agreed_found, total.agreed_expected)});"
        f" found on other lines: {len(total.agreed_extra)};"
        f" owners {total.owners_found}/{total.owners_expected}; existing issues {total.issues_found}/"
        f"{total.issues_expected}; proposals listed: {total.proposals}",
        f"warnings: {total.warnings}",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="folder of cases (default: %(default)s)")
    parser.add_argument("--case", action="append", default=[], help="only this case (repeatable)")
    parser.add_argument(
        "--details", action="store_true", help="list every line that was not read as expected"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)

    folders = sorted(p for p in args.corpus.iterdir() if (p / "expected.yml").is_file())
    if args.case:
        folders = [p for p in folders if p.name in set(args.case)]
    try:
        engine = _engine()
    except Exception as exc:
        print(f"cannot find pmaction's entry points: {exc}", file=sys.stderr)
        return 2
    results = [run_case(engine, folder) for folder in folders]

    print(_line([name for name, _ in COLUMNS]))
    for r in results:
        print(_line(_cells(r)))
        if args.details and (r.details or r.cont_rows or r.cont_lost or r.noise_rows or r.agreed_extra):
            for text in r.details:
                print(text.rstrip())
            if r.cont_rows or r.cont_lost:
                print(f"  continuation lines as rows: {r.cont_rows}; lost: {r.cont_lost}")
            if r.noise_rows:
                print(f"  context/narrative lines made into rows: {r.noise_rows}")
            if r.agreed_extra:
                print(f"  agreed items found on lines not agreed by hand: {r.agreed_extra}")
    total = totals(results)
    print(_line(_cells(total)))
    print()
    for text in summary(total, results):
        print(text)
    if args.json:
        payload = [
            {k: v for k, v in dataclasses.asdict(r).items() if k != "details"} for r in [*results, total]
        ]
        args.json.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
