"""Dry runs at the GitHub edge: reads are answered as usual, writes are recorded instead of sent.

The steps never ask whether the run is a dry run. They write through the ``GitHub`` class, which in a
dry run keeps one sentence per write ("would create backlog issue 'X'") and returns None (or False)
where it would return what GitHub made; the command lists the sentences among what the run did and
logs the text a write would have posted. The wiki edge keeps its own dry run (a diff instead of a push).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pmaction.reporter import Reporter


@dataclass(frozen=True)
class PlannedWrite:
    sentence: str  # one line of what the run would have done: "would post a 'soon' reminder on #12"
    text: str | None = None  # what it would have posted, for the log: "would comment on #12:\n..."


@dataclass
class WriteRecorder:
    dry_run: bool = False
    planned: list[PlannedWrite] = field(default_factory=list)

    def holds(self, sentence: str, text: str | None = None) -> bool:
        """True in a dry run: the write is recorded, and the caller must not send it."""
        if not self.dry_run:
            return False
        self.planned.append(PlannedWrite(sentence, text))
        return True

    def take(self) -> list[PlannedWrite]:
        """The writes recorded since the last take, oldest first."""
        taken, self.planned = self.planned, []
        return taken


def report_planned(planned: Sequence[PlannedWrite], reporter: Reporter, done: list[str]) -> None:
    """Put each planned write in the run's list of what it did, and what it would have posted in the log."""
    for write in planned:
        done.append(write.sentence)
        if write.text is not None:
            reporter.info(f"dry run: {write.text}")
