"""The page's facts: the issue form's Summary and Impact, the key moments' times, and what the total duration
spans, on the page and as template variables, synced on the sandbox."""

from __future__ import annotations

from typing import Any

from conftest import SandboxFactory
from github_render import visible_text
from helpers import incident_page, run_sync, scenario, writes

FORM_BODY = (
    "### Severity\n\nSEV2 - major degradation\n\n"
    "### Started\n\n2026-03-01 08:55 UTC\n\n"
    "### Detected\n\n2026-03-01 09:03 UTC\n\n"
    "### Summary\n\nCheckout <script>alert(1)</script> kept spinning | payments queued.\n"
    "Second line of the summary.\n\n"
    "### Impact\n\n<style>every</style> customer in EU saw delays.\n\n"
    "### Timeline\n\n"
    "09:20 UTC - failover to the replica #mitigated\n"
    "09:40 UTC - queue drained #resolved\n"
)


def form_incident(**issue: Any) -> dict[str, Any]:
    return scenario(issue={"body": FORM_BODY, **issue})


def facts(page: str) -> dict[str, str]:
    """The facts table as {label: value}."""
    block = page.split("<!-- pmaction:begin facts -->", 1)[1].split("<!-- pmaction:end facts -->", 1)[0]
    rows = [line for line in block.split("\n") if line.startswith("| ") and not line.startswith("| |")]
    return dict(tuple(part.strip() for part in row.strip("|").split(" | ", 1)) for row in rows)  # type: ignore[misc]


def test_summary_impact_and_the_key_moments_are_on_the_page_and_a_rerun_writes_nothing(
    sandbox: SandboxFactory,
) -> None:
    sb = sandbox(form_incident())

    assert run_sync(sb, 12).result.exit_code == 0
    page = incident_page(sb)[1]
    shown = facts(page)

    # People's words as text: the tags GitHub's sanitizer would strip (with their words) are text, a pipe
    # stays in its cell, and the second line is a line break in the cell.
    assert shown["Summary"] == (
        "Checkout &lt;script>alert(1)&lt;/script> kept spinning \\| payments queued.<br>"
        "Second line of the summary."
    )
    assert shown["Impact"] == "&lt;style>every&lt;/style> customer in EU saw delays."
    assert shown["Started"] == "2026-03-01 08:55 UTC"
    assert shown["Detected"] == "2026-03-01 09:03 UTC"
    assert shown["Mitigated"] == "2026-03-01 09:20 UTC"
    assert shown["Resolved"] == "2026-03-01 09:40 UTC"
    assert shown["Total duration (started → resolved)"] == "45 min"
    text = visible_text(page)  # what a reader sees, after GitHub's sanitizer
    assert "<script>alert(1)</script> kept spinning | payments queued." in text
    assert "<style>every</style> customer in EU saw delays." in text

    sb.clear_requests()
    assert run_sync(sb, 12).result.exit_code == 0
    assert writes(sb) == 0


def test_declared_over_a_day_later_does_not_stretch_the_total_and_the_label_says_what_it_spans(
    sandbox: SandboxFactory,
) -> None:
    sb = sandbox(form_incident(state="closed", closed_at="2026-03-02T10:00:00Z", state_reason="completed"))

    run_sync(sb, 12)

    shown = facts(incident_page(sb)[1])
    assert shown["Declared over"] == "2026-03-02 10:00 UTC"
    assert shown["Total duration (started → resolved)"] == "45 min"


def test_without_started_and_resolved_the_total_runs_from_announced_to_declared_over(
    sandbox: SandboxFactory,
) -> None:
    sb = sandbox(
        scenario(issue={"state": "closed", "closed_at": "2026-03-01T11:30:00Z", "state_reason": "completed"})
    )

    run_sync(sb, 12)

    shown = facts(incident_page(sb)[1])
    assert shown["Total duration (announced → declared over)"] == "2 h 30 min"
    assert (shown["Started"], shown["Resolved"]) == ("—", "—")
    assert "Summary" not in shown and "Impact" not in shown  # a body without them adds no empty rows


def test_a_template_gets_them_as_variables(sandbox: SandboxFactory) -> None:
    template = (
        "{{ page_marker }}\n# {{ title }}\n\n"
        "Summary: {{ summary }}\nImpact: {{ impact }}\n"
        "Started {{ started }}, detected {{ detected }}, mitigated {{ mitigated }}, "
        "resolved {{ resolved }}.\n"
        "Total {{ total_duration }} ({{ total_duration_span }}).\n"
    )
    files = {
        ".github/postmortem.yml": "template: .github/postmortem.md.j2\n",
        ".github/postmortem.md.j2": template,
    }
    sb = sandbox({**form_incident(), "files": files})

    assert run_sync(sb, 12).result.exit_code == 0
    page = incident_page(sb)[1]

    assert (
        "Summary: Checkout &lt;script>alert(1)&lt;/script> kept spinning \\| payments queued.<br>Second"
        in page
    )
    assert "Impact: &lt;style>every&lt;/style> customer in EU saw delays." in page
    assert (
        "Started 2026-03-01 08:55 UTC, detected 2026-03-01 09:03 UTC, mitigated 2026-03-01 09:20 UTC, "
        "resolved 2026-03-01 09:40 UTC." in page
    )
    assert "Total 45 min (started → resolved)." in page


def test_a_summary_with_personal_data_is_redacted_in_block_mode(sandbox: SandboxFactory) -> None:
    body = FORM_BODY.replace("Second line of the summary.", "Reported by jane.doe@corp-mail.com.")
    sb = sandbox({**form_incident(body=body), "files": {".github/postmortem.yml": "sensitive_info: block\n"}})

    run = run_sync(sb, 12)

    assert "jane.doe@corp-mail.com" not in incident_page(sb)[1]
    assert any("the Summary of issue #12" in line for line in run.result.failed), run.result.failed
