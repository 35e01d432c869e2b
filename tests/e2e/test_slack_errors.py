"""A Slack request whose listener fails is answered: in the failure's own words when the person can act on it,
otherwise with an incident id that is also in the log, never with silence."""

from __future__ import annotations

import logging
import re

import pytest

from bot.core.slack_ids import ActionId
from bot.fakes.slack import FakeSlack
from bot.fakes.slack_requests import button_value
from bot.fakes.stripe import FakeStripe
from tests.builders import stripe_charge, stripe_event
from tests.harness import bot_settings, provider_settings, running_bot

OWNER = "U0OWNER"


async def test_a_form_slack_will_not_open_is_answered_with_an_incident_id_that_is_in_the_log(
    database_url: str, slack: FakeSlack, stripe_api: FakeStripe, caplog: pytest.LogCaptureFixture
) -> None:
    stripe_api.add_payment_intent("pi_oops01", 4900, "usd")
    settings = bot_settings(database_url, slack, **provider_settings(stripe=stripe_api))
    async with running_bot(settings) as bot:
        await bot.stripe(stripe_event("charge.succeeded", stripe_charge(pi="pi_oops01")))
        await bot.settle()
        [card] = slack.channel_messages("C0SALES")
        slack.fail_next("views.open", error="internal_error")
        with caplog.at_level(logging.ERROR, logger="bot.handlers.errors"):
            assert await bot.click(slack, ActionId.REFUND, button_value(card, ActionId.REFUND), user=OWNER) == 200
            await slack.wait_for(lambda s: bool(s.responses.get("click")))
    [answer] = slack.responses["click"]
    assert answer["response_type"] == "ephemeral"
    incident = re.search(r"incident `([0-9a-f]{8})`", answer["text"])
    assert incident is not None, answer["text"]
    [logged] = [r for r in caplog.records if incident.group(1) in r.getMessage()]
    assert "block_actions refund" in logged.getMessage() and logged.exc_info is not None
    assert not slack.views and not stripe_api.refunds


async def test_a_form_opened_too_late_asks_for_another_press_and_logs_no_incident(
    database_url: str, slack: FakeSlack, stripe_api: FakeStripe, caplog: pytest.LogCaptureFixture
) -> None:
    stripe_api.add_payment_intent("pi_late01", 4900, "usd")
    settings = bot_settings(database_url, slack, **provider_settings(stripe=stripe_api))
    async with running_bot(settings) as bot:
        await bot.stripe(stripe_event("charge.succeeded", stripe_charge(pi="pi_late01")))
        await bot.settle()
        [card] = slack.channel_messages("C0SALES")
        slack.fail_next("views.open", error="expired_trigger_id")
        with caplog.at_level(logging.ERROR, logger="bot.handlers.errors"):
            await bot.click(slack, ActionId.REFUND, button_value(card, ActionId.REFUND), user=OWNER)
            await slack.wait_for(lambda s: bool(s.responses.get("click")))
    assert "press the button again" in slack.responses["click"][0]["text"]
    assert not [r for r in caplog.records if "incident" in r.getMessage()]
