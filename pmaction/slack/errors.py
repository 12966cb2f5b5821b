"""Slack's failures as one line each that names the fix. Slack's own text is not repeated: only its error
code (``invalid_auth``), so no message can carry the token or a request."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from pmaction.errors import PmactionError

_SCOPES = "channels:history, groups:history, channels:read, groups:read and users:read"
_BAD_TOKEN = frozenset(
    {"not_authed", "invalid_auth", "token_revoked", "token_expired", "account_inactive", "no_permission"}
)


class SlackError(PmactionError):
    def __init__(self, message: str) -> None:
        super().__init__(message, title="pmaction: Slack")


def _api_message(error: str, action: str, channel: str) -> str:
    if error in _BAD_TOKEN:
        return (
            f"Slack refused the token while trying to {action} ({error}): put a valid bot token (xoxb-…) of "
            "your Slack app in a secret and pass it as slack_token"
        )
    if error == "not_in_channel":
        return (
            f"The pmaction Slack bot is not in {channel}, so it cannot read it: invite it there "
            "(/invite @your-app in the channel) and re-run"
        )
    if error in ("channel_not_found", "thread_not_found", "message_not_found"):
        return (
            f"Slack does not know {channel} ({error}): check the incident's Slack channel (a #name or an ID "
            "like C0123ABCD) and, for a private channel, invite the pmaction bot to it"
        )
    if error == "missing_scope":
        return f"The Slack token may not {action} (missing_scope): give the Slack app the scopes {_SCOPES}"
    if error == "ratelimited":
        return (
            f"Slack rate-limited pmaction while trying to {action} for longer than max_wait_seconds: "
            "re-run later"
        )
    return (
        f"Slack answered {error} while trying to {action}: re-run the job; if it persists check "
        "status.slack.com"
    )


@contextlib.contextmanager
def slack_step(action: str, channel: str) -> Iterator[None]:
    """Translate slack_sdk's and the transport's failures during ``action`` into one ``SlackError``."""
    # Imported here: a run without Slack never loads slack_sdk (client.py makes the client the same way).
    from slack_sdk.errors import SlackApiError, SlackClientError

    try:
        yield
    except SlackApiError as exc:
        error = str((exc.response.get("error") if exc.response is not None else None) or "an error")
        raise SlackError(_api_message(error, action, channel)) from None
    except (SlackClientError, OSError, ValueError) as exc:  # URLError and timeouts are OSErrors
        raise SlackError(
            f"Could not reach Slack while trying to {action} ({type(exc).__name__}): check SLACK_API_URL "
            "and the runner's network, then re-run"
        ) from None
