"""A launch-day rush: every sale accounted for in Slack, without provoking a single 429."""

from __future__ import annotations

import asyncio

from bot.fakes.slack import FakeSlack
from tests.builders import stripe_charge, stripe_event
from tests.harness import CHANNELS, bot_settings, running_bot, sales_shown


async def test_a_rush_of_sales_is_folded_into_one_digest_updated_in_place(database_url):
    async with FakeSlack(channels=CHANNELS, post_rate=1.0, post_burst=3) as slack:
        async with running_bot(bot_settings(database_url, slack)) as bot:
            sends = [
                bot.stripe(stripe_event("charge.succeeded", stripe_charge(pi=f"pi_rush_{i}", email=f"b{i}@x.io")))
                for i in range(40)
            ]
            statuses = await asyncio.gather(*sends)
            assert {status for status, _ in statuses} == {200}
            await bot.settle(timeout=30)

    cards, digested = sales_shown(slack)
    assert cards + digested == 40
    assert digested >= 30, "a rush should be told in a digest, not card by card"
    assert len(slack.channel_messages("C0SALES")) <= 5
    assert sum(slack.rate_limited.values()) == 0
