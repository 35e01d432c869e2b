"""A PayPal sale's buyer, looked up after its card is drawn: from the order, or later from the transaction search."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.fakes.paypal import FakePayPal, capture_completed_event, dispute_event
from bot.fakes.slack import FakeSlack, Message
from bot.storage.models.sales import BuyerLookup, Dispute, Payment
from bot.storage.models.tickets import Ticket
from tests.builders import ticket_event
from tests.clocks import START, SteadyClock
from tests.harness import BotUnderTest, bot_settings, running_bot, shown, unpaced
from tests.waiting import eventually

ORDER = "5O190127TN364715T"
CAPTURE = "3C679366HH908993F"


@pytest.fixture
def clock() -> SteadyClock:
    return SteadyClock()


@pytest.fixture
async def paypal(clock: SteadyClock) -> AsyncIterator[FakePayPal]:
    # PayPal's transaction index lags on the bot's own clock, so a test can move past the lag.
    async with FakePayPal(now=clock.now) as fake:
        yield fake


@pytest.fixture
async def bot(
    database_url: str, slack: FakeSlack, paypal: FakePayPal, clock: SteadyClock
) -> AsyncIterator[BotUnderTest]:
    async with running_bot(bot_settings(database_url, slack, paypal), pacer=unpaced(), clock=clock) as running:
        yield running


def add_sale(paypal: FakePayPal, **options: Any) -> None:
    paypal.orders.add_sale(
        ORDER,
        CAPTURE,
        "49.00",
        "EUR",
        email="ann@example.com",
        given_name="Ann",
        surname="Example",
        paid_at=START,
        **options,
    )


async def sell(bot: BotUnderTest, paypal: FakePayPal) -> None:
    event = capture_completed_event(CAPTURE, "49.00", "EUR", order_id=ORDER, custom_id="Video course", at=START)
    status, answer = await bot.paypal(event, paypal)
    assert status == 200, answer


def sale_card(slack: FakeSlack) -> Message:
    cards = slack.channel_messages("C0SALES")
    assert len(cards) == 1, [shown(card) for card in cards]
    return cards[0]


def card_shows(slack: FakeSlack, text: str) -> bool:
    cards = slack.channel_messages("C0SALES")
    return len(cards) == 1 and text in shown(cards[0])


def paypal_reads(paypal: FakePayPal, prefix: str) -> list[str]:
    return [call.path for call in paypal.calls if call.method == "GET" and call.path.startswith(prefix)]


async def lookup(bot: BotUnderTest) -> BuyerLookup:
    async with bot.runtime.db.transaction(read_only=True) as session:
        found = await session.scalar(select(BuyerLookup))
    assert found is not None
    return found


async def move_on(bot: BotUnderTest, clock: SteadyClock, minutes: float) -> None:
    clock.advance(minutes * 60)
    assert bot.runtime.buyer_search is not None
    bot.runtime.buyer_search.wake()
    await bot.settle()


async def test_the_buyer_is_found_in_the_order_and_the_card_redrawn_in_place(
    bot: BotUnderTest, slack: FakeSlack, paypal: FakePayPal
) -> None:
    add_sale(paypal)
    await sell(bot, paypal)
    await eventually(lambda: card_shows(slack, "ann@example.com"))
    card = sale_card(slack)
    assert "Ann Example" in shown(card)
    assert paypal_reads(paypal, "/v2/checkout/orders") == [f"/v2/checkout/orders/{ORDER}"]
    assert paypal_reads(paypal, "/v1/reporting/transactions") == []
    assert (await lookup(bot)).status == "found"


async def test_an_order_of_another_app_falls_back_to_the_transaction_search_until_paypal_has_indexed_it(
    bot: BotUnderTest, slack: FakeSlack, paypal: FakePayPal, clock: SteadyClock
) -> None:
    add_sale(paypal, other_app=True, indexed_after=timedelta(minutes=20))
    await sell(bot, paypal)
    await bot.settle()
    first = await lookup(bot)
    assert (first.status, first.attempts, first.order_id) == ("pending", 1, None), "403: the order is not asked again"
    assert "PERMISSION_DENIED" in (first.last_error or "")
    drawn_at_once = sale_card(slack)
    assert "unknown customer" in shown(drawn_at_once)
    # Attempts after 1, 2, 5 and 10 minutes find nothing yet (18 minutes in); the one 15 minutes later does.
    for minutes in (1, 2, 5, 10):
        await move_on(bot, clock, minutes)
        assert "unknown customer" in shown(sale_card(slack))
    assert (await lookup(bot)).attempts == 5
    await move_on(bot, clock, 15)
    await eventually(lambda: card_shows(slack, "ann@example.com"))
    found = await lookup(bot)
    assert (found.status, found.attempts, found.outcome) == ("found", 6, "found through the transaction search")
    assert paypal_reads(paypal, "/v2/checkout/orders") == [f"/v2/checkout/orders/{ORDER}"]
    searches = [call for call in paypal.calls if call.path == "/v1/reporting/transactions"]
    assert len(searches) == 6
    # The card drawn at once was edited in place, not posted again.
    assert sale_card(slack).ts == drawn_at_once.ts
    assert any("unknown customer" in edit["text"] for edit in sale_card(slack).edits)
    assert slack.replies("C0SALES", sale_card(slack).ts) == []


async def test_paypal_busy_or_failing_is_tried_again_on_schedule(
    bot: BotUnderTest, slack: FakeSlack, paypal: FakePayPal, clock: SteadyClock
) -> None:
    add_sale(paypal)
    paypal.fail_next("/v2/checkout/orders", times=1, status=429)
    paypal.fail_next("/v2/checkout/orders", times=1, status=503)
    await sell(bot, paypal)
    await bot.settle()
    assert (await lookup(bot)).attempts == 1
    await move_on(bot, clock, 1)
    assert (await lookup(bot)).attempts == 2
    assert "unknown customer" in shown(sale_card(slack))
    await move_on(bot, clock, 2)
    await eventually(lambda: card_shows(slack, "ann@example.com"))
    assert len(paypal_reads(paypal, "/v2/checkout/orders")) == 3
    assert paypal.rate_limited == 1


async def test_a_refused_order_without_transaction_search_is_given_up_and_said_under_the_card(
    bot: BotUnderTest, slack: FakeSlack, paypal: FakePayPal
) -> None:
    add_sale(paypal, other_app=True)
    paypal.orders.transaction_search_enabled = False
    await sell(bot, paypal)
    await bot.settle()
    card = sale_card(slack)
    replies = await eventually(lambda: slack.replies("C0SALES", card.ts))
    assert "Buyer not found" in replies[0].text
    assert "PERMISSION_DENIED" in replies[0].text
    assert "unknown customer" in shown(card)
    gave_up = await lookup(bot)
    assert (gave_up.status, gave_up.next_at) == ("gave_up", None)


async def test_the_search_is_given_up_when_paypal_never_shows_the_sale(
    bot: BotUnderTest, slack: FakeSlack, paypal: FakePayPal, clock: SteadyClock
) -> None:
    # No such order, and the sale never reaches the index: every scheduled attempt, then one message.
    await sell(bot, paypal)
    await bot.settle()
    for minutes in (1, 2, 5, 10, 15, 30, 30, 60, 60, 60, 120):
        await move_on(bot, clock, minutes)
        assert (await lookup(bot)).status == "pending"
    await move_on(bot, clock, 120)
    gave_up = await lookup(bot)
    assert (gave_up.status, gave_up.attempts) == ("gave_up", 13)
    replies = await eventually(lambda: slack.replies("C0SALES", sale_card(slack).ts))
    assert "after 13 attempts" in replies[0].text


async def test_a_dispute_joins_the_customer_its_sale_found_across_tickets_and_paypal(
    bot: BotUnderTest, slack: FakeSlack, paypal: FakePayPal, clock: SteadyClock
) -> None:
    # Ann wrote to support first; her PayPal sale's buyer is found late, after she has opened a dispute.
    status, _ = await bot.tickets(
        ticket_event("ticket.created", ticket_id="T-1", message_id="M-1", body="Where is my download?")
    )
    assert status == 200
    await bot.settle()
    add_sale(paypal, other_app=True, indexed_after=timedelta(minutes=2))
    await sell(bot, paypal)
    await bot.settle()
    dispute = dispute_event(
        "CREATED", "PP-D-0001", value="49.00", currency="EUR", transaction_id=CAPTURE, buyer_name="Ann E.", at=START
    )
    status, _ = await bot.paypal(dispute, paypal)
    assert status == 200
    await bot.settle()
    dispute_card = slack.channel_messages("C0DISPUTES")[0]
    assert "ann@example.com" not in shown(dispute_card)
    await move_on(bot, clock, 1)
    await move_on(bot, clock, 2)
    await eventually(lambda: "ann@example.com" in shown(slack.channel_messages("C0DISPUTES")[0]))
    assert slack.channel_messages("C0DISPUTES")[0].ts == dispute_card.ts
    async with bot.runtime.db.transaction(read_only=True) as session:
        ticket = await session.scalar(select(Ticket))
        payment = await session.scalar(select(Payment))
        disputed = await session.scalar(select(Dispute))
    assert ticket is not None and payment is not None and disputed is not None
    assert payment.customer_id == ticket.customer_id == disputed.customer_id
    assert "Disputed" in shown(sale_card(slack))
