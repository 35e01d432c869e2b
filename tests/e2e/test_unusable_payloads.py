"""Signed payloads with values no record can hold, on SQLite and on PostgreSQL (which, unlike SQLite, refuses text
longer than its column): display text is cut with an ellipsis and shown, ids and amounts that cannot be kept are
refused at the door with a 400, and nothing of it holds up the customer's other news."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
import stripe
from sqlalchemy import func, select

from bot.fakes.paypal import FakePayPal, capture_completed_event
from bot.fakes.slack import FakeSlack
from bot.storage.models.customers import Customer
from bot.storage.models.inbound import InboundEvent, InboundStatus
from bot.storage.models.sales import Payment
from bot.storage.models.tickets import Ticket, TicketMessage
from tests.builders import (
    STRIPE_SECRET,
    stripe_charge,
    stripe_checkout_session,
    stripe_event,
    ticket_event,
)
from tests.clocks import START
from tests.harness import BotUnderTest, bot_settings, running_bot, shown, unpaced

SALES, SUPPORT = "C0SALES", "C0SUPPORT"


@pytest.fixture
async def bot(database_url: str, slack: FakeSlack, paypal: FakePayPal) -> AsyncIterator[BotUnderTest]:
    async with running_bot(bot_settings(database_url, slack, paypal), pacer=unpaced()) as running:
        yield running


async def stored(bot: BotUnderTest) -> list[tuple[str, str]]:
    async with bot.runtime.db.transaction(read_only=True) as session:
        return [(e.event_type, e.status) for e in await session.scalars(select(InboundEvent).order_by(InboundEvent.id))]


async def test_an_amount_of_1e400_is_refused_and_the_customers_ticket_still_comes_through(
    bot: BotUnderTest, slack: FakeSlack
) -> None:
    event = stripe_event("charge.succeeded", stripe_charge(pi="pi_poison", email="ann@example.com"))
    # JSON's 1e400 is a float too big for a float: Python reads it as infinity.
    body = json.dumps(event).replace('"amount": 4900', '"amount": 1e400')
    assert "1e400" in body
    # Signed as Stripe would sign it for this bot: at the bot's own time.
    signed_at = int(bot.runtime.clock.now().timestamp())
    header = stripe.WebhookSignature.generate_signature_header(body, STRIPE_SECRET, timestamp=signed_at)
    status, answer = await bot.post(
        "/webhooks/stripe", body.encode(), {"Stripe-Signature": header, "Content-Type": "application/json"}
    )
    # Refused for what it says (here the amount; a stricter JSON reader may refuse the number itself first).
    assert 400 <= status < 500, answer
    assert "signature" not in answer["error"].lower() and "replayed" not in answer["error"].lower(), answer
    assert await stored(bot) == []

    ticket = ticket_event("ticket.created", ticket_id="T-AFTER", message_id="M-1", body="Where is my licence?")
    status, answer = await bot.tickets(ticket)
    assert status == 200, answer
    await bot.settle()
    [card] = slack.channel_messages(SUPPORT)
    assert "Where is my licence?" in shown(card)
    assert slack.channel_messages(SALES) == []
    assert await stored(bot) == [("ticket.created", InboundStatus.APPLIED)]


@pytest.mark.parametrize("amount", [1e20, 49.5, 2**63, -4900], ids=["too-big-float", "half-a-cent", "2^63", "negative"])
async def test_a_stripe_amount_no_column_holds_is_refused_at_the_door(bot: BotUnderTest, amount: float) -> None:
    status, answer = await bot.stripe(stripe_event("charge.succeeded", stripe_charge(pi="pi_odd", amount=amount)))  # type: ignore[arg-type]
    assert status == 400 and "data.object.amount" in answer["error"], answer
    assert await stored(bot) == []


async def test_a_paypal_amount_of_a_thousand_digits_is_refused_at_the_door(
    bot: BotUnderTest, paypal: FakePayPal
) -> None:
    event = capture_completed_event("CAP-HUGE", "1.00", "USD", at=START)
    event["resource"]["amount"]["value"] = "9" * 1000
    status, answer = await bot.paypal(event, paypal)
    assert status == 400 and "resource.amount" in answer["error"], answer
    assert await stored(bot) == []


async def test_long_subject_name_and_author_are_cut_with_an_ellipsis_and_posted(
    bot: BotUnderTest, slack: FakeSlack
) -> None:
    subject, name, author = "S" * 600, "N" * 256, "A" * 300
    first = ticket_event(
        "ticket.created", ticket_id="T-LONG", message_id="M-1", body="Hello", subject=subject, name=name
    )
    reply = ticket_event(
        "ticket.message", ticket_id="T-LONG", message_id="M-2", body="On it", sender="agent", author=author
    )
    for event in (first, reply):
        status, answer = await bot.tickets(event)
        assert status == 200, answer
    await bot.settle()

    assert await stored(bot) == [("ticket.created", InboundStatus.APPLIED), ("ticket.message", InboundStatus.APPLIED)]
    async with bot.runtime.db.transaction(read_only=True) as session:
        ticket = await session.scalar(select(Ticket))
        customer = await session.scalar(select(Customer))
        kept_author = await session.scalar(select(TicketMessage.author).where(TicketMessage.external_id == "M-2"))
    assert ticket is not None and ticket.subject == "S" * 499 + "…"
    assert customer is not None and customer.name == "N" * 199 + "…"
    assert kept_author == "A" * 199 + "…"
    [card] = slack.channel_messages(SUPPORT)
    assert "SSSS" in shown(card) and "NNNN" in shown(card)


async def test_a_stripe_checkout_name_of_256_characters_is_cut_and_the_sale_posted(
    bot: BotUnderTest, slack: FakeSlack
) -> None:
    session_ = stripe_checkout_session(pi="pi_long_name", email="long@example.com", name="Ö" * 256)
    status, answer = await bot.stripe(stripe_event("checkout.session.completed", session_))
    assert status == 200, answer
    await bot.settle()
    async with bot.runtime.db.transaction(read_only=True) as session:
        payment = await session.scalar(select(Payment))
        customer = await session.scalar(select(Customer))
    assert payment is not None and payment.payer_name == "Ö" * 199 + "…"
    assert customer is not None and customer.name == "Ö" * 199 + "…"
    [card] = slack.channel_messages(SALES)
    assert "$49.00" in shown(card)


async def test_a_ticket_id_longer_than_kept_is_refused_at_the_door(bot: BotUnderTest) -> None:
    event = ticket_event("ticket.created", ticket_id="T" * 256, message_id="M-1", body="Hello")
    status, answer = await bot.tickets(event)
    assert status == 400 and "ticket.id" in answer["error"], answer
    assert await stored(bot) == []


async def test_an_event_id_longer_than_kept_is_refused_and_spoils_no_other_delivery(bot: BotUnderTest) -> None:
    status, answer = await bot.stripe(stripe_event("charge.succeeded", stripe_charge(pi="pi_x"), event_id="e" * 256))
    assert status == 400, answer
    status, answer = await bot.stripe(stripe_event("charge.succeeded", stripe_charge(pi="pi_ok")))
    assert status == 200, answer
    async with bot.runtime.db.transaction(read_only=True) as session:
        assert await session.scalar(select(func.count()).select_from(InboundEvent)) == 1


async def test_nul_characters_in_text_are_dropped_not_fatal(bot: BotUnderTest, slack: FakeSlack) -> None:
    # PostgreSQL text cannot hold NUL; JSON can carry it as \u0000.
    event = ticket_event("ticket.created", ticket_id="T-NUL", message_id="M-1", body="Hel\x00lo", subject="Sub\x00ject")
    status, answer = await bot.tickets(event)
    assert status == 200, answer
    await bot.settle()
    async with bot.runtime.db.transaction(read_only=True) as session:
        message = await session.scalar(select(TicketMessage))
    assert message is not None and message.body == "Hello"
    assert "Hello" in shown(slack.channel_messages(SUPPORT)[0])
