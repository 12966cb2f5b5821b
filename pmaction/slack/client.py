"""Reading the incident channel with the official client (slack_sdk): the messages of a time window, thread
replies included, that carry the chosen reaction, with their author's name and permalink.

Slack's 429 + Retry-After is waited out by slack_sdk's own ``RateLimitErrorRetryHandler`` while the wait fits
in ``max_wait`` (like max_wait_seconds for GitHub); every other failure becomes one ``SlackError`` line that
names the fix (slack/errors.py). The token is given to the client only: it is in no message.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pmaction.slack.data import DEFAULT_API_URL, SlackMessage, SlackRead, time_ts
from pmaction.slack.errors import SlackError, slack_step

if TYPE_CHECKING:  # slack_sdk is imported when a client is made: a run without Slack never loads it
    from slack_sdk import WebClient
    from slack_sdk.http_retry.handler import RetryHandler

ALL_MESSAGES = "*"
# A channel ID (public C…, private G…); anything else is a name, looked up through conversations.list.
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
# One incident's channel holds hundreds of messages, not tens of thousands: past this, stop reading.
MAX_MESSAGES = 2000
# chat.getPermalink is one request per marked message (Slack's tier 4, ~100 a minute): past this many a run,
# a marked message is still a row, without its link.
MAX_PERMALINKS = 100


@dataclass(frozen=True)
class SlackSettings:
    token: str = field(repr=False)
    api_url: str = DEFAULT_API_URL
    max_wait: float = 60.0  # longest Retry-After waited out
    timeout: float = 30.0


def api_url_from_env(env: Mapping[str, str] = os.environ) -> str:
    """``SLACK_API_URL`` (Slack's own by default; the sandbox's stand-in in tests and the demo), as
    slack_sdk's ``base_url`` wants it: ending in "/"."""
    url = (env.get("SLACK_API_URL") or "").strip() or DEFAULT_API_URL
    return url if url.endswith("/") else url + "/"


def capped_rate_limit_handler(max_wait: float, max_retry_count: int = 3) -> RetryHandler:
    """slack_sdk's 429 handler, but only for a Retry-After that fits in ``max_wait``: a longer one fails now
    (one line saying when to re-run) instead of holding the job."""
    from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
    from slack_sdk.http_retry.request import HttpRequest
    from slack_sdk.http_retry.response import HttpResponse
    from slack_sdk.http_retry.state import RetryState

    class CappedRateLimitHandler(RateLimitErrorRetryHandler):
        def _can_retry(
            self,
            *,
            state: RetryState,
            request: HttpRequest,
            response: HttpResponse | None = None,
            error: Exception | None = None,
        ) -> bool:
            if response is None or response.status_code != 429:
                return False
            after = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), ["1"])
            try:
                return float(after[0]) <= max_wait
            except (ValueError, IndexError):
                return True

    return CappedRateLimitHandler(max_retry_count=max_retry_count)


def _web_client(settings: SlackSettings) -> WebClient:
    from slack_sdk import WebClient

    return WebClient(
        token=settings.token,
        base_url=settings.api_url,
        timeout=max(1, round(settings.timeout)),
        retry_handlers=[capped_rate_limit_handler(settings.max_wait)],
    )


def _pages(call: Any, key: str, **args: Any) -> Iterator[dict[str, Any]]:
    """Every item of a cursor-paginated method, page after page."""
    cursor: str | None = None
    while True:
        page = call(cursor=cursor, **args) if cursor else call(**args)
        yield from page.get(key) or []
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return


def _marked(message: dict[str, Any], reaction: str) -> bool:
    if reaction == ALL_MESSAGES:
        return True
    return any(r.get("name") == reaction and r.get("count", 1) > 0 for r in message.get("reactions") or [])


class ChannelReader:
    """One channel read for one run: names and user names are looked up once."""

    def __init__(self, settings: SlackSettings, channel: str) -> None:
        if not settings.api_url.startswith(("https://", "http://")):
            raise SlackError(
                f"SLACK_API_URL {settings.api_url!r} is not an http(s) URL: unset it to use {DEFAULT_API_URL}"
            )
        self.web = _web_client(settings)
        self.given = channel.strip()
        self.shown = self.given if _CHANNEL_ID.match(self.given) else "#" + self.given.lstrip("#")
        self._names: dict[str, str] = {}
        self.permalinks = 0  # chat.getPermalink requests this run (at most MAX_PERMALINKS)
        self.unlinked = 0  # marked messages past that budget: rows without a link

    def channel_id(self) -> str:
        if _CHANNEL_ID.match(self.given):
            return self.given
        name = self.given.lstrip("#")
        with slack_step(f"find the Slack channel {self.shown}", self.shown):
            for channel in _pages(
                self.web.conversations_list, "channels", types="public_channel,private_channel", limit=200
            ):
                if channel.get("name") == name:
                    return str(channel["id"])
        raise SlackError(
            f"The Slack channel {self.shown} was not found: check the Slack channel of the incident "
            "(a #name or an ID like C0123ABCD) and, for a private channel, invite the pmaction bot to it"
        )

    def _author(self, user: str | None) -> str:
        if not user:
            return "unknown"
        if user not in self._names:
            with slack_step("read a Slack user's name", self.shown):
                found = self.web.users_info(user=user)["user"]
            profile = found.get("profile") or {}
            self._names[user] = (
                profile.get("display_name") or found.get("real_name") or found.get("name") or user
            )
        return self._names[user]

    def _thread(self, channel: str, parent: dict[str, Any], oldest: str, latest: str) -> list[dict[str, Any]]:
        args = {"channel": channel, "ts": parent["ts"], "oldest": oldest, "latest": latest, "inclusive": True}
        replies = list(_pages(self.web.conversations_replies, "messages", limit=200, **args))
        return [reply for reply in replies if reply.get("ts") != parent["ts"]]

    def _raw(self, channel: str, oldest: str, latest: str) -> list[dict[str, Any]]:
        """Top-level messages of the window and every thread reply in it, oldest first."""
        args = {"channel": channel, "oldest": oldest, "latest": latest, "inclusive": True}
        found: list[dict[str, Any]] = []
        for message in _pages(self.web.conversations_history, "messages", limit=200, **args):
            found.append(message)
            if message.get("reply_count"):
                found.extend(self._thread(channel, message, oldest, latest))
            if len(found) >= MAX_MESSAGES:
                break
        return sorted(found, key=lambda m: float(m["ts"]))

    def _permalink(self, channel: str, ts: str) -> str | None:
        if self.permalinks >= MAX_PERMALINKS:
            self.unlinked += 1
            return None
        self.permalinks += 1
        with slack_step("read a Slack message's link", self.shown):
            found = self.web.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
        return str(found) if found else None

    def _message(self, channel: str, raw: dict[str, Any]) -> SlackMessage:
        permalink = self._permalink(channel, str(raw["ts"]))
        thread = raw.get("thread_ts")
        return SlackMessage(
            channel=channel,
            ts=str(raw["ts"]),
            author=self._author(raw.get("user")),
            text=str(raw.get("text") or ""),
            permalink=permalink,
            thread_ts=str(thread) if thread and thread != raw["ts"] else None,
        )

    def read(self, oldest: datetime, latest: datetime, reaction: str) -> tuple[SlackMessage, ...]:
        channel = self.channel_id()
        with slack_step(f"read the Slack channel {self.shown}", self.shown):
            raw = self._raw(channel, time_ts(oldest), time_ts(latest))
        return tuple(self._message(channel, m) for m in raw if _marked(m, reaction))


def read_channel(
    settings: SlackSettings, channel: str, oldest: datetime, latest: datetime, reaction: str
) -> SlackRead:
    """The channel's marked messages from ``oldest`` to ``latest``; a failure is the read's one ``problem``
    line (the rest of the sync goes on without Slack rows)."""
    try:
        reader = ChannelReader(settings, channel)
        messages = reader.read(oldest, latest, reaction)
    except SlackError as exc:
        return SlackRead(problem=str(exc))
    problem = None
    if reader.unlinked:
        problem = (
            f"{reader.unlinked} marked Slack message(s) of {reader.shown} are rows without their link: "
            f"pmaction asks Slack for at most {MAX_PERMALINKS} links a run; mark fewer messages"
        )
    return SlackRead(messages, problem=problem)
