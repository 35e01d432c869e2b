"""Stripe sales into Slack: one card per payment, refunds in its thread, whatever order Stripe sends."""

from __future__ import annotations

from tests.builders import stripe_charge, stripe_checkout_session, stripe_event, stripe_payment_intent
from tests.harness import bot_settings, running_bot


async def test_three_stripe_events_of_one_payment_make_one_sale_card(database_url, slack):
    async with running_bot(bot_settings(database_url, slack)) as bot:
        for event in (
            stripe_event("payment_intent.succeeded", stripe_payment_intent(pi="pi_1")),
            stripe_event(
                "checkout.session.completed",
                stripe_checkout_session(pi="pi_1", email="Ann@Example.com", product="Pro licence"),
            ),
            stripe_event("charge.succeeded", stripe_charge(pi="pi_1")),
        ):
            status, _ = await bot.stripe(event)
            assert status == 200
        await bot.settle()

    cards = slack.channel_messages("C0SALES")
    assert len(cards) == 1
    text = str(cards[0].blocks)
    assert "$49.00" in text and "Pro licence" in text and "ann@example.com" in text
    assert cards[0].metadata["event_type"] == "supportbot_outbox"
