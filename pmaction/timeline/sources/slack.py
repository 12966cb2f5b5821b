"""Timeline entries from the incident's Slack channel: one per marked message (a thread reply too), at its
own time, with its author and permalink.

The messages were read once by the sync (``Incident.outside.slack``); this source only turns them into rows.
Keys are ``slack-<channel ID>-<ts>``: Slack's own id of a message, so an edit updates its row and a
deletion drops it. Which channel an incident has is read here too (pure): ``channel_of``.
"""

from __future__ import annotations

import re

from pmaction.incident.issueform import field_value
from pmaction.incident.model import Incident
from pmaction.slack.data import SlackMessage
from pmaction.timeline.model import Entry, Found, SourceContext
from pmaction.timeline.tags import find_tags

CHANNEL_FIELD = "Slack channel"
# Slack's markup for links and mentions: <https://x|label>, <https://x>, <#C0123|name>, <@U0123>.
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)[^>]*>")


def channel_of(body: str, default: str = "") -> str:
    """The incident's channel: the issue form's "Slack channel" field, a ``Slack channel: #name`` line of
    the body, else the config file's ``slack_channel`` ("" when none)."""
    found = field_value(body, CHANNEL_FIELD)
    return " ".join((found or default or "").split()[:1])


def plain_text(text: str) -> str:
    """Slack's mrkdwn as the page's text: links as their label (else the URL), channels as #name, and
    Slack's HTML escapes undone."""
    text = _LINK.sub(lambda m: m[2] or m[1], text)
    text = _CHANNEL.sub(lambda m: f"#{m[2] or m[1]}", text)
    text = _SPECIAL.sub(lambda m: f"@{m[1]}", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def message_entry(message: SlackMessage, order: int) -> Entry:
    text = plain_text(message.text)
    return Entry(
        key=f"slack-{message.channel}-{message.ts}",
        when=message.when,
        text=text,
        source="slack",
        author=message.author,
        url=message.permalink,
        tags=find_tags(text),
        raw=message.text,
        order=order,
    )


def entries(incident: Incident, context: SourceContext) -> Found:
    return [message_entry(message, order) for order, message in enumerate(incident.outside.slack)], []
