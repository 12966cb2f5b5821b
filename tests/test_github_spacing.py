"""Write spacing: a run's first 20 writes go out at once, the ones after wait ``seconds_between_writes`` after
the previous write; Retry-After and secondary limits are waited out whatever the count. Waits are recorded
through ``pmaction.github.retry._sleep``, never sat out or timed."""

from __future__ import annotations

import pytest
from conftest import SandboxFactory
from helpers import scenario

from pmaction.github import retry
from pmaction.github.client import ApiSettings, GitHub
from pmaction.github.spacing import FREE_WRITES, WriteSpacer
from pmaction.sandbox import Sandbox


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    asked: list[float] = []
    monkeypatch.setattr(retry, "_sleep", asked.append)
    return asked


def write(spacer: WriteSpacer, clock: FakeClock, took: float = 0.1) -> None:
    with spacer.write():
        clock.now += took


def test_the_first_writes_of_a_run_are_not_spaced_and_the_later_ones_are(waits: list[float]) -> None:
    clock = FakeClock()
    spacer = WriteSpacer(1.0, clock=clock)

    for _ in range(FREE_WRITES):
        write(spacer, clock)
    assert waits == []

    write(spacer, clock)  # the 21st: right after the 20th ended
    clock.now += 0.4  # the run does something else for 0.4 s
    write(spacer, clock)

    assert waits == [pytest.approx(1.0), pytest.approx(0.6)]


def test_a_write_long_after_the_previous_one_does_not_wait(waits: list[float]) -> None:
    clock = FakeClock()
    spacer = WriteSpacer(1.0, free=0, clock=clock)
    write(spacer, clock)
    clock.now += 5

    write(spacer, clock)

    assert waits == []


def test_no_spacing_means_no_wait_however_many_writes(waits: list[float]) -> None:
    clock = FakeClock()
    spacer = WriteSpacer(0.0, clock=clock)

    for _ in range(3 * FREE_WRITES):
        write(spacer, clock)

    assert waits == [] and spacer.writes == 3 * FREE_WRITES


def test_a_failed_write_counts_and_the_next_one_is_spaced_from_its_end(waits: list[float]) -> None:
    clock = FakeClock()
    spacer = WriteSpacer(1.0, free=1, clock=clock)

    with pytest.raises(RuntimeError), spacer.write():
        clock.now += 0.2
        raise RuntimeError("422")
    write(spacer, clock)

    assert waits == [pytest.approx(1.0)]


def edge(sb: Sandbox, seconds: float, *, dry_run: bool = False) -> GitHub:
    settings = ApiSettings(
        api_url=sb.api_url, token=sb.token, seconds_between_writes=seconds, dry_run=dry_run
    )
    return GitHub(settings, sb.repo)


def test_the_edge_spaces_only_the_writes_past_the_twentieth(
    sandbox: SandboxFactory, waits: list[float]
) -> None:
    sb = sandbox(scenario())
    github = edge(sb, 1.0)

    for i in range(FREE_WRITES + 5):
        github.create_label(f"label-{i:02}", "ededed", "x")
    github.labels()  # reads are never spaced

    assert len(waits) == 5 and all(0 < wait <= 1.0 for wait in waits)
    assert len({label["name"] for label in sb.repo_state()["labels"]}) == FREE_WRITES + 5 + 1


def test_a_dry_run_sends_no_write_and_waits_for_none(sandbox: SandboxFactory, waits: list[float]) -> None:
    sb = sandbox(scenario())
    github = edge(sb, 1.0, dry_run=True)

    for i in range(FREE_WRITES + 5):
        github.create_label(f"label-{i:02}", "ededed", "x")

    assert waits == [] and github.spacer.writes == 0


def test_retry_after_is_waited_out_also_within_the_free_writes(
    sandbox: SandboxFactory, waits: list[float]
) -> None:
    sb = sandbox(scenario())
    sb.add_faults(
        [
            {
                "method": "POST",
                "route": "/repos/{owner}/{repo}/labels",
                "kind": "secondary_limit",
                "retry_after": 3,
            }
        ]
    )
    github = edge(sb, 1.0)

    github.create_label("postmortem-action", "ededed", "x")

    assert waits == [3]  # GitHub's Retry-After, although this is the run's first write
    assert [e["status"] for e in sb.requests()] == [403, 201]
