"""The fake Slack refuses what real Slack refuses, with Slack's error codes, so a test sees it before Slack does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.fakes.slack import FakeSlack


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


@pytest.fixture
def client(slack: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=slack.token, base_url=slack.base_url)


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button(value: str = "v", action_id: str = "a") -> dict[str, Any]:
    return {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": "Go"}, "value": value}


def modal(**changes: Any) -> dict[str, Any]:
    return {"type": "modal", "title": {"type": "plain_text", "text": "Refund"}, "blocks": [section("ok")]} | changes


@pytest.mark.parametrize(
    ("blocks", "pointer"),
    [
        ([section("x")] * 51, "must provide no more than 50 items [json-pointer:/blocks]"),
        ([section("x" * 3001)], "must be less than 3001 characters [json-pointer:/blocks/0/text/text]"),
        ([section("")], "must be more than 0 characters [json-pointer:/blocks/0/text/text]"),
        (
            [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}],
            "must provide no more than 10 items [json-pointer:/blocks/0/fields]",
        ),
        (
            [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
            "must be less than 151 characters [json-pointer:/blocks/0/text/text]",
        ),
        (
            [{"type": "actions", "elements": [button()] * 26}],
            "must provide no more than 25 items [json-pointer:/blocks/0/elements]",
        ),
        (
            [{"type": "actions", "elements": [button(value="v" * 2001)]}],
            "must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]",
        ),
        (
            [{"type": "actions", "elements": [button(action_id="a" * 256)]}],
            "must be less than 256 characters [json-pointer:/blocks/0/elements/0/action_id]",
        ),
    ],
)
async def test_blocks_beyond_slack_s_limits_are_invalid_blocks(slack, client, blocks, pointer) -> None:
    with pytest.raises(SlackApiError) as refused:
        await client.chat_postMessage(channel="C1", text="t", blocks=blocks)
    assert refused.value.response["error"] == "invalid_blocks"
    assert pointer in refused.value.response["errors"]
    assert slack.all_messages() == []


async def test_blocks_at_slack_s_limits_are_accepted(slack, client) -> None:
    blocks = [section("x" * 3000)] * 49 + [{"type": "actions", "elements": [button("v" * 2000, "a" * 255)] * 25}]
    await client.chat_postMessage(channel="C1", text="t", blocks=blocks)
    assert len(slack.all_messages()) == 1


async def test_message_text_over_40000_is_too_long_and_an_ephemeral_is_cut(slack, client) -> None:
    with pytest.raises(SlackApiError) as refused:
        await client.chat_postMessage(channel="C1", text="x" * 40_001)
    await client.chat_postEphemeral(channel="C1", user="U1", text="y" * 50_000)
    assert refused.value.response["error"] == "msg_too_long"
    assert len(slack.ephemerals[0].text) == 40_000


@pytest.mark.parametrize(
    ("view", "pointer"),
    [
        (modal(private_metadata="m" * 3001), "must be less than 3001 characters [json-pointer:/view/private_metadata]"),
        (modal(title={"type": "plain_text", "text": "t" * 25}), "[json-pointer:/view/title/text]"),
        (modal(submit={"type": "plain_text", "text": "s" * 25}), "[json-pointer:/view/submit/text]"),
        (modal(blocks=[section("x")] * 101), "must provide no more than 100 items [json-pointer:/view/blocks]"),
    ],
)
async def test_a_modal_beyond_slack_s_limits_is_invalid_arguments(slack, client, view, pointer) -> None:
    with pytest.raises(SlackApiError) as refused:
        await client.views_open(trigger_id="t1", view=view)
    assert refused.value.response["error"] == "invalid_arguments"
    assert any(pointer in message for message in refused.value.response["response_metadata"]["messages"])
    assert slack.views == {}


async def test_a_response_url_cuts_long_text_and_refuses_invalid_blocks(slack) -> None:
    async with aiohttp.ClientSession() as http:
        long = await http.post(slack.response_url("long"), json={"text": "z" * 45_000})
        bad = await http.post(slack.response_url("bad"), json={"text": "t", "blocks": [section("x" * 3001)]})
        assert (long.status, bad.status, await bad.text()) == (200, 400, "invalid_blocks")
    assert len(slack.responses["long"][0]["text"]) == 40_000
    assert "bad" not in slack.responses
