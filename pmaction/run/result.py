"""What a run produced: outputs for the workflow, Markdown for the job summary, and a status."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Result:
    command: str = "none"
    outputs: dict[str, str] = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)
    done: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    # Markdown notes about what people wrote that made nothing (action-item lines that made no issue): shown
    # once in the job summary (and by sync in the status comment).
    notes: list[str] = field(default_factory=list)
    exit_code: int = 0

    def fail(self, message: str) -> None:
        self.failed.append(message)
        self.exit_code = 1

    def summary_markdown(self) -> str:
        parts = list(self.summary)
        if self.notes:
            parts.append("\n".join(["### Action items", "", *(f"- ⚠️ {note}" for note in self.notes)]))
        if self.done or self.failed:
            lines = ["### What this run did", ""]
            lines += [f"- ✅ {item}" for item in self.done] or ["- nothing changed"]
            lines += [f"- ❌ {item}" for item in self.failed]
            parts.append("\n".join(lines))
        return "\n\n".join(parts).strip() + "\n" if parts else ""
