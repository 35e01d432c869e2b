"""Telling one person privately through a response_url: what lands is ephemeral and leaves the original alone;
an answer other than Slack's 200, or none at all, is a ProviderError the caller can shrug off."""

from __future__ import annotations

import pytest

from bot.core.errors import ProviderError
from bot.fakes.slack import fake_slack_api
from bot.integrations.slack import SlackResponseUrls


async def test_the_text_reaches_the_response_url_as_an_ephemeral_answer():
    async with fake_slack_api() as slack:
        await SlackResponseUrls().tell_privately(slack.response_url("cmd"), "Refunded €12.00.")
    assert slack.responses["cmd"] == [
        {"text": "Refunded €12.00.", "response_type": "ephemeral", "replace_original": False}
    ]


async def test_a_refused_response_url_is_a_provider_error():
    async with fake_slack_api() as slack:
        gone = slack.response_url("cmd").replace("/response/", "/expired/")
        with pytest.raises(ProviderError, match="HTTP 404"):
            await SlackResponseUrls().tell_privately(gone, "Refunded.")


async def test_no_answer_is_a_provider_error():
    async with fake_slack_api() as slack:
        url = slack.response_url("cmd")
    with pytest.raises(ProviderError, match="no answer from Slack"):
        await SlackResponseUrls(timeout_seconds=2).tell_privately(url, "Refunded.")
