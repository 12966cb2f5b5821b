"""The sandbox's Slack workspace: users, channels, and messages with their reactions and threads.

Built from a scenario's ``slack:`` key, changed by the control API (``POST``/``DELETE
/_sandbox/slack/messages``), read by the Web API stand-in (``slack_api``). IDs and timestamps must fit the
patterns of Slack's published description (the pinned subset in ``openapi/``), so a scenario cannot hold
data Slack could never send.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

DEFAULT_TOKEN = "xoxb-sandbox-1"
DEFAULT_TEAM = "Sandbox"
DEFAULT_TEAM_ID = "T0SANDBOX01"
DEFAULT_BOT_USER_ID = "U0PMACTION1"
DEFAULT_BOT_ID = "B0PMACTION1"
BOT_NAME = "pmaction"

# The description's patterns (defs_user_id, defs_channel_id, defs_ts, defs_workspace_id, defs_bot_id).
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
CHANNEL_ID = re.compile(r"^C[A-Z0-9]{2,}$")
TS = re.compile(r"^\d{10}\.\d{6}$")
TEAM_ID = re.compile(r"^T[A-Z0-9]{8,}$")
BOT_ID = re.compile(r"^B[A-Z0-9]{8,}$")
CHANNEL_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")

WORKSPACE_KEYS = {"bot_token", "team", "team_id", "bot_user_id", "bot_id", "users", "channels"}
USER_KEYS = {"id", "name", "real_name", "display_name", "tz", "deleted", "is_bot"}
CHANNEL_KEYS = {
    "id", "name", "bot_member", "is_private", "is_archived", "created", "creator", "topic", "purpose",
    "messages",
}  # fmt: skip
MESSAGE_KEYS = {"ts", "user", "text", "reactions", "replies"}
REPLY_KEYS = {"ts", "user", "text", "reactions"}
REACTION_KEYS = {"name", "users", "count"}


class SlackScenarioError(ValueError):
    pass


@dataclass
class SlackUser:
    id: str
    name: str
    real_name: str
    display_name: str = ""
    tz: str = "UTC"
    deleted: bool = False
    is_bot: bool = False
    bot_id: str | None = None


@dataclass
class Reaction:
    name: str
    users: list[str]
    count: int


@dataclass
class SlackMessage:
    ts: str  # epoch seconds . microseconds: the message's id within its channel
    user: str
    text: str
    reactions: list[Reaction] = field(default_factory=list)
    thread_ts: str | None = None  # a reply: its parent's ts
    replies: list[SlackMessage] = field(default_factory=list)  # a parent: oldest first
    edited: tuple[str, str] | None = None  # (user, ts of the edit)


@dataclass
class SlackChannel:
    id: str
    name: str
    bot_member: bool
    is_private: bool
    is_archived: bool
    created: int
    creator: str
    topic: str = ""
    purpose: str = ""
    messages: list[SlackMessage] = field(default_factory=list)  # top-level, oldest first

    def find(self, ts: str) -> SlackMessage | None:
        """A top-level message or a reply by its ts."""
        for message in self.messages:
            if message.ts == ts:
                return message
            for reply in message.replies:
                if reply.ts == ts:
                    return reply
        return None

    def parent_of(self, message: SlackMessage) -> SlackMessage | None:
        if message.thread_ts is None:
            return None
        return next((m for m in self.messages if m.ts == message.thread_ts), None)


@dataclass
class SlackWorkspace:
    bot_token: str
    team: str
    team_id: str
    bot_user_id: str
    bot_id: str
    users: dict[str, SlackUser] = field(default_factory=dict)
    channels: dict[str, SlackChannel] = field(default_factory=dict)

    def visible(self, channel_id: str) -> SlackChannel | None:
        """The channel, if the bot can see it at all (a private channel only by being in it)."""
        channel = self.channels.get(channel_id)
        if channel is None or (channel.is_private and not channel.bot_member):
            return None
        return channel


def ts_of(moment: datetime) -> str:
    """Slack's ts for a moment: epoch seconds with six decimals."""
    return f"{moment.timestamp():017.6f}"


def _check(raw: Any, allowed: set[str], what: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise SlackScenarioError(f"slack {what}: each item must be a mapping")
    unknown = set(raw) - allowed
    if unknown:
        raise SlackScenarioError(f"unknown slack {what} keys: {sorted(unknown)}")
    return raw


def _id(value: Any, pattern: re.Pattern[str], what: str) -> str:
    if not isinstance(value, str) or not pattern.match(value):
        raise SlackScenarioError(f"slack {what}: {value!r} does not match {pattern.pattern}")
    return value


def check_ts(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise SlackScenarioError(
            f'slack {what}: ts {value!r} must be a string like "1772529240.000100" (quote it in YAML)'
        )
    return _id(value, TS, f"{what} ts")


def reactions_of(raw: Any, what: str) -> list[Reaction]:
    out = []
    for entry in raw or []:
        entry = _check(entry, REACTION_KEYS, f"{what} reaction")
        name = entry.get("name")
        if not isinstance(name, str) or not name or ":" in name:
            raise SlackScenarioError(f"slack {what}: a reaction name is an emoji name without colons")
        users = [_id(u, USER_ID, f"{what} reaction user") for u in entry.get("users") or []]
        if not users:
            raise SlackScenarioError(f"slack {what}: reaction {name!r} has no users")
        count = int(entry.get("count", len(users)))
        if count < len(users):
            raise SlackScenarioError(f"slack {what}: reaction {name!r} count is below its users")
        out.append(Reaction(name, users, count))
    return out


def message_of(raw: Any, allowed: set[str], what: str, thread_ts: str | None = None) -> SlackMessage:
    entry = _check(raw, allowed, what)
    ts = check_ts(entry.get("ts"), what)
    text = entry.get("text", "")
    if not isinstance(text, str):
        raise SlackScenarioError(f"slack {what} {ts}: text must be a string")
    return SlackMessage(
        ts=ts,
        user=_id(entry.get("user"), USER_ID, f"{what} {ts} user"),
        text=text,
        reactions=reactions_of(entry.get("reactions"), f"{what} {ts}"),
        thread_ts=thread_ts,
    )


def _channel(raw: Any, default_creator: str, now: datetime) -> SlackChannel:
    entry = _check(raw, CHANNEL_KEYS, "channel")
    ident = _id(entry.get("id"), CHANNEL_ID, "channel id")
    name = str(entry.get("name", "")).lstrip("#")
    if not CHANNEL_NAME.match(name):
        raise SlackScenarioError(f"slack channel {ident}: name {name!r} is not a Slack channel name")
    messages = []
    for raw_message in entry.get("messages") or []:
        message = message_of(raw_message, MESSAGE_KEYS, f"channel {ident} message")
        for raw_reply in raw_message.get("replies") or []:
            reply = message_of(raw_reply, REPLY_KEYS, f"channel {ident} reply", thread_ts=message.ts)
            if reply.ts <= message.ts:
                raise SlackScenarioError(f"slack channel {ident}: reply {reply.ts} is not after {message.ts}")
            message.replies.append(reply)
        message.replies.sort(key=lambda r: r.ts)
        messages.append(message)
    messages.sort(key=lambda m: m.ts)
    every_ts = [m.ts for m in messages] + [r.ts for m in messages for r in m.replies]
    if len(set(every_ts)) != len(every_ts):
        raise SlackScenarioError(f"slack channel {ident}: two messages share a ts (a ts is a message's id)")
    first = int(float(messages[0].ts)) if messages else int(now.timestamp())
    return SlackChannel(
        id=ident,
        name=name,
        bot_member=bool(entry.get("bot_member", True)),
        is_private=bool(entry.get("is_private", False)),
        is_archived=bool(entry.get("is_archived", False)),
        created=int(entry.get("created", min(first, int(now.timestamp())))),
        creator=_id(entry.get("creator", default_creator), USER_ID, f"channel {ident} creator"),
        topic=str(entry.get("topic", "")),
        purpose=str(entry.get("purpose", "")),
        messages=messages,
    )


def build_workspace(raw: Any, now: datetime) -> SlackWorkspace:
    """The workspace of a scenario's ``slack:`` key (omitted: an empty workspace with the default token)."""
    entry = _check(raw or {}, WORKSPACE_KEYS, "workspace")
    token = str(entry.get("bot_token", DEFAULT_TOKEN))
    if not token.startswith("xoxb-"):
        raise SlackScenarioError(f"slack bot_token {token!r}: a bot token starts with xoxb-")
    workspace = SlackWorkspace(
        bot_token=token,
        team=str(entry.get("team", DEFAULT_TEAM)),
        team_id=_id(entry.get("team_id", DEFAULT_TEAM_ID), TEAM_ID, "team_id"),
        bot_user_id=_id(entry.get("bot_user_id", DEFAULT_BOT_USER_ID), USER_ID, "bot_user_id"),
        bot_id=_id(entry.get("bot_id", DEFAULT_BOT_ID), BOT_ID, "bot_id"),
    )
    bot = SlackUser(workspace.bot_user_id, BOT_NAME, BOT_NAME, BOT_NAME, is_bot=True, bot_id=workspace.bot_id)
    workspace.users[bot.id] = bot
    for raw_user in entry.get("users") or []:
        user = _check(raw_user, USER_KEYS, "user")
        ident = _id(user.get("id"), USER_ID, "user id")
        if ident in workspace.users:
            raise SlackScenarioError(f"slack user {ident} listed twice")
        name = str(user.get("name") or "")
        if not name:
            raise SlackScenarioError(f"slack user {ident}: name is required")
        workspace.users[ident] = SlackUser(
            id=ident,
            name=name,
            real_name=str(user.get("real_name", name)),
            display_name=str(user.get("display_name", "")),
            tz=str(user.get("tz", "UTC")),
            deleted=bool(user.get("deleted", False)),
            is_bot=bool(user.get("is_bot", False)),
        )
    people = [u.id for u in workspace.users.values() if not u.is_bot]
    creator = people[0] if people else workspace.bot_user_id
    for raw_channel in entry.get("channels") or []:
        channel = _channel(raw_channel, creator, now)
        if channel.id in workspace.channels:
            raise SlackScenarioError(f"slack channel {channel.id} listed twice")
        if channel.name in {c.name for c in workspace.channels.values()}:
            raise SlackScenarioError(f"slack channel name #{channel.name} used twice")
        workspace.channels[channel.id] = channel
    return workspace


# ---- the control API: a person posts, edits or deletes a message ---------------------------------------


def _control_channel(workspace: SlackWorkspace, body: dict[str, Any]) -> SlackChannel:
    channel = workspace.channels.get(str(body.get("channel")))
    if channel is None:
        raise ValueError(f"no slack channel {body.get('channel')!r} (give its ID, e.g. C01INC)")
    return channel


def post_message(workspace: SlackWorkspace, body: dict[str, Any], now: datetime) -> tuple[SlackMessage, bool]:
    """Add a message (a reply when ``thread_ts`` is given) or edit the one with that ts.

    Returns (the message, whether it was created)."""
    channel = _control_channel(workspace, body)
    thread_ts = body.get("thread_ts")
    fields = {k: v for k, v in body.items() if k in REPLY_KEYS}
    try:
        if thread_ts is not None:
            check_ts(thread_ts, "thread_ts")
        incoming = message_of(fields, REPLY_KEYS, f"channel {channel.id} message", thread_ts=thread_ts)
    except SlackScenarioError as exc:
        raise ValueError(str(exc)) from exc
    existing = channel.find(incoming.ts)
    if existing is not None:
        if thread_ts is not None and existing.thread_ts != thread_ts:
            raise ValueError(f"message {incoming.ts} is not in the thread {thread_ts}")
        existing.user, existing.text, existing.reactions = incoming.user, incoming.text, incoming.reactions
        existing.edited = (incoming.user, ts_of(now))
        return existing, False
    if thread_ts is None:
        channel.messages.append(incoming)
        channel.messages.sort(key=lambda m: m.ts)
        return incoming, True
    parent = next((m for m in channel.messages if m.ts == thread_ts), None)
    if parent is None:
        raise ValueError(f"no top-level message {thread_ts} in {channel.id} to reply to")
    if incoming.ts <= parent.ts:
        raise ValueError(f"reply {incoming.ts} is not after its parent {parent.ts}")
    parent.replies.append(incoming)
    parent.replies.sort(key=lambda r: r.ts)
    return incoming, True


def delete_message(workspace: SlackWorkspace, body: dict[str, Any]) -> None:
    """Delete a message by its ts; a thread's parent goes with its replies."""
    channel = _control_channel(workspace, body)
    message = channel.find(str(body.get("ts")))
    if message is None:
        raise ValueError(f"no message {body.get('ts')!r} in {channel.id}")
    parent = channel.parent_of(message)
    if parent is not None:
        parent.replies.remove(message)
    else:
        channel.messages.remove(message)


# ---- /_sandbox/state -------------------------------------------------------------------------------------


def _message_state(message: SlackMessage) -> dict[str, Any]:
    data: dict[str, Any] = {
        "ts": message.ts,
        "user": message.user,
        "text": message.text,
        "reactions": [{"name": r.name, "users": list(r.users), "count": r.count} for r in message.reactions],
    }
    if message.thread_ts is not None:
        data["thread_ts"] = message.thread_ts
    else:
        data["replies"] = [_message_state(r) for r in message.replies]
    if message.edited is not None:
        data["edited"] = {"user": message.edited[0], "ts": message.edited[1]}
    return data


def snapshot(workspace: SlackWorkspace) -> dict[str, Any]:
    """The ``slack`` part of /_sandbox/state: the scenario's shape, messages oldest first."""
    return {
        "bot_token": workspace.bot_token,
        "team": workspace.team,
        "team_id": workspace.team_id,
        "bot_user_id": workspace.bot_user_id,
        "bot_id": workspace.bot_id,
        "users": [
            {
                "id": u.id,
                "name": u.name,
                "real_name": u.real_name,
                "display_name": u.display_name,
                "tz": u.tz,
                "deleted": u.deleted,
                "is_bot": u.is_bot,
            }
            for u in workspace.users.values()
        ],
        "channels": [
            {
                "id": c.id,
                "name": c.name,
                "bot_member": c.bot_member,
                "is_private": c.is_private,
                "is_archived": c.is_archived,
                "created": c.created,
                "creator": c.creator,
                "topic": c.topic,
                "purpose": c.purpose,
                "messages": [_message_state(m) for m in c.messages],
            }
            for c in workspace.channels.values()
        ],
    }
