"""A launch-day rush: every sale accounted for in Slack, without provoking a single 429."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.fakes.slack import FakeSlack
from bot.storage.models.inbound import InboundEvent, InboundStatus
from tests.builders import stripe_charge, stripe_event
from tests.harness import CHANNELS, BotUnderTest, bot_settings, running_bot, sales_shown
from tests.waiting import eventually


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


async def test_a_held_outbox_posts_nothing_then_shows_everything_it_was_given_at_once(database_url):
    # What the demo relies on to print the same story every run: while held, the bot stores and applies sales
    # but Slack sees nothing; let go, the outbox finds them all waiting and tells them in one digest.
    async with FakeSlack(channels=CHANNELS) as slack:
        async with running_bot(bot_settings(database_url, slack)) as bot:
            async with bot.runtime.outbox.held():
                for i in range(6):
                    status, _ = await bot.stripe(
                        stripe_event("charge.succeeded", stripe_charge(pi=f"pi_held_{i}", email=f"h{i}@x.io"))
                    )
                    assert status == 200
                await _until_applied(bot)
                await asyncio.sleep(0.3)  # long enough for an outbox that is not held to post
                assert slack.channel_messages("C0SALES") == []
            await bot.settle(timeout=30)

    [digest] = slack.channel_messages("C0SALES")
    assert "6 sales" in str(digest.blocks)
    assert sales_shown(slack) == (0, 6)


async def _until_applied(bot: BotUnderTest) -> None:
    async def applied() -> bool:
        async with bot.runtime.db.transaction(read_only=True) as session:
            pending = await session.scalar(select(func.count()).where(InboundEvent.status == InboundStatus.PENDING))
        return pending == 0

    await eventually(applied, what="the bot did not apply the sales")
