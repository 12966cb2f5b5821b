"""The options table's parsers: each takes the option's name and a raw value (an input's text or a YAML
value) and returns the ``Config`` field's value, or raises ``ConfigError`` naming the option, the bad value
and what is accepted. The table itself is run/options.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pmaction.errors import ConfigError
from pmaction.review.dates import MAX_PERIOD_DAYS, parse_review_after

COMMAND_NAMES = ("auto", "sync", "nag", "report")

Parser = Callable[[str, Any], Any]


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


def parse_reaction(name: str, value: Any) -> str:
    """A reaction's name as Slack spells it (``pushpin``, ``:pushpin:`` is accepted), or ``*``."""
    text = str(value).strip().strip(":").lower()
    if not re.fullmatch(r"\*|[a-z0-9_+'-]+", text):
        raise ConfigError(f"{name}: {value!r} is not a reaction; use e.g. pushpin, or * for all messages")
    return text


def parse_slack_channel(name: str, value: Any) -> str:
    text = str(value or "").strip()
    if text and not re.fullmatch(r"#?[a-z0-9._-]+|[CG][A-Z0-9]{2,}", text):
        raise ConfigError(f"{name}: {value!r} is not a Slack channel; use #name or an ID like C0123ABCD")
    return text
