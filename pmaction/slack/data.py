"""What pmaction reads from Slack, as plain data: no slack_sdk object leaves the edge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

DEFAULT_API_URL = "https://slack.com/api/"


@dataclass(frozen=True)
class SlackMessage:
    """One message of the incident channel (a thread reply too), as the timeline shows it."""

    channel: str  # the channel's ID (a stable part of the row's key, unlike its name)
    ts: str  # Slack's id of the message: "epoch.micro"
    author: str  # the person's display name, else their real name, else their ID
    text: str
    permalink: str | None = None
    thread_ts: str | None = None  # the parent's ts, for a reply

    @property
    def when(self) -> datetime:
        return ts_time(self.ts)


@dataclass(frozen=True)
class SlackRead:
    """What one run read from the channel, and one line saying why it could not (then no messages) or what it
    left out (links past the budget)."""

    messages: tuple[SlackMessage, ...] = ()
    problem: str | None = None


def ts_time(ts: str) -> datetime:
    return datetime.fromtimestamp(float(ts), tz=UTC)


def time_ts(when: datetime) -> str:
    """A moment as Slack's ``oldest``/``latest`` argument (seconds with six decimals)."""
    return f"{when.timestamp():.6f}"
