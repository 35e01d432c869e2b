"""FakeSlack driven by the real slack_sdk clients over real HTTP, so it cannot drift from what they send."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.fakes.slack import FakeSlack, Message, fake_slack_api

CHANNELS = {"C1": "support", "C2": "alerts"}
META = {"event_type": "ticket_opened", "event_payload": {"ticket": 42}}


class ManualClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(channels=CHANNELS) as fake:
        yield fake


@pytest.fixture
def client(slack: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=slack.token, base_url=slack.base_url)


async def api_error(call) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        await call
    return caught.value


async def test_base_url_uses_an_os_chosen_port_and_ends_in_api(slack: FakeSlack) -> None:
    assert slack.base_url is not None
    assert slack.base_url.startswith("http://127.0.0.1:")
    assert slack.base_url.endswith("/api/")
    assert not slack.base_url.startswith("http://127.0.0.1:0/")


async def test_auth_test_reports_identity_and_scopes_header(slack: FakeSlack, client: AsyncWebClient) -> None:
    response = await client.auth_test()

    assert response["user_id"] == "U0BOT"
    assert response["team_id"] == "T0TEAM"
    assert response["bot_id"]
    assert response.headers["x-oauth-scopes"] == ",".join(slack.scopes)


async def test_wrong_or_missing_token_is_an_ok_false_answer_with_http_200(slack: FakeSlack) -> None:
    wrong = await api_error(AsyncWebClient(token="xoxb-wrong", base_url=slack.base_url).auth_test())
    missing = await api_error(AsyncWebClient(base_url=slack.base_url).auth_test())

    assert (wrong.response.status_code, wrong.response["error"]) == (200, "invalid_auth")
    assert (missing.response.status_code, missing.response["error"]) == (200, "not_authed")


async def test_app_token_is_only_for_apps_connections_open(slack: FakeSlack) -> None:
    app_client = AsyncWebClient(token=slack.app_token, base_url=slack.base_url)

    error = await api_error(app_client.chat_postMessage(channel="C1", text="hi"))

    assert error.response["error"] == "not_allowed_token_type"


async def test_unknown_method(client: AsyncWebClient) -> None:
    error = await api_error(client.api_call("chat.teleport"))

    assert error.response["error"] == "unknown_method"


async def test_missing_scope_is_reported_with_the_scope_needed() -> None:
    async with fake_slack_api(scopes=["chat:write"]) as slack:
        client = AsyncWebClient(token=slack.token, base_url=slack.base_url)

        error = await api_error(client.conversations_history(channel="C1"))

    assert error.response["error"] == "missing_scope"
    assert error.response["needed"] == "channels:history"


async def test_post_stores_message_and_records_the_call(slack: FakeSlack, client: AsyncWebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Ticket 42*"}}]

    response = await client.chat_postMessage(
        channel="C1", text="Ticket 42", blocks=blocks, metadata=META, unfurl_links=False
    )

    assert response["channel"] == "C1"
    assert response["message"]["text"] == "Ticket 42"
    assert slack.channel_messages("C1") == [
        Message("C1", response["ts"], "Ticket 42", blocks, None, META),
    ]
    call = slack.calls[-1]
    assert (call.method, call.status) == ("chat.postMessage", 200)
    assert call.params["unfurl_links"] is False
    assert call.params["metadata"] == META


async def test_form_encoded_json_strings_are_decoded(slack: FakeSlack, client: AsyncWebClient) -> None:
    blocks = [{"type": "divider"}]
    form = {"channel": "C1", "text": "x", "blocks": json.dumps(blocks), "metadata": json.dumps(META)}

    await client.api_call("chat.postMessage", data=form)

    [message] = slack.all_messages()
    assert (message.blocks, message.metadata) == (blocks, META)
    assert slack.calls[-1].params["blocks"] == blocks


async def test_ts_values_are_unique_and_increasing_from_wall_time() -> None:
    async with FakeSlack(wall_clock=lambda: 1764000000.0001) as slack:
        client = AsyncWebClient(token=slack.token, base_url=slack.base_url)

        first = await client.chat_postMessage(channel="C9", text="a")
        second = await client.chat_postMessage(channel="C9", text="b")

    assert (first["ts"], second["ts"]) == ("1764000000.000100", "1764000000.000101")


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"channel": "C404", "text": "hi"}, "channel_not_found"),
        ({"channel": "C1"}, "no_text"),
        ({"channel": "C1", "text": "hi", "thread_ts": "1.000001"}, "thread_not_found"),
        ({"channel": "C1", "text": "hi", "metadata": {"event_type": "x"}}, "invalid_metadata_format"),
        ({"channel": "C1", "text": "hi", "blocks": "{not json"}, "invalid_blocks_format"),
    ],
)
async def test_post_errors(slack: FakeSlack, client: AsyncWebClient, payload: dict, error: str) -> None:
    # api_call, not chat_postMessage: the SDK warns when text is missing, and warnings fail this suite.
    failure = await api_error(client.api_call("chat.postMessage", json=payload))

    assert failure.response.status_code == 200
    assert failure.response["error"] == error
    assert slack.all_messages() == []


async def test_any_channel_is_accepted_when_no_channels_are_configured() -> None:
    async with fake_slack_api() as slack:
        client = AsyncWebClient(token=slack.token, base_url=slack.base_url)

        await client.chat_postMessage(channel="CANY", text="hi")

        assert [m.text for m in slack.channel_messages("CANY")] == ["hi"]


async def test_replies_stay_out_of_history_and_come_back_from_replies(slack: FakeSlack, client: AsyncWebClient) -> None:
    parent = await client.chat_postMessage(channel="C1", text="parent")
    first = await client.chat_postMessage(channel="C1", text="one", thread_ts=parent["ts"])
    # Threads are one level deep: answering a reply lands in the same thread.
    await client.chat_postMessage(channel="C1", text="two", thread_ts=first["ts"])

    history = await client.conversations_history(channel="C1")
    replies = await client.conversations_replies(channel="C1", ts=first["ts"])

    assert [m["text"] for m in history["messages"]] == ["parent"]
    assert history["messages"][0]["reply_count"] == 2
    assert [m["text"] for m in replies["messages"]] == ["parent", "one", "two"]
    assert [m.text for m in slack.replies("C1", parent["ts"])] == ["one", "two"]


async def test_metadata_is_returned_only_when_asked_for(client: AsyncWebClient) -> None:
    parent = await client.chat_postMessage(channel="C1", text="t", metadata=META)
    await client.chat_postMessage(channel="C1", text="r", thread_ts=parent["ts"], metadata=META)

    plain = await client.conversations_history(channel="C1")
    full = await client.conversations_history(channel="C1", include_all_metadata=True)
    plain_thread = await client.conversations_replies(channel="C1", ts=parent["ts"])
    full_thread = await client.conversations_replies(channel="C1", ts=parent["ts"], include_all_metadata=True)

    assert "metadata" not in plain["messages"][0]
    assert full["messages"][0]["metadata"] == META
    assert all("metadata" not in m for m in plain_thread["messages"])
    assert [m["metadata"] for m in full_thread["messages"]] == [META, META]


async def test_history_is_newest_first_and_paginates_with_cursors(client: AsyncWebClient) -> None:
    for n in range(5):
        await client.chat_postMessage(channel="C1", text=f"m{n}")

    first = await client.conversations_history(channel="C1", limit=2)
    second = await client.conversations_history(channel="C1", limit=2, cursor=first["response_metadata"]["next_cursor"])
    every_page = [page["messages"] async for page in await client.conversations_history(channel="C1", limit=2)]

    assert [m["text"] for m in first["messages"]] == ["m4", "m3"]
    assert first["has_more"] is True
    assert [m["text"] for m in second["messages"]] == ["m2", "m1"]
    assert [[m["text"] for m in page] for page in every_page] == [["m4", "m3"], ["m2", "m1"], ["m0"]]


async def test_history_window_with_and_without_inclusive(client: AsyncWebClient) -> None:
    ts = [(await client.chat_postMessage(channel="C1", text=f"m{n}"))["ts"] for n in range(4)]

    exclusive = await client.conversations_history(channel="C1", oldest=ts[0], latest=ts[3])
    inclusive = await client.conversations_history(channel="C1", oldest=ts[0], latest=ts[3], inclusive=True)

    assert [m["text"] for m in exclusive["messages"]] == ["m2", "m1"]
    assert [m["text"] for m in inclusive["messages"]] == ["m3", "m2", "m1", "m0"]


async def test_bad_cursor_is_rejected(client: AsyncWebClient) -> None:
    error = await api_error(client.conversations_history(channel="C1", cursor="bm9wZQ=="))

    assert error.response["error"] == "invalid_cursor"


async def test_update_changes_the_message_and_keeps_its_history() -> None:
    changes: list[tuple[str, str]] = []
    async with FakeSlack(on_change=lambda kind, m: changes.append((kind, m.text))) as slack:
        client = AsyncWebClient(token=slack.token, base_url=slack.base_url)
        posted = await client.chat_postMessage(channel="C1", text="open", metadata=META)

        updated = await client.chat_update(channel="C1", ts=posted["ts"], text="closed")

        [message] = slack.channel_messages("C1")
    assert updated["message"]["text"] == "closed"
    assert "edited" in updated["message"]
    assert (message.text, message.metadata) == ("closed", META)
    assert [edit["text"] for edit in message.edits] == ["open"]
    assert changes == [("post", "open"), ("update", "closed")]


async def test_update_of_an_unknown_message(client: AsyncWebClient) -> None:
    error = await api_error(client.chat_update(channel="C1", ts="1.000001", text="x"))

    assert error.response["error"] == "message_not_found"


async def test_post_rate_limit_is_per_channel_and_answers_429_with_retry_after() -> None:
    clock = ManualClock()
    async with FakeSlack(post_rate=1.0, post_burst=2, retry_after=7, monotonic=clock) as slack:
        client = AsyncWebClient(token=slack.token, base_url=slack.base_url)
        for n in range(2):
            await client.chat_postMessage(channel="C1", text=f"m{n}")

        limited = await api_error(client.chat_postMessage(channel="C1", text="too many"))
        await client.chat_postMessage(channel="C2", text="other channel")
        clock.now += 1.0
        await client.chat_postMessage(channel="C1", text="refilled")

        assert limited.response.status_code == 429
        assert limited.response.headers["Retry-After"] == "7"
        assert limited.response["error"] == "ratelimited"
        assert slack.rate_limited["chat.postMessage"] == 1
        assert [m.text for m in slack.channel_messages("C1")] == ["m0", "m1", "refilled"]
        assert [c.status for c in slack.calls] == [200, 200, 429, 200, 200]


async def test_update_rate_limit_is_per_workspace() -> None:
    async with FakeSlack(update_rate=0.001, update_burst=1, monotonic=ManualClock()) as slack:
        client = AsyncWebClient(token=slack.token, base_url=slack.base_url)
        first = await client.chat_postMessage(channel="C1", text="a")
        second = await client.chat_postMessage(channel="C2", text="b")
        await client.chat_update(channel="C1", ts=first["ts"], text="a2")

        limited = await api_error(client.chat_update(channel="C2", ts=second["ts"], text="b2"))

        assert limited.response.status_code == 429
        assert slack.channel_messages("C2")[0].text == "b"
        assert slack.rate_limited == {"chat.update": 1}


async def test_fail_next_with_a_status_then_recovers(slack: FakeSlack, client: AsyncWebClient) -> None:
    slack.fail_next("chat.postMessage", times=2, status=500)

    failures = [await api_error(client.chat_postMessage(channel="C1", text="x")) for _ in range(2)]
    await client.chat_postMessage(channel="C1", text="x")

    assert [f.response.status_code for f in failures] == [500, 500]
    assert len(slack.all_messages()) == 1


async def test_fail_next_with_an_error_answers_http_200(slack: FakeSlack, client: AsyncWebClient) -> None:
    slack.fail_next("conversations.history", error="fatal_error", delay=0.05)
    started = asyncio.get_running_loop().time()

    failure = await api_error(client.conversations_history(channel="C1"))

    assert asyncio.get_running_loop().time() - started >= 0.05
    assert (failure.response.status_code, failure.response["error"]) == (200, "fatal_error")


async def test_close_does_not_wait_for_a_long_injected_delay() -> None:
    slack = FakeSlack()
    await slack.start()
    client = AsyncWebClient(token=slack.token, base_url=slack.base_url)
    slack.fail_next("chat.postMessage", delay=60)
    pending = asyncio.create_task(client.chat_postMessage(channel="C1", text="x"))
    await slack.wait_for(lambda s: len(s.calls) == 1)

    async with asyncio.timeout(3):
        await slack.close()
        failure = await api_error(pending)

    assert failure.response.status_code == 500


async def test_down_answers_503_to_everything_until_up(slack: FakeSlack, client: AsyncWebClient) -> None:
    slack.set_down(True)
    failure = await api_error(client.auth_test())
    slack.set_down(False)

    assert failure.response.status_code == 503
    assert (await client.auth_test())["ok"] is True


async def test_ephemeral_permalink_info_and_users(slack: FakeSlack, client: AsyncWebClient) -> None:
    posted = await client.chat_postMessage(channel="C1", text="x")
    reply = await client.chat_postMessage(channel="C1", text="y", thread_ts=posted["ts"])

    ephemeral = await client.chat_postEphemeral(channel="C1", user="U42", text="only you")
    permalink = await client.chat_getPermalink(channel="C1", message_ts=reply["ts"])
    info = await client.conversations_info(channel="C1")
    user = await client.users_info(user="U42")

    assert slack.ephemerals[0].ephemeral_to == "U42"
    assert ephemeral["message_ts"] == slack.ephemerals[0].ts
    assert f"thread_ts={posted['ts']}" in permalink["permalink"]
    assert info["channel"]["name"] == "support"
    assert info["channel"]["is_member"] is True
    assert user["user"]["id"] == "U42"
    assert len(slack.all_messages()) == 2


async def test_a_channel_the_bot_was_not_invited_to_takes_posts_only_with_chat_write_public() -> None:
    async with FakeSlack(channels=CHANNELS, member_of={"C1"}, scopes=("chat:write", "channels:read")) as slack:
        client = AsyncWebClient(token=slack.token, base_url=slack.base_url)
        outside = await client.conversations_info(channel="C2")
        refused = await api_error(client.chat_postMessage(channel="C2", text="x"))
        await client.chat_postMessage(channel="C1", text="y")
    async with FakeSlack(channels=CHANNELS, member_of={"C1"}) as public_writer:
        client = AsyncWebClient(token=public_writer.token, base_url=public_writer.base_url)
        await client.chat_postMessage(channel="C2", text="x")

    assert outside["channel"]["is_member"] is False
    assert refused.response["error"] == "not_in_channel"
    assert [m.channel for m in public_writer.all_messages()] == ["C2"]


async def test_every_answer_to_a_bot_token_reports_its_scopes_and_a_wrong_token_is_refused() -> None:
    async with FakeSlack(scopes=("chat:write", "commands")) as slack:
        client = AsyncWebClient(token=slack.token, base_url=slack.base_url)
        identity = await client.auth_test()
        missing = await api_error(client.conversations_info(channel="C1"))
        wrong = await api_error(AsyncWebClient(token="xoxb-wrong", base_url=slack.base_url).auth_test())

    assert identity.headers["x-oauth-scopes"] == "chat:write,commands"
    assert (missing.response["error"], missing.response["needed"]) == ("missing_scope", "channels:read")
    assert missing.response.headers["x-oauth-scopes"] == "chat:write,commands"
    assert wrong.response["error"] == "invalid_auth"


async def test_views_open_update_and_hash_conflict(slack: FakeSlack, client: AsyncWebClient) -> None:
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Refund"}, "blocks": []}

    opened = await client.views_open(trigger_id="t1", view=view)
    updated = await client.views_update(view_id=opened["view"]["id"], hash=opened["view"]["hash"], view=view)
    stale = await api_error(client.views_update(view_id=opened["view"]["id"], hash="stale", view=view))

    assert updated["view"]["id"] == opened["view"]["id"]
    assert slack.views[opened["view"]["id"]]["title"]["text"] == "Refund"
    assert stale.response["error"] == "hash_conflict"


async def test_wait_for_times_out_with_a_useful_message(slack: FakeSlack) -> None:
    with pytest.raises(TimeoutError, match=r"still false after 0\.05s"):
        await slack.wait_for(lambda s: bool(s.messages), timeout=0.05)


async def test_socket_mode_client_connects_receives_an_envelope_and_acks(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    received: list[SocketModeRequest] = []

    async def on_request(socket: AsyncBaseSocketModeClient, request: SocketModeRequest) -> None:
        received.append(request)
        await socket.send_socket_mode_response(
            SocketModeResponse(envelope_id=request.envelope_id, payload={"text": "on it"})
        )

    socket = SocketModeClient(app_token=slack.app_token, web_client=client, auto_reconnect_enabled=False)
    socket.socket_mode_request_listeners.append(on_request)
    try:
        await socket.connect()
        ack = await slack.send_socket_envelope("slash_commands", {"command": "/refund", "text": "42"})
    finally:
        await socket.close()

    assert ack == {"envelope_id": received[0].envelope_id, "payload": {"text": "on it"}}
    assert received[0].payload["command"] == "/refund"
    assert received[0].accepts_response_payload is True
    assert [c.method for c in slack.calls] == ["apps.connections.open"]
