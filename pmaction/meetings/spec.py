"""When the two meetings take place, as the config file says: ``postmortem_meeting`` and ``review_meeting``.

``after`` counts from the day the incident was declared over (or announced, while it is open): ``N days``
or ``N working days`` (Monday to Friday). ``at`` is a local time in the team's ``timezone`` (``14:00``),
``duration`` how long the meeting takes (``60 minutes``, ``1 hour``, ``1h30``). ``false`` turns a meeting off.
Every bad value is one line naming the key, the value and what is accepted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from pmaction.errors import ConfigError

_AFTER = re.compile(r"^(?P<count>\d{1,3})\s*(?P<working>working\s+|business\s+)?days?$", re.IGNORECASE)
_AT = re.compile(r"^(?P<hour>[01]?\d|2[0-3])[:.h](?P<minute>[0-5]\d)$", re.IGNORECASE)
_DURATION = re.compile(
    r"^(?:(?P<hours>\d{1,2})\s*(?:h|hours?|hrs?))?\s*(?:(?P<minutes>\d{1,3})\s*(?:m|min|mins|minutes?)?)?$",
    re.IGNORECASE,
)
MAX_MINUTES = 8 * 60  # a working day: longer is a typo, not a meeting


@dataclass(frozen=True)
class MeetingSpec:
    at: time
    minutes: int
    after_days: int = 0
    working_days: bool = False

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.minutes)

    def day_after(self, start: date) -> date:
        """The meeting's day, ``after_days`` (working) days after ``start``."""
        if not self.working_days:
            return start + timedelta(days=self.after_days)
        day, left = start, self.after_days
        while left > 0 or day.weekday() >= 5:  # a count of 0 still lands on a working day
            day += timedelta(days=1)
            if day.weekday() < 5:
                left -= 1
        return day


POSTMORTEM_DEFAULT = {"after": "2 working days", "at": "14:00", "duration": "60 minutes"}
REVIEW_DEFAULT = {"at": "15:00", "duration": "45 minutes"}
_OFF = {"false", "off", "no", "none"}


def _after(name: str, value: Any) -> tuple[int, bool]:
    match = _AFTER.match(" ".join(str(value).split()))
    if match is None:
        raise ConfigError(
            f"{name}.after: {value!r} is not a number of days; write e.g. 2 working days or 3 days"
        )
    return int(match["count"]), bool(match["working"])


def _at(name: str, value: Any) -> time:
    # YAML 1.1 reads an unquoted 14:00 as the sexagesimal number 840: take it back as minutes.
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return time(value // 60, value % 60)
    match = _AT.match(str(value).strip())
    if match is None:
        raise ConfigError(f'{name}.at: {value!r} is not a time of day; write it as HH:MM, e.g. "14:00"')
    return time(int(match["hour"]), int(match["minute"]))


def _minutes(name: str, value: Any) -> int:
    text = str(value).strip()
    match = _DURATION.match(text) if text else None
    if match is None or not (match["hours"] or match["minutes"]):
        raise ConfigError(f"{name}.duration: {value!r} is not a duration; write e.g. 60 minutes or 1 hour")
    total = int(match["hours"] or 0) * 60 + int(match["minutes"] or 0)
    if not 5 <= total <= MAX_MINUTES:
        raise ConfigError(
            f"{name}.duration: {value!r} is out of range; use 5 minutes to {MAX_MINUTES // 60} hours"
        )
    return total


def _fields(name: str, value: Any, default: Mapping[str, str]) -> dict[str, Any] | None:
    if value is None or value is False or str(value).strip().lower() in _OFF:
        return None
    if value is True:
        return dict(default)
    if not isinstance(value, Mapping):
        keys = ", ".join(default)
        raise ConfigError(f"{name}: {value!r} is not a mapping; write {{{keys}}} or false to turn it off")
    unknown = sorted(set(map(str, value)) - set(default))
    if unknown:
        raise ConfigError(f"{name}: unknown key {unknown[0]!r}; use {', '.join(default)}")
    return {**default, **{str(key): item for key, item in value.items()}}


def parse_postmortem_meeting(name: str, value: Any) -> MeetingSpec | None:
    fields = _fields(name, value, POSTMORTEM_DEFAULT)
    if fields is None:
        return None
    count, working = _after(name, fields["after"])
    return MeetingSpec(_at(name, fields["at"]), _minutes(name, fields["duration"]), count, working)


def parse_review_meeting(name: str, value: Any) -> MeetingSpec | None:
    fields = _fields(name, value, REVIEW_DEFAULT)
    if fields is None:
        return None
    return MeetingSpec(_at(name, fields["at"]), _minutes(name, fields["duration"]))


_LOGIN = re.compile(r"^@?(?P<login>[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})$")


def login_of(text: str) -> str | None:
    """``@alice`` or ``alice`` → ``alice``; None for anything that is not a GitHub login."""
    match = _LOGIN.match(text.strip())
    return match["login"] if match else None


def parse_facilitator(name: str, value: Any) -> str:
    text = str(value or "").strip()
    if not text:
        return ""
    login = login_of(text)
    if login is None:
        raise ConfigError(f"{name}: {value!r} is not a GitHub login; write e.g. @alice")
    return login
