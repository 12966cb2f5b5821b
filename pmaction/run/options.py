"""Every option pmaction has, in one table: name, default, parser, help text and where it may be set.

Everything else is derived from ``OPTIONS``: the ``Config`` defaults (run/config.py), the keys the config
file may hold, the env var names the adapters read, action.yml's inputs (a meta-test keeps them equal) and
the JSON Schema of ``.github/postmortem.yml`` (run/config.py writes it to docs/postmortem.schema.json).

Each parser takes the option's name and a raw value (an input's text or a YAML value) and returns the
``Config`` field's value, or raises ``ConfigError`` naming the option, the bad value and what is accepted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pmaction.errors import ConfigError
from pmaction.items.parse import DEFAULT_TAXONOMY
from pmaction.review.dates import MAX_PERIOD_DAYS, parse_review_after

COMMAND_NAMES = ("auto", "sync", "nag", "report")

Parser = Callable[[str, Any], Any]
# input: action.yml input only; file: .github/postmortem.yml only; both: either (an input that is set wins).
Where = Literal["input", "file", "both"]


# --- parsers ---------------------------------------------------------------------------------------------

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0", ""}


def parse_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigError(f"{name}: {value!r} is not a boolean; use true or false")


def parse_int(name: str, value: Any, *, minimum: int = 0) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ConfigError(f"{name}: {value!r} is not a whole number; use e.g. {minimum + 7}") from None
    if number < minimum:
        raise ConfigError(f"{name}: {number} is too small; use a whole number >= {minimum}")
    return number


# A day: longer than any job may run on a GitHub-hosted runner (6 h), and far below what a sleep can take
# (`inf` or 1e300 seconds made PyGithub's pause between writes crash the run after its first write).
MAX_SECONDS = 86400.0


def parse_float(name: str, value: Any, *, minimum: float = 0.0) -> float:
    try:
        number = float(str(value).strip())
    except ValueError:
        raise ConfigError(f"{name}: {value!r} is not a number of seconds; use e.g. 1 or 0.5") from None
    if not minimum <= number <= MAX_SECONDS:  # NaN fails both comparisons
        raise ConfigError(
            f"{name}: {value!r} is out of range; use a number of seconds from {minimum:g} to {MAX_SECONDS:g}"
        )
    return number


def whole_number(minimum: int) -> Parser:
    return lambda name, value: parse_int(name, value, minimum=minimum)


def seconds(minimum: float) -> Parser:
    return lambda name, value: parse_float(name, value, minimum=minimum)


def one_of(*choices: str) -> Parser:
    def parse(name: str, value: Any) -> str:
        text = str(value).strip().lower()
        if text not in choices:
            raise ConfigError(f"{name}: {value!r} is not allowed; use one of {', '.join(choices)}")
        return text

    return parse


def parse_text(name: str, value: Any) -> str:
    """The token: taken as given (it is never shown, so there is nothing to say about a bad one)."""
    return str(value).strip()


def parse_issue_number(name: str, value: Any) -> int | None:
    text = str(value or "").strip().lstrip("#")
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(f"{name}: {value!r} is not an issue number; use e.g. 42")
    return int(text)


def parse_timezone(name: str, value: Any) -> str:
    text = str(value).strip() or "UTC"
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{name}: {value!r} is not an IANA time zone; use e.g. UTC, Europe/Berlin or America/New_York"
        ) from None
    return text


_PERIOD_FORM = re.compile(r"^(?P<count>\d+) ?(?P<unit>[a-z]+)$", re.IGNORECASE)


def _accepted(period: str) -> bool:
    try:
        parse_review_after(period)
    except ValueError:
        return False
    return True


def _longest(unit: str) -> int:
    """The longest count of ``unit`` the review parser takes (it alone decides; asked only on an error)."""
    return next(count for count in range(MAX_PERIOD_DAYS, 0, -1) if _accepted(f"{count} {unit}"))


def parse_review_after_text(name: str, value: Any) -> str:
    """Validate with the same parser the review milestone uses, so both agree on what is accepted."""
    text = " ".join(str(value).split())
    try:
        parse_review_after(text)
    except ValueError as exc:
        form = _PERIOD_FORM.match(text)
        if form is None or int(form["count"]) < 1 or not _accepted(f"1 {form['unit']}"):
            raise ConfigError(str(exc)) from None
        # The right form, too many of the unit: say the limit, not the form.
        raise ConfigError(
            f"{name}: {value!r} is longer than the longest review period, three years: write at most "
            f"{_longest('days')} days, {_longest('weeks')} weeks or {_longest('months')} months"
        ) from None
    return text


def parse_label(name: str, value: Any) -> str:
    text = str(value).strip()
    if not text or len(text) > 50 or "," in text:
        raise ConfigError(f"{name}: {value!r} is not a label name; use 1-50 characters without commas")
    return text


def parse_command(name: str, value: Any) -> str:
    text = str(value).strip().lower() or "auto"
    if text not in COMMAND_NAMES:
        raise ConfigError(f"{name}: {value!r} is not a command; use one of {', '.join(COMMAND_NAMES)}")
    return text


def parse_word_list(name: str, value: Any) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ConfigError(f"{name}: expected a list of words, got {value!r}")
    words = tuple(str(item).strip().lstrip("#").lower() for item in items if str(item).strip())
    if not words or any(not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", word) for word in words):
        raise ConfigError(f"{name}: {value!r} must be a non-empty list of words like [mitigate, prevent]")
    return words


def parse_patterns(name: str, value: Any) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    items = value if isinstance(value, list | tuple) else [value]
    patterns = []
    for item in items:
        try:
            re.compile(str(item))
        except re.error as exc:
            raise ConfigError(f"{name}: {item!r} is not a valid regular expression ({exc})") from None
        patterns.append(str(item))
    return tuple(patterns)


def parse_repo_path(name: str, value: Any) -> str | None:
    text = str(value).strip()
    if ".." in text.split("/") or text.startswith("/"):
        raise ConfigError(f"{name}: {value!r} must be a path inside the repository, like .github/x")
    return text or None


def parse_page_name(name: str, value: Any) -> str:
    text = str(value).strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 _.-]{0,80}", text):
        raise ConfigError(f"{name}: {value!r} is not a wiki page name; use letters, digits, - and spaces")
    return text.replace(" ", "-")


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
