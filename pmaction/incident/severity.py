"""The one rule for an incident's severity: the issue form's Severity field, else a severity label.

A severity label is ``sev`` or ``severity`` with a level: a number (``sev1``, ``SEV-2``, ``sev 3``) or, after
a separator, a word (``sev:high``, ``severity/critical``, ``Severity-low``). Words that merely start with
"sev" (``severe-bug``, ``seven``) are not severities. The page shows this severity, and the backlog
issues carry the same label.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pmaction.github.data import Issue
from pmaction.incident.issueform import field_value

_SEPARATOR = r"[-:/ _]"
_LABEL = re.compile(rf"^sev(?:erity)?(?:{_SEPARATOR}?\d+|{_SEPARATOR}[a-z]\w*)$", re.IGNORECASE)


def is_severity_label(name: str) -> bool:
    return bool(_LABEL.match(name.strip()))


def severity_label(labels: Sequence[str]) -> str | None:
    """The first of ``labels`` that names a severity, as written."""
    return next((label.strip() for label in labels if is_severity_label(label)), None)


def severity(issue: Issue) -> str | None:
    """The Severity field of the body, else the severity label."""
    value = field_value(issue.body, "Severity")
    if value:
        return value.strip().split("\n", 1)[0].strip()
    return severity_label(issue.labels)
