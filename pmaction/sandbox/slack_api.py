"""The Slack Web API stand-in: the methods an incident timeline reads, with Slack's shapes and errors.

Served under ``/slack/api/`` on the sandbox's port (``slack_api_url``, what slack_sdk takes as
``base_url``). Like Slack: every method takes GET query arguments or a POST form or JSON body; the token
comes as ``Authorization: Bearer xoxb-...`` (or a ``token`` argument); an error is HTTP 200 with
``{"ok": false, "error": "..."}``, except an unknown method (404) and rate limits (429 + Retry-After, from
an injected fault). ``dispatch`` is pure with respect to HTTP; the server does sockets, faults and logging.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pmaction.sandbox.faults import Fault
from pmaction.sandbox.slack_state import SlackChannel, SlackMessage, SlackUser, SlackWorkspace

SLACK_PREFIX = "/slack/api"
ROUTE_PREFIX = "slack:"  # request log and faults: "slack:conversations.history"
RATE_LIMIT_KINDS = {"too_many", "secondary_limit", "primary_limit"}


class SlackError(Exception):
    def __init__(self, error: str, status: int = 200, **extra: Any) -> None:
        super().__init__(error)
        self.error, self.status, self.extra = error, status, extra


@dataclass(frozen=True)
class SlackRequest:
    method: str  # Web API method, e.g. conversations.history
    args: dict[str, str]  # query and body arguments together (the body wins)
    authorization: str | None  # the Authorization header
    server_url: str  # http://127.0.0.1:PORT, from the request's Host
    now: datetime


Handler = Callable[[SlackWorkspace, SlackRequest], dict[str, Any]]
METHODS: dict[str, Handler] = {}


def method(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        METHODS[name] = fn
        return fn

    return register


def route_of(name: str) -> str | None:
    """The route a request to Web API method ``name`` is logged and faulted under (None: no such method)."""
    return ROUTE_PREFIX + name if name in METHODS else None


# ---------------------------------------------------------------- the wire


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def parse_arguments(query: str, body: bytes, content_type: str) -> tuple[dict[str, str], Any]:
    """(arguments, the body as logged): query arguments, then a form or JSON body's (which win)."""
    args = dict(parse_qsl(query, keep_blank_values=True))
    if not body.strip():
        return args, None
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json":
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise SlackError("invalid_json") from exc
        if not isinstance(data, dict):
            raise SlackError("json_not_object")
        args.update({k: _scalar(v) for k, v in data.items() if v is not None})
        return args, data
    if kind in ("", "application/x-www-form-urlencoded"):
        try:
            form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True))
        except (ValueError, UnicodeDecodeError) as exc:
            raise SlackError("invalid_form_data") from exc
        args.update(form)
        return args, form
    raise SlackError("invalid_form_data")


def dispatch(workspace: SlackWorkspace, req: SlackRequest) -> tuple[int, dict[str, Any]]:
    """Answer one Web API call: (HTTP status, body)."""
    handler = METHODS.get(req.method)
    try:
        if handler is None:
            raise SlackError("unknown_method", 404, req_method=req.method)
        token = None
        if req.authorization:
            scheme, _, value = req.authorization.strip().partition(" ")
            token = value.strip() if scheme.lower() == "bearer" else None
        token = token or req.args.get("token") or None
        if token is None:
            raise SlackError("not_authed")
        if token != workspace.bot_token:
            raise SlackError("invalid_auth")
        return 200, {"ok": True, **handler(workspace, req)}
    except SlackError as exc:
        return exc.status, {"ok": False, "error": exc.error, **exc.extra}


def fault_answer(fault: Fault) -> tuple[int, dict[str, str], dict[str, Any]] | None:
    """How Slack answers an injected fault: one rate limit for every rate-limit kind, JSON errors."""
    if fault.kind in RATE_LIMIT_KINDS:
        return 429, {"Retry-After": str(fault.retry_after)}, {"ok": False, "error": "ratelimited"}
    if fault.kind == "status":
        return fault.status, {}, {"ok": False, "error": "fatal_error"}
    return None


# ---------------------------------------------------------------- arguments


def _flag(req: SlackRequest, name: str, default: bool = False) -> bool:
    value = req.args.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes")


def _limit(req: SlackRequest, default: int, maximum: int) -> int:
    try:
        value = int(req.args.get("limit") or 0)
    except ValueError:
        return default
    return default if value <= 0 else min(value, maximum)


def _ts_arg(req: SlackRequest, name: str, error: str) -> Decimal | None:
    raw = req.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise SlackError(error) from exc
    if not value.is_finite() or value < 0:
        raise SlackError(error)
    return value


def _in_range(req: SlackRequest) -> Callable[[str], bool]:
    """oldest < ts < latest; `inclusive` makes both ends count (only when a bound is given)."""
    oldest = _ts_arg(req, "oldest", "invalid_ts_oldest")
    latest = _ts_arg(req, "latest", "invalid_ts_latest")
    inclusive = _flag(req, "inclusive")

    def inside(ts: str) -> bool:
        value = Decimal(ts)
        if oldest is not None and (value < oldest or (value == oldest and not inclusive)):
            return False
        return not (latest is not None and (value > latest or (value == latest and not inclusive)))

    return inside


def _cursor(req: SlackRequest, prefix: str) -> str | None:
    raw = req.args.get("cursor")
    if not raw:
        return None
    try:
        decoded = base64.b64decode(raw, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise SlackError("invalid_cursor") from exc
    if not decoded.startswith(prefix):
        raise SlackError("invalid_cursor")
    return decoded[len(prefix) :]


def _next_cursor(prefix: str, value: str) -> str:
    return base64.b64encode(f"{prefix}{value}".encode()).decode()


def _ts_digits(ts: str) -> str:
    return ts.replace(".", "")


def _digits_ts(digits: str) -> str:
    if not digits.isdigit() or len(digits) != 16:
        raise SlackError("invalid_cursor")
    return f"{digits[:10]}.{digits[10:]}"


def _channel(workspace: SlackWorkspace, req: SlackRequest, member: bool = False) -> SlackChannel:
    channel = workspace.visible(req.args.get("channel", ""))
    if channel is None:
        raise SlackError("channel_not_found")
    if member and not channel.bot_member:
        raise SlackError("not_in_channel")
    return channel


# ---------------------------------------------------------------- shapes


def workspace_url(server_url: str) -> str:
    return f"{server_url}/slack/"


def permalink(server_url: str, channel: SlackChannel, message: SlackMessage) -> str:
    link = f"{server_url}/slack/archives/{channel.id}/p{_ts_digits(message.ts)}"
    if message.thread_ts is not None:
        link += f"?thread_ts={message.thread_ts}&cid={channel.id}"
    return link


def _reactions(message: SlackMessage) -> dict[str, Any]:
    if not message.reactions:
        return {}
    shaped = [{"name": r.name, "users": list(r.users), "count": r.count} for r in message.reactions]
    return {"reactions": shaped}


def _edited(message: SlackMessage) -> dict[str, Any]:
    return {"edited": {"user": message.edited[0], "ts": message.edited[1]}} if message.edited else {}


def message_shape(workspace: SlackWorkspace, message: SlackMessage) -> dict[str, Any]:
    """A message as conversations.history (top level) or conversations.replies shows it."""
    data: dict[str, Any] = {
        "type": "message",
        "user": message.user,
        "text": message.text,
        "ts": message.ts,
        "team": workspace.team_id,
        **_edited(message),
        **_reactions(message),
    }
    if message.thread_ts is not None:  # a reply (only conversations.replies shows them)
        data["thread_ts"] = message.thread_ts
        return data
    if message.replies:
        users = list(dict.fromkeys(r.user for r in message.replies))
        data.update(
            thread_ts=message.ts,
            reply_count=len(message.replies),
            reply_users_count=len(users),
            reply_users=users,
            latest_reply=message.replies[-1].ts,
            subscribed=False,
        )
    return data


def _reply_shape(workspace: SlackWorkspace, parent: SlackMessage, reply: SlackMessage) -> dict[str, Any]:
    data = message_shape(workspace, reply)
    data["parent_user_id"] = parent.user
    return data


def conversation(workspace: SlackWorkspace, channel: SlackChannel, num_members: bool) -> dict[str, Any]:
    def about(value: str) -> dict[str, Any]:
        # The description allows a creator only as a long user ID or "": the stand-in says "".
        return {"value": value, "creator": "", "last_set": channel.created if value else 0}

    data: dict[str, Any] = {
        "id": channel.id,
        "name": channel.name,
        "is_channel": True,
        "is_group": False,
        "is_im": False,
        "is_mpim": False,
        "is_private": channel.is_private,
        "created": channel.created,
        "is_archived": channel.is_archived,
        "is_general": False,
        "unlinked": 0,
        "name_normalized": channel.name,
        "is_shared": False,
        "is_org_shared": False,
        "is_pending_ext_shared": False,
        "pending_shared": [],
        "parent_conversation": None,
        "creator": channel.creator,
        "is_ext_shared": False,
        "shared_team_ids": [workspace.team_id],
        "pending_connected_team_ids": [],
        "is_member": channel.bot_member,
        "topic": about(channel.topic),
        "purpose": about(channel.purpose),
        "previous_names": [],
    }
    if num_members:
        people = [u for u in workspace.users.values() if not u.is_bot and not u.deleted]
        data["num_members"] = len(people) + (1 if channel.bot_member else 0)
    return data


def _tz(user: SlackUser, now: datetime) -> tuple[str, str, int]:
    try:
        zone = ZoneInfo(user.tz)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = now.astimezone(zone)
    offset = local.utcoffset()
    return user.tz, local.tzname() or user.tz, int(offset.total_seconds()) if offset else 0


def user_shape(workspace: SlackWorkspace, user: SlackUser, server_url: str, now: datetime) -> dict[str, Any]:
    avatar = f"{server_url}/slack/avatars/{user.id}"
    tz, tz_label, tz_offset = _tz(user, now)
    profile: dict[str, Any] = {
        "title": "",
        "phone": "",
        "skype": "",
        "real_name": user.real_name,
        "real_name_normalized": user.real_name,
        "display_name": user.display_name,
        "display_name_normalized": user.display_name,
        "fields": None,
        "status_text": "",
        "status_emoji": "",
        "status_expiration": 0,
        "avatar_hash": hashlib.sha1(user.id.encode()).hexdigest()[:12],
        "first_name": user.real_name.split(" ")[0] if user.real_name else "",
        "last_name": " ".join(user.real_name.split(" ")[1:]),
        "image_24": f"{avatar}_24.png",
        "image_32": f"{avatar}_32.png",
        "image_48": f"{avatar}_48.png",
        "image_72": f"{avatar}_72.png",
        "image_192": f"{avatar}_192.png",
        "image_512": f"{avatar}_512.png",
        "team": workspace.team_id,
    }
    if user.bot_id:
        profile.update(bot_id=user.bot_id, always_active=True)
    return {
        "id": user.id,
        "team_id": workspace.team_id,
        "name": user.name,
        "deleted": user.deleted,
        "color": "9f69e7",
        "real_name": user.real_name,
        "tz": tz,
        "tz_label": tz_label,
        "tz_offset": tz_offset,
        "profile": profile,
        "is_admin": False,
        "is_owner": False,
        "is_primary_owner": False,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": user.is_bot,
        "is_app_user": False,
        "updated": 1700000000,
    }


# ---------------------------------------------------------------- methods


@method("auth.test")
def auth_test(workspace: SlackWorkspace, req: SlackRequest) -> dict[str, Any]:
    return {
        "url": workspace_url(req.server_url),
        "team": workspace.team,
        "user": workspace.users[workspace.bot_user_id].name,
        "team_id": workspace.team_id,
        "user_id": workspace.bot_user_id,
        "bot_id": workspace.bot_id,
        "is_enterprise_install": False,
    }


@method("conversations.list")
def conversations_list(workspace: SlackWorkspace, req: SlackRequest) -> dict[str, Any]:
    types = {t.strip() for t in (req.args.get("types") or "public_channel").split(",") if t.strip()}
    wanted = [
        c
        for c in workspace.channels.values()
        if workspace.visible(c.id) is not None
        and ("private_channel" if c.is_private else "public_channel") in types
        and not (c.is_archived and _flag(req, "exclude_archived"))
    ]
    start = _cursor(req, "next_id:")
    if start is not None:
        ids = [c.id for c in wanted]
        if start not in ids:
            raise SlackError("invalid_cursor")
        wanted = wanted[ids.index(start) :]
    limit = _limit(req, 100, 1000)
    page, rest = wanted[:limit], wanted[limit:]
    return {
        "channels": [conversation(workspace, c, num_members=True) for c in page],
        "response_metadata": {"next_cursor": _next_cursor("next_id:", rest[0].id) if rest else ""},
    }


@method("conversations.info")
def conversations_info(workspace: SlackWorkspace, req: SlackRequest) -> dict[str, Any]:
    channel = _channel(workspace, req)
    return {"channel": conversation(workspace, channel, num_members=_flag(req, "include_num_members"))}


@method("conversations.history")
def conversations_history(workspace: SlackWorkspace, req: SlackRequest) -> dict[str, Any]:
    channel = _channel(workspace, req, member=True)
    inside = _in_range(req)
    messages = [m for m in reversed(channel.messages) if inside(m.ts)]  # newest first
    before = _cursor(req, "next_ts:")
    if before is not None:
        edge = _digits_ts(before)
        messages = [m for m in messages if m.ts <= edge]
    limit = _limit(req, 100, 999)
    page, rest = messages[:limit], messages[limit:]
    body: dict[str, Any] = {
        "messages": [message_shape(workspace, m) for m in page],
        "has_more": bool(rest),
        "pin_count": 0,
        "channel_actions_ts": None,
        "channel_actions_count": 0,
    }
    if rest:
        body["response_metadata"] = {"next_cursor": _next_cursor("next_ts:", _ts_digits(rest[0].ts))}
    return body


@method("conversations.replies")
def conversations_replies(workspace: SlackWorkspace, req: SlackRequest) -> dict[str, Any]:
    channel = _channel(workspace, req, member=True)
    ts = req.args.get("ts") or ""
    found = channel.find(ts)
    if found is None:
        raise SlackError("thread_not_found")
    parent = channel.parent_of(found) or found  # the ts of any message in a thread names the thread
    inside = _in_range(req)
    replies = [r for r in parent.replies if inside(r.ts)]
    after = _cursor(req, "next_ts:")
    if after is not None:
        edge = _digits_ts(after)
        replies = [r for r in replies if r.ts >= edge]
    limit = _limit(req, 1000, 1000)
    page, rest = replies[:limit], replies[limit:]
    # The parent comes first on every page; `limit` counts the replies.
    body: dict[str, Any] = {
        "messages": [message_shape(workspace, parent), *(_reply_shape(workspace, parent, r) for r in page)],
        "has_more": bool(rest),
    }
    if rest:
        body["response_metadata"] = {"next_cursor": _next_cursor("next_ts:", _ts_digits(rest[0].ts))}
    return body


@method("users.info")
def users_info(workspace: SlackWorkspace, req: SlackRequest) -> dict[str, Any]:
    user = workspace.users.get(req.args.get("user", ""))
    if user is None:
        raise SlackError("user_not_found")
    return {"user": user_shape(workspace, user, req.server_url, req.now)}


@method("chat.getPermalink")
def chat_get_permalink(workspace: SlackWorkspace, req: SlackRequest) -> dict[str, Any]:
    channel = _channel(workspace, req)
    message = channel.find(req.args.get("message_ts", ""))
    if message is None:
        raise SlackError("message_not_found")
    return {"channel": channel.id, "permalink": permalink(req.server_url, channel, message)}
