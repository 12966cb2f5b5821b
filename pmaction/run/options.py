"""Every option pmaction has, in one table: name, default, parser, help text and where it may be set.

Everything else is derived from ``OPTIONS``: the ``Config`` defaults (run/config.py), the keys the config
file may hold, the env var names the adapters read, action.yml's inputs (a meta-test keeps them equal) and
the JSON Schema of ``.github/postmortem.yml`` (run/config.py writes it to docs/postmortem.schema.json).

Each parser (run/parsers.py) takes the option's name and a raw value and returns the ``Config`` field's
value, or raises ``ConfigError`` naming the option, the bad value and what is accepted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pmaction.items.taxonomy import DEFAULT_TAXONOMY
from pmaction.meetings.spec import (
    POSTMORTEM_DEFAULT,
    REVIEW_DEFAULT,
    parse_facilitator,
    parse_postmortem_meeting,
    parse_review_meeting,
)
from pmaction.run.parsers import (  # noqa: F401 (COMMAND_NAMES: the CLI reads it here)
    COMMAND_NAMES,
    Parser,
    one_of,
    parse_bool,
    parse_command,
    parse_float,
    parse_int,
    parse_issue_number,
    parse_label,
    parse_page_name,
    parse_patterns,
    parse_reaction,
    parse_repo_path,
    parse_review_after_text,
    parse_slack_channel,
    parse_text,
    parse_timezone,
    parse_word_list,
    seconds,
    whole_number,
)

# input: action.yml input only; file: .github/postmortem.yml only; both: either (an input that is set wins).
Where = Literal["input", "file", "both"]


# --- JSON Schema pieces of the config file's values ------------------------------------------------------


def _any_case(word: str) -> str:
    # JSON Schema patterns are ECMA-262 without flags: spell case-insensitivity out, letter by letter.
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word)


_UNITS = "|".join(_any_case(unit) for unit in ("days", "day", "d", "weeks", "week", "wks", "wk", "w"))
_MONTHS = "|".join(_any_case(unit) for unit in ("months", "month", "mos", "mo"))
PERIOD_SCHEMA = {"type": "string", "pattern": rf"^\s*[0-9]{{1,4}}\s*({_UNITS}|{_MONTHS})\s*$"}
LABEL_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 50, "pattern": "^[^,]*$"}
BOOL_SCHEMA = {"type": "boolean"}


def _integer(minimum: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": minimum}


def _number(minimum: float) -> dict[str, Any]:
    return {"type": "number", "minimum": minimum}


_WORDS_SCHEMA = {
    "type": ["array", "string"],
    "items": {"type": "string", "pattern": "^#?[A-Za-z0-9][A-Za-z0-9_-]*$"},
    "minItems": 1,
}


def _meeting_schema(*, with_after: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "at": {"type": ["string", "integer"], "examples": ["14:00"]},  # YAML 1.1 reads 14:00 as 840
        "duration": {"type": "string", "examples": ["60 minutes", "1 hour"]},
    }
    if with_after:
        fields = {"after": {"type": "string", "examples": ["2 working days", "3 days"]}, **fields}
    return {
        "oneOf": [
            {"type": "object", "properties": fields, "additionalProperties": False},
            {"type": "boolean"},
        ]
    }


# --- the table -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    name: str
    default: Any  # as a person writes it: an input's text, or a YAML value for a file-only key
    parse: Parser
    help: str  # one sentence: action.yml's description and the schema's
    where: Where
    schema: Mapping[str, Any] = field(default_factory=dict)  # JSON Schema of a value in the config file
    # Only the token: the runner fills it in (``${{ github.token }}``) and it never enters Config or a log.
    secret: bool = False
    # What action.yml declares. Empty, so that an input the workflow does not set is told apart from one set
    # to the default value: the runner passes every input, filled with this. The real default is ``default``.
    runner_default: str = ""
    shown_default: str | None = None  # how the docs name the default, when ``default`` does not say it

    @property
    def is_input(self) -> bool:
        return self.where in ("input", "both")

    @property
    def in_file(self) -> bool:
        return self.where in ("file", "both")

    @property
    def env_var(self) -> str:
        """The plain environment variable (a step's ``env:``, a shell) an input is also read from."""
        return self.name.upper()

    @property
    def default_text(self) -> str:
        return self.shown_default if self.shown_default is not None else str(self.default)

    @property
    def description(self) -> str:
        """The help and the real default: action.yml's description, the schema's."""
        return f"{self.help} Default: {self.default_text}."


OPTIONS_LIST: tuple[Option, ...] = (
    Option(
        "github_token",
        "",
        parse_text,
        "Token for the REST API and the wiki (needs issues: write and contents: write).",
        "input",
        secret=True,
        runner_default="${{ github.token }}",
        shown_default="the job's token (github.token)",
    ),
    Option(
        "incident_label",
        "incident",
        parse_label,
        "Label that marks an issue as an incident.",
        "both",
        LABEL_SCHEMA,
    ),
    Option(
        "review_after",
        "2 months",
        parse_review_after_text,
        "When the review is due after the incident started: N days, N weeks or N months.",
        "both",
        PERIOD_SCHEMA,
    ),
    Option(
        "command",
        "auto",
        parse_command,
        "auto (follow the event), sync (one incident; needs issue_number), nag, or report.",
        "input",
    ),
    Option(
        "issue_number",
        "",
        parse_issue_number,
        "The incident issue for command sync or a workflow_dispatch run.",
        "input",
        shown_default="none (the event's issue)",
    ),
    Option(
        "dry_run",
        "false",
        parse_bool,
        "true: print the page diff and the planned writes; write nothing.",
        "input",
    ),
    Option(
        "config_file",
        ".github/postmortem.yml",
        parse_repo_path,
        "Path of the repository's pmaction config file (YAML).",
        "input",
    ),
    Option(
        "timezone",
        "UTC",
        parse_timezone,
        "IANA time zone for times shown on pages and comments (times are sorted in UTC).",
        "both",
        {"type": "string", "examples": ["UTC", "Europe/Berlin", "America/New_York"]},
    ),
    Option(
        "date_order",
        "auto",
        one_of("auto", "day-first", "month-first"),
        "How a timeline date like 03-04-2024 reads when the write-up does not show it (auto: learnt from its"
        " other dates, else warned about).",
        "file",
        {"type": "string", "enum": ["auto", "day-first", "month-first"]},
    ),
    Option(
        "action_label",
        "postmortem-action",
        parse_label,
        "Label put on every backlog issue pmaction creates from an action item.",
        "both",
        LABEL_SCHEMA,
    ),
    Option(
        "remind_before_days",
        "7",
        whole_number(0),
        "Post one 'review coming up' comment this many days before the review is due.",
        "both",
        _integer(0),
    ),
    Option(
        "nag_interval_days",
        "7",
        whole_number(1),
        "Nag about an overdue review at most once per this many days.",
        "both",
        _integer(1),
    ),
    Option(
        "operations_per_run",
        "1000",
        whole_number(10),
        "Budget of API requests for one nag or report run; the rest waits for the next run.",
        "both",
        _integer(10),
    ),
    Option(
        "include_events",
        "true",
        parse_bool,
        "true: label, assignment, close and reopen events appear in the timeline.",
        "both",
        BOOL_SCHEMA,
    ),
    Option(
        "seconds_between_requests",
        "0",
        seconds(0.0),
        "Pause between API requests (GitHub's secondary rate limits).",
        "both",
        _number(0),
    ),
    Option(
        "seconds_between_writes",
        "1",
        seconds(0.0),
        "Pause between API writes once a run has made 20 (GitHub's guidance for long bursts of writes).",
        "both",
        _number(0),
    ),
    Option(
        "max_wait_seconds",
        "60",
        seconds(0.0),
        "Longest wait for a rate limit or Retry-After before failing with the reset time.",
        "both",
        _number(0),
    ),
    Option(
        "request_timeout",
        "30",
        seconds(1.0),
        "Seconds before one API request is abandoned and retried.",
        "both",
        _number(1),
    ),
    Option(
        "type_taxonomy",
        DEFAULT_TAXONOMY,
        parse_word_list,
        "The #type tags action items may carry.",
        "file",
        _WORDS_SCHEMA,
    ),
    Option(
        "include_untrusted_comments",
        False,
        parse_bool,
        "true: comments by people without push access appear on the wiki too.",
        "file",
        BOOL_SCHEMA,
    ),
    Option(
        "create_checked_items",
        False,
        parse_bool,
        "true: items already ticked when first seen still become backlog issues.",
        "file",
        BOOL_SCHEMA,
    ),
    Option(
        "template",
        "",
        parse_repo_path,
        "Your own page template (Jinja2): a path inside the repository.",
        "file",
        {"type": "string", "examples": [".github/postmortem.md.j2"]},
        shown_default="the built-in page",
    ),
    Option(
        "index_page",
        "Post-mortems",
        parse_page_name,
        "The wiki page that lists every incident.",
        "file",
        {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9 _.-]{0,80}$"},
    ),
    Option(
        "sensitive_info",
        "warn",
        one_of("warn", "block", "off"),
        "What to do about e-mail addresses, IPs, secrets and internal hosts bound for a public wiki.",
        "file",
        {"enum": ["warn", "block", "off"]},
    ),
    Option(
        "internal_host_patterns",
        (),
        parse_patterns,
        "Regular expressions of host names that are internal (sensitive_info reports them).",
        "file",
        {"type": ["array", "string"], "items": {"type": "string", "format": "regex"}},
        shown_default="none",
    ),
    # The timeline starts where the incident started: its Slack channel, and what changed in the repository.
    Option(
        "slack_token",
        "",
        parse_text,
        "Slack bot token (xoxb-…, from a secret) to read the incident's channel; masked, never printed.",
        "input",
        secret=True,
        shown_default="none (no Slack rows)",
    ),
    Option(
        "slack_reaction",
        "pushpin",
        parse_reaction,
        "The reaction that marks a Slack message for the timeline (* takes every message).",
        "both",
        {"type": "string", "pattern": r"^(\*|[a-z0-9_+'-]+)$"},
    ),
    Option(
        "slack_channel",
        "",
        parse_slack_channel,
        "The incident's Slack channel when its issue names none (#name or an ID like C0123ABCD).",
        "file",
        {"type": "string", "pattern": r"^(#?[a-z0-9._-]+|[CG][A-Z0-9]{2,})?$"},
        shown_default="none",
    ),
    Option(
        "slack_lead_minutes",
        "30",
        whole_number(0),
        "Slack messages are read from this many minutes before the announcement.",
        "file",
        _integer(0),
    ),
    Option(
        "changes",
        "true",
        parse_bool,
        "true: deployments, releases, merged pull requests and failed runs around the incident are rows.",
        "file",
        BOOL_SCHEMA,
    ),
    Option(
        "changes_lead_hours",
        "6",
        whole_number(0),
        "What changed in the repository is read from this many hours before the incident started.",
        "file",
        _integer(0),
    ),
    # The two meetings: who facilitates the post-mortem, and when the invitations put both meetings.
    Option(
        "facilitator",
        "",
        parse_facilitator,
        "Who facilitates post-mortems when the issue names nobody (a GitHub login, e.g. @alice).",
        "file",
        {"type": "string", "pattern": "^@?[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$|^$"},
        shown_default="none",
    ),
    Option(
        "postmortem_meeting",
        POSTMORTEM_DEFAULT,
        parse_postmortem_meeting,
        "When the post-mortem meeting is, counted from the day the incident was declared over (or announced, "
        "while open): {after, at, duration}, or false for no invitation.",
        "file",
        _meeting_schema(with_after=True),
        shown_default="{after: 2 working days, at: '14:00', duration: 60 minutes}",
    ),
    Option(
        "review_meeting",
        REVIEW_DEFAULT,
        parse_review_meeting,
        "When the review meeting is on the review's due date: {at, duration}, or false for no invitation.",
        "file",
        _meeting_schema(with_after=False),
        shown_default="{at: '15:00', duration: 45 minutes}",
    ),
)

OPTIONS: dict[str, Option] = {option.name: option for option in OPTIONS_LIST}
INPUT_OPTIONS: tuple[Option, ...] = tuple(option for option in OPTIONS_LIST if option.is_input)
FILE_KEYS: frozenset[str] = frozenset(option.name for option in OPTIONS_LIST if option.in_file)
# The typed default of every Config field (the token is no Config field).
DEFAULTS: dict[str, Any] = {
    option.name: option.parse(option.name, option.default) for option in OPTIONS_LIST if not option.secret
}


def action_defaults() -> dict[str, str]:
    """What the runner passes as ``INPUT_<NAME>`` for an input the workflow does not set."""
    return {option.name: option.runner_default for option in INPUT_OPTIONS}


def given(value: str | None) -> str | None:
    """An input's value, or None when it is not set: the runner passes an unset input as ''."""
    if value is None:
        return None
    return value.strip() or None


def env_inputs(env: Mapping[str, str]) -> dict[str, str]:
    """The inputs set as plain env vars (``REVIEW_AFTER=10 days``), empty ones left out.

    Only the table's names are read, so the runner's ``GITHUB_*`` and ``RUNNER_*`` variables are never
    taken for options; the one name among them is GITHUB_TOKEN, which is the token's on purpose."""
    found = {option.name: given(env.get(option.env_var)) for option in INPUT_OPTIONS}
    return {name: value for name, value in found.items() if value is not None}
