"""The Slack Web API stand-in, driven by the official client (slack_sdk) unmodified: shapes, arguments,
pagination, errors, rate limits and the control API. Every exchange is checked against Slack's published
description (the pinned subset) at fixture teardown, like the GitHub ones."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import builtin_handlers
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from pmaction.sandbox import Sandbox, conformance
from pmaction.sandbox.conformance import ConformanceError, validate_log, validate_slack_exchange
from pmaction.sandbox.scenario import ScenarioError

TOKEN = "xoxb-sandbox-1"
INC = "C01INC"
DECLARED = "1772529240.000100"
PAGED = "1772529300.000200"
# The contract's example, plus a busier history, a channel the bot is not in, a private and an archived one.
SCENARIO: dict[str, Any] = {
    "now": "2026-03-03T10:00:00Z",
    "wiki": "missing",
    "slack": {
        "bot_token": TOKEN,
        "users": [
            {"id": "U01ALICE", "name": "alice", "real_name": "Alice Ng"},
            {"id": "U02BOB", "name": "bob", "real_name": "Bob Oyelaran", "tz": "Europe/Berlin"},
        ],
        "channels": [
            {
                "id": INC,
                "name": "inc-checkout",
                "bot_member": True,
                "messages": [
                    {
                        "ts": DECLARED,
                        "user": "U01ALICE",
                        "text": "Declaring an incident: checkout confirmations are late",
                        "reactions": [{"name": "pushpin", "users": ["U01ALICE"]}],
                        "replies": [
                            {"ts": PAGED, "user": "U01ALICE", "text": "paging payments on-call"},
                            {
                                "ts": "1772529360.000300",
                                "user": "U02BOB",
                                "text": "on it",
                                "reactions": [{"name": "eyes", "users": ["U01ALICE", "U02BOB"]}],
                            },
                        ],
                    },
                    {"ts": "1772529420.000400", "user": "U02BOB", "text": "queue depth is 40k"},
                    {"ts": "1772529480.000500", "user": "U02BOB", "text": "rolled back 1.2.0"},
                    {"ts": "1772529540.000600", "user": "U01ALICE", "text": "confirmations flowing again"},
                ],
            },
            {"id": "C02RANDOM", "name": "random", "bot_member": False},
            {"id": "C03SECRET", "name": "inc-secret", "is_private": True, "bot_member": True},
            {"id": "C04HIDDEN", "name": "hr-private", "is_private": True, "bot_member": False},
            {"id": "C05OLD", "name": "inc-2025-outage", "is_archived": True},
        ],
    },
}


@pytest.fixture
def sb(sandbox: Any) -> Sandbox:
    started: Sandbox = sandbox(copy.deepcopy(SCENARIO))
    return started


def client(sb: Sandbox, token: str = TOKEN, **kw: Any) -> WebClient:
    return WebClient(token=token, base_url=sb.slack_api_url, **kw)


def texts(messages: list[dict[str, Any]]) -> list[str]:
    return [m["text"] for m in messages]


def error_of(call: Any) -> str:
    with pytest.raises(SlackApiError) as raised:
        call()
    error: str = raised.value.response["error"]
    return error


# ---- where it is -------------------------------------------------------------------------------------------


def test_the_stand_in_is_on_the_sandbox_port_under_slack_api(sb: Sandbox) -> None:
    assert sb.slack_api_url == sb.server_url + "/slack/api/"
    assert sb.info()["slack_api_url"] == sb.slack_api_url
    listed = requests.get(sb.control_url, timeout=5).json()
    assert listed["slack_api_url"] == sb.slack_api_url and listed["slack_token"] == TOKEN == sb.slack_token


def test_auth_test_names_the_bot_and_its_workspace(sb: Sandbox) -> None:
    who = client(sb).auth_test()
    assert who["ok"] is True
    assert (who["user"], who["user_id"], who["bot_id"], who["team_id"]) == (
        "pmaction",
        "U0PMACTION1",
        "B0PMACTION1",
        "T0SANDBOX01",
    )
    assert who["url"] == sb.server_url + "/slack/"
    entry = sb.requests()[-1]
    assert (entry["kind"], entry["route"], entry["method"]) == ("slack", "slack:auth.test", "POST")


def test_a_channel_name_resolves_through_conversations_list_page_by_page(sb: Sandbox) -> None:
    web = client(sb)
    found, pages, cursor = {}, 0, None
    while True:
        page = web.conversations_list(limit=1, cursor=cursor)
        pages += 1
        found.update({c["name"]: c for c in page["channels"]})
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert pages == 3  # public channels only, by default
    assert set(found) == {"inc-checkout", "random", "inc-2025-outage"}
    assert found["inc-checkout"]["id"] == INC and found["inc-checkout"]["is_member"] is True
    assert found["random"]["is_member"] is False
    everything = web.conversations_list(types="public_channel,private_channel", exclude_archived=True)
    # A private channel shows only to its members; archived ones are left out on request.
    assert {c["name"] for c in everything["channels"]} == {"inc-checkout", "random", "inc-secret"}


def test_conversations_info_describes_one_channel(sb: Sandbox) -> None:
    channel = client(sb).conversations_info(channel=INC, include_num_members=True)["channel"]
    assert (channel["id"], channel["name"], channel["is_private"], channel["num_members"]) == (
        INC,
        "inc-checkout",
        False,
        3,
    )
    assert channel["created"] == int(float(DECLARED))


def test_history_is_top_level_newest_first_with_thread_parents_marked(sb: Sandbox) -> None:
    history = client(sb).conversations_history(channel=INC)
    assert history["has_more"] is False and "response_metadata" not in history.data
    assert texts(history["messages"]) == [
        "confirmations flowing again",
        "rolled back 1.2.0",
        "queue depth is 40k",
        "Declaring an incident: checkout confirmations are late",
    ]
    parent = history["messages"][-1]
    assert parent["ts"] == parent["thread_ts"] == DECLARED and parent["type"] == "message"
    assert (parent["reply_count"], parent["reply_users"], parent["latest_reply"]) == (
        2,
        ["U01ALICE", "U02BOB"],
        "1772529360.000300",
    )
    assert parent["reactions"] == [{"name": "pushpin", "users": ["U01ALICE"], "count": 1}]
    assert "thread_ts" not in history["messages"][0] and "reactions" not in history["messages"][0]


def test_oldest_and_latest_bound_the_history_exclusively_unless_inclusive(sb: Sandbox) -> None:
    web = client(sb)
    bounds = {"oldest": "1772529420.000400", "latest": "1772529540.000600"}
    assert texts(web.conversations_history(channel=INC, **bounds)["messages"]) == ["rolled back 1.2.0"]
    assert texts(web.conversations_history(channel=INC, inclusive=True, **bounds)["messages"]) == [
        "confirmations flowing again",
        "rolled back 1.2.0",
        "queue depth is 40k",
    ]
    assert texts(web.conversations_history(channel=INC, oldest="1772529480")["messages"]) == [
        "confirmations flowing again",
        "rolled back 1.2.0",
    ]


def test_history_pages_with_cursors_and_slack_sdk_iterates_them(sb: Sandbox) -> None:
    web = client(sb)
    first = web.conversations_history(channel=INC, limit=3)
    assert first["has_more"] is True and len(first["messages"]) == 3
    cursor = first["response_metadata"]["next_cursor"]
    second = web.conversations_history(channel=INC, limit=3, cursor=cursor)
    assert second["has_more"] is False and texts(second["messages"]) == [
        "Declaring an incident: checkout confirmations are late"
    ]
    pages = [texts(page["messages"]) for page in web.conversations_history(channel=INC, limit=2)]
    assert pages == [
        ["confirmations flowing again", "rolled back 1.2.0"],
        ["queue depth is 40k", "Declaring an incident: checkout confirmations are late"],
    ]
    # The cursor keeps the range: oldest still applies on the next page.
    bounded = [
        texts(p["messages"]) for p in web.conversations_history(channel=INC, limit=1, oldest="1772529420")
    ]
    assert bounded == [["confirmations flowing again"], ["rolled back 1.2.0"], ["queue depth is 40k"]]


def test_replies_come_parent_first_for_the_parent_or_any_reply(sb: Sandbox) -> None:
    web = client(sb)
    thread = web.conversations_replies(channel=INC, ts=DECLARED)
    assert texts(thread["messages"]) == [
        "Declaring an incident: checkout confirmations are late",
        "paging payments on-call",
        "on it",
    ]
    reply = thread["messages"][2]
    assert (reply["thread_ts"], reply["parent_user_id"]) == (DECLARED, "U01ALICE")
    assert reply["reactions"] == [{"name": "eyes", "users": ["U01ALICE", "U02BOB"], "count": 2}]
    assert web.conversations_replies(channel=INC, ts=PAGED)["messages"] == thread["messages"]
    lone = web.conversations_replies(channel=INC, ts="1772529420.000400")["messages"]
    assert texts(lone) == ["queue depth is 40k"] and "thread_ts" not in lone[0]


def test_replies_page_with_the_parent_on_every_page(sb: Sandbox) -> None:
    pages = [
        texts(p["messages"]) for p in client(sb).conversations_replies(channel=INC, ts=DECLARED, limit=1)
    ]
    parent = "Declaring an incident: checkout confirmations are late"
    assert pages == [[parent, "paging payments on-call"], [parent, "on it"]]
    later = client(sb).conversations_replies(channel=INC, ts=DECLARED, oldest=PAGED)
    assert texts(later["messages"]) == [parent, "on it"]


def test_users_info_and_permalinks(sb: Sandbox) -> None:
    web = client(sb)
    bob = web.users_info(user="U02BOB")["user"]
    assert (bob["name"], bob["real_name"], bob["profile"]["real_name"], bob["is_bot"]) == (
        "bob",
        "Bob Oyelaran",
        "Bob Oyelaran",
        False,
    )
    assert bob["tz"] == "Europe/Berlin" and bob["tz_offset"] == 3600
    assert web.users_info(user="U0PMACTION1")["user"]["is_bot"] is True
    top = web.chat_getPermalink(channel=INC, message_ts=DECLARED)
    assert top["permalink"] == f"{sb.server_url}/slack/archives/{INC}/p1772529240000100"
    reply = web.chat_getPermalink(channel=INC, message_ts=PAGED)["permalink"]
    assert reply == f"{sb.server_url}/slack/archives/{INC}/p1772529300000200?thread_ts={DECLARED}&cid={INC}"


# ---- errors ------------------------------------------------------------------------------------------------


def test_each_error_is_slacks(sb: Sandbox) -> None:
    web = client(sb)
    assert error_of(lambda: client(sb, token="xoxb-someone-else").auth_test()) == "invalid_auth"
    assert error_of(lambda: web.conversations_history(channel="C99NOPE")) == "channel_not_found"
    assert error_of(lambda: web.conversations_info(channel="C04HIDDEN")) == "channel_not_found"  # private
    assert error_of(lambda: web.conversations_history(channel="C02RANDOM")) == "not_in_channel"
    assert error_of(lambda: web.conversations_replies(channel="C02RANDOM", ts=DECLARED)) == "not_in_channel"
    assert (
        error_of(lambda: web.conversations_replies(channel=INC, ts="1772529999.000000")) == "thread_not_found"
    )
    assert error_of(lambda: web.conversations_history(channel=INC, cursor="bm9wZQ==")) == "invalid_cursor"
    assert error_of(lambda: web.users_info(user="U99NOBODY")) == "user_not_found"
    assert error_of(lambda: web.chat_getPermalink(channel=INC, message_ts="1772520000.000000")) == (
        "message_not_found"
    )
    # A public channel the bot is not in can still be described.
    assert web.conversations_info(channel="C02RANDOM")["channel"]["is_member"] is False
    # A private channel the bot is in reads like any other; an empty history is an empty list.
    assert web.conversations_history(channel="C03SECRET")["messages"] == []


def test_errors_are_http_200_and_no_token_is_not_authed(sb: Sandbox) -> None:
    answer = requests.post(sb.slack_api_url + "auth.test", timeout=5)
    assert (answer.status_code, answer.json()) == (200, {"ok": False, "error": "not_authed"})
    wrong = requests.post(sb.slack_api_url + "auth.test", data={"token": "xoxb-nope"}, timeout=5)
    assert (wrong.status_code, wrong.json()) == (200, {"ok": False, "error": "invalid_auth"})
    assert answer.headers["Content-Type"].startswith("application/json")


def test_a_bad_timestamp_is_slacks_error_and_a_bad_request_to_the_description(sandbox: Any) -> None:
    sb = sandbox(copy.deepcopy(SCENARIO), conformance=False)  # the client sends a non-number on purpose
    web = client(sb)
    assert error_of(lambda: web.conversations_history(channel=INC, oldest="yesterday")) == "invalid_ts_oldest"
    assert error_of(lambda: web.conversations_replies(channel=INC, ts=DECLARED, latest="soon")) == (
        "invalid_ts_latest"
    )
    problems = validate_log(sb.requests(bodies=True))
    assert len(problems) == 2 and all("request" in p for p in problems)


def test_an_unknown_method_is_a_404_and_not_in_the_description(sandbox: Any) -> None:
    sb = sandbox(copy.deepcopy(SCENARIO), conformance=False)  # an unknown method is what the check reports
    answer = requests.post(
        sb.slack_api_url + "chat.postMessage", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5
    )
    assert answer.status_code == 404 and answer.json()["error"] == "unknown_method"
    problems = validate_log(sb.requests(bodies=True))
    assert len(problems) == 1 and "no such method in the pinned Slack description subset" in problems[0]


# ---- rate limits and faults --------------------------------------------------------------------------------


HISTORY = "slack:conversations.history"


def test_a_429_carries_retry_after_and_slack_sdk_honours_it(
    sb: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(builtin_handlers.time, "sleep", slept.append)  # record the wait instead of waiting
    sb.add_faults([{"method": "*", "route": HISTORY, "kind": "too_many", "retry_after": 3}])
    web = client(sb, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
    history = web.conversations_history(channel=INC, limit=1)
    assert texts(history["messages"]) == ["confirmations flowing again"]
    assert len(slept) == 1 and 3 <= slept[0] < 4  # Retry-After seconds (plus slack_sdk's jitter)
    log = sb.requests(bodies=True)
    assert [(e["route"], e["status"], e["fault"]) for e in log] == [
        (HISTORY, 429, "too_many"),
        (HISTORY, 200, None),
    ]
    assert log[0]["response_headers"]["Retry-After"] == "3"
    assert log[0]["response_body"] == {"ok": False, "error": "ratelimited"}


def test_without_a_retry_handler_the_429_reaches_the_caller(sb: Sandbox) -> None:
    sb.add_faults([{"route": HISTORY, "kind": "too_many", "retry_after": 30}])
    with pytest.raises(SlackApiError) as raised:
        client(sb).conversations_history(channel=INC)
    response = raised.value.response
    assert (response.status_code, response["error"], response.headers["Retry-After"]) == (
        429,
        "ratelimited",
        "30",
    )


def test_other_faults_reach_slack_routes_too(sb: Sandbox) -> None:
    sb.add_faults(
        [
            {"route": "slack:users.info", "kind": "status", "status": 503},
            {"route": "slack:users.info", "kind": "drop"},
        ]
    )
    answer = requests.post(
        sb.slack_api_url + "users.info", data={"token": TOKEN, "user": "U02BOB"}, timeout=5
    )
    assert (answer.status_code, answer.json()) == (503, {"ok": False, "error": "fatal_error"})
    with pytest.raises(requests.ConnectionError):
        requests.post(sb.slack_api_url + "users.info", data={"token": TOKEN, "user": "U02BOB"}, timeout=5)
    assert client(sb).users_info(user="U02BOB")["ok"] is True
    assert [e["status"] for e in sb.requests()] == [503, None, 200]


# ---- the wire ----------------------------------------------------------------------------------------------


def test_get_query_and_json_bodies_work_as_well_as_forms(sb: Sandbox) -> None:
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    got = requests.get(
        sb.slack_api_url + "conversations.history",
        params={"channel": INC, "limit": 1},
        headers=bearer,
        timeout=5,
    )
    assert texts(got.json()["messages"]) == ["confirmations flowing again"]
    posted = requests.post(
        sb.slack_api_url + "conversations.replies",
        json={"channel": INC, "ts": DECLARED, "limit": 1, "inclusive": True},
        headers=bearer,
        timeout=5,
    )
    assert posted.json()["ok"] is True and len(posted.json()["messages"]) == 2
    broken = requests.post(
        sb.slack_api_url + "auth.test",
        data=b"{not json",
        headers={**bearer, "Content-Type": "application/json"},
        timeout=5,
    )
    assert broken.json() == {"ok": False, "error": "invalid_json"}
    assert sb.requests(bodies=True)[1]["request_body"]["ts"] == DECLARED


# ---- the control API ---------------------------------------------------------------------------------------


def post(sb: Sandbox, body: dict[str, Any], method: str = "POST") -> requests.Response:
    return requests.request(method, sb.control_url + "/slack/messages", json=body, timeout=5)


def test_control_api_adds_edits_and_deletes_messages(sb: Sandbox) -> None:
    web = client(sb)
    added = post(sb, {"channel": INC, "ts": "1772529600.000700", "user": "U02BOB", "text": "monitoring"})
    assert added.status_code == 200 and added.json()["created"] is True
    assert added.json()["message"]["text"] == "monitoring"
    reply = {
        "channel": INC,
        "ts": "1772529660.000800",
        "user": "U01ALICE",
        "text": "thanks",
        "thread_ts": DECLARED,
    }
    assert post(sb, reply).json()["created"] is True
    edited = post(
        sb,
        {
            "channel": INC,
            "ts": DECLARED,
            "user": "U01ALICE",
            "text": "Declaring SEV-2: confirmations are late",
        },
    )
    assert edited.json()["created"] is False
    history = web.conversations_history(channel=INC)["messages"]
    assert history[0]["text"] == "monitoring"
    parent = history[-1]
    assert parent["text"] == "Declaring SEV-2: confirmations are late"
    assert "reactions" not in parent  # an edit without reactions has none
    assert parent["edited"] == {"user": "U01ALICE", "ts": "1772532000.000000"}  # the sandbox clock
    assert parent["reply_count"] == 3
    thread = web.conversations_replies(channel=INC, ts=DECLARED)["messages"]
    assert texts(thread)[-1] == "thanks"

    assert post(sb, {"channel": INC, "ts": PAGED}, method="DELETE").status_code == 200
    assert web.conversations_replies(channel=INC, ts=DECLARED)["messages"][1]["text"] == "on it"
    post(sb, {"channel": INC, "ts": DECLARED}, method="DELETE")
    assert DECLARED not in [m["ts"] for m in web.conversations_history(channel=INC)["messages"]]

    state = requests.get(sb.control_url + "/state", timeout=5).json()["slack"]
    channel = next(c for c in state["channels"] if c["id"] == INC)
    assert [m["text"] for m in channel["messages"]][-1] == "monitoring"
    assert sb.slack_state() == state


def test_the_python_handle_drives_the_same_control_api(sb: Sandbox) -> None:
    sb.slack_post(
        INC, "1772529600.000700", "U02BOB", "resolved", reactions=[{"name": "tada", "users": ["U02BOB"]}]
    )
    top = client(sb).conversations_history(channel=INC, limit=1)["messages"][0]
    assert top["reactions"] == [{"name": "tada", "users": ["U02BOB"], "count": 1}]
    sb.slack_delete(INC, "1772529600.000700")
    assert client(sb).conversations_history(channel=INC, limit=1)["messages"][0]["text"] != "resolved"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"channel": "C99NOPE", "ts": "1772529600.000700", "user": "U02BOB", "text": "x"},
            "no slack channel",
        ),
        ({"channel": INC, "ts": "1772529600.7", "user": "U02BOB", "text": "x"}, "does not match"),
        ({"channel": INC, "ts": "1772529600.000700", "user": "bob", "text": "x"}, "user"),
        (
            {
                "channel": INC,
                "ts": "1772529600.000700",
                "user": "U02BOB",
                "text": "x",
                "thread_ts": "1772529000.000000",
            },
            "to reply to",
        ),
        (
            {"channel": INC, "ts": "1772529000.000000", "user": "U02BOB", "text": "x", "thread_ts": DECLARED},
            "not after",
        ),
    ],
)
def test_a_bad_control_message_is_a_400_and_changes_nothing(
    sb: Sandbox, body: dict[str, Any], message: str
) -> None:
    before = sb.slack_state()
    answer = post(sb, body)
    assert answer.status_code == 400 and message in answer.json()["message"]
    assert sb.slack_state() == before


def test_deleting_an_unknown_message_is_a_400(sb: Sandbox) -> None:
    assert post(sb, {"channel": INC, "ts": "1772520000.000000"}, method="DELETE").status_code == 400


# ---- the scenario ------------------------------------------------------------------------------------------


def test_the_state_shows_the_slack_part_in_the_scenarios_shape(sb: Sandbox) -> None:
    state = sb.state()["slack"]
    assert state["bot_token"] == TOKEN and state["team_id"] == "T0SANDBOX01"
    assert [u["id"] for u in state["users"]] == ["U0PMACTION1", "U01ALICE", "U02BOB"]
    message = state["channels"][0]["messages"][0]
    assert message["reactions"] == [{"name": "pushpin", "users": ["U01ALICE"], "count": 1}]
    assert [r["ts"] for r in message["replies"]] == [PAGED, "1772529360.000300"]


def test_without_a_slack_key_the_workspace_is_empty_and_takes_the_default_token(sandbox: Any) -> None:
    sb = sandbox({"wiki": "missing"})
    assert sb.slack_token == TOKEN
    assert client(sb).conversations_list()["channels"] == []


@pytest.mark.parametrize(
    ("slack", "message"),
    [
        (
            {
                "channels": [
                    {"id": "C01INC", "name": "x", "messages": [{"ts": 1772529240.0001, "user": "U01A"}]}
                ]
            },
            "quote",
        ),
        ({"channels": [{"id": "c01inc", "name": "x"}]}, "does not match"),
        (
            {"channels": [{"id": "C01INC", "name": "x", "messages": [{"ts": DECLARED, "user": "alice"}]}]},
            "user",
        ),
        ({"users": [{"id": "U01ALICE", "name": "alice", "email": "a@x"}]}, "unknown slack user keys"),
        ({"bot_token": "xoxp-a-user-token"}, "xoxb-"),
        ({"channels": [{"id": "C01INC", "name": "inc"}, {"id": "C02INC", "name": "inc"}]}, "used twice"),
        (
            {
                "channels": [
                    {
                        "id": "C01",
                        "name": "x",
                        "messages": [
                            {"ts": DECLARED, "user": "U01", "replies": [{"ts": DECLARED, "user": "U01"}]}
                        ],
                    }
                ]
            },
            "not after",
        ),
    ],
)
def test_a_scenario_cannot_hold_what_slack_could_not_send(slack: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        Sandbox.start({"wiki": "missing", "slack": slack}).stop()


# ---- the pinned description --------------------------------------------------------------------------------


SLACK = conformance.load_slack_subset()
JSON = {"Content-Type": "application/json; charset=utf-8"}


def test_the_slack_subset_is_pinned_converted_and_patched_on_the_record() -> None:
    info = SLACK["info"]
    assert info["x-pmaction-source"] == (
        "github.com/slackapi/slack-api-specs@bc08db49625630e3585bf2f1322128ea04f2a7f3 "
        "web-api/slack_web_openapi_v2.json"
    )
    assert info["x-pmaction-converter"] == "swagger2openapi@7.0.8" and SLACK["openapi"] == "3.1.0"
    assert set(SLACK["paths"]) == {
        "/auth.test",
        "/conversations.list",
        "/conversations.info",
        "/conversations.history",
        "/conversations.replies",
        "/users.info",
        "/chat.getPermalink",
    }
    patches = " | ".join(info["x-pmaction-patches"])
    for expected in ("anyOf", "prefixItems", "ratelimited", "not_in_channel", "response_metadata", "Bearer"):
        assert expected in patches
    assert conformance.SLACK_SUBSET_PATH.stat().st_size < 200_000


def test_the_slack_subset_is_a_valid_openapi_31_document() -> None:
    from openapi_spec_validator import validate

    validate(copy.deepcopy(SLACK))


def slack_example(method: str, status: str = "200") -> Any:
    media = SLACK["paths"][method]["get"]["responses"][status]["content"]["application/json"]
    return copy.deepcopy(next(iter(media["examples"].values()))["value"])


def check(method: str, body: Any, status: int = 200, arguments: dict[str, Any] | None = None) -> None:
    validate_slack_exchange(
        "POST", "/slack/api" + method, "", {}, arguments, status, JSON, json.dumps(body).encode()
    )


def test_slacks_own_examples_pass_where_the_description_agrees_with_itself() -> None:
    for method in ("/auth.test", "/conversations.list", "/conversations.replies"):
        check(method, slack_example(method))
    for method in SLACK["paths"]:
        check(method, slack_example(method, "default"), arguments={"channel": INC, "message_ts": DECLARED})
    # Where Slack's examples and schemas disagree, the stand-in follows the schema (see docs/sandbox.md).
    with pytest.raises(ConformanceError, match="channel_actions_ts"):
        check("/conversations.history", slack_example("/conversations.history"))
    with pytest.raises(ConformanceError, match="channel"):
        check(
            "/conversations.info", slack_example("/conversations.info")
        )  # its `locale` is not in the schema
    with pytest.raises(ConformanceError, match="user"):
        check("/users.info", slack_example("/users.info"))  # its profile lacks title, phone, skype, fields


def test_the_check_bites_on_slack_shapes_and_arguments() -> None:
    message = {"type": "message", "user": "U01ALICE", "text": "x", "ts": DECLARED}
    history = {
        "ok": True,
        "messages": [message],
        "has_more": False,
        "pin_count": 0,
        "channel_actions_ts": None,
        "channel_actions_count": 0,
    }
    check("/conversations.history", history, arguments={"channel": INC, "limit": "10"})
    with pytest.raises(ConformanceError, match="does not match"):
        check("/conversations.history", {**history, "messages": [{**message, "ts": "1772529240.1"}]})
    with pytest.raises(ConformanceError, match="Additional properties"):
        check("/conversations.history", {**history, "messages": [{**message, "colour": "red"}]})
    with pytest.raises(ConformanceError, match="ok: false"):
        check("/conversations.history", {"ok": False, "error": "no_such_error"})
    with pytest.raises(ConformanceError, match="request"):
        check("/conversations.history", history, arguments={"limit": "many"})
    with pytest.raises(ConformanceError, match="any of the given schemas"):
        check("/conversations.info", {"ok": True, "channel": {"id": INC}})  # objs_conversation, read as anyOf
    reply = {**message, "ts": PAGED, "thread_ts": DECLARED, "parent_user_id": "U01ALICE"}
    parent = {**message, "thread_ts": DECLARED, "reply_count": 1, "subscribed": False}
    check("/conversations.replies", {"ok": True, "messages": [parent, reply], "has_more": False})
    with pytest.raises(ConformanceError, match="messages/1"):
        check("/conversations.replies", {"ok": True, "messages": [reply, parent], "has_more": False})
    check("/conversations.history", {"ok": False, "error": "ratelimited"}, status=429)
    validate_slack_exchange(
        "POST", "/slack/api/auth.test", "", {}, None, 502, JSON, b"<html>"
    )  # not described


def test_the_teardown_check_covers_slack_entries_of_the_log() -> None:
    entry = {
        "seq": 7,
        "kind": "slack",
        "method": "POST",
        "path": "/slack/api/users.info",
        "query": {},
        "status": 200,
        "request_body": {"user": "U01ALICE"},
        "response_body": {"ok": True, "user": {"id": "U01ALICE"}},
        "request_headers": {},
        "response_headers": JSON,
    }
    problems = validate_log([entry])
    assert len(problems) == 1 and problems[0].startswith("#7 POST /slack/api/users.info -> 200 response")
