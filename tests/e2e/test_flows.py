"""Every flow end to end: provider webhooks over real HTTP into the real bot, and what lands in (fake) Slack."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.fakes.paypal import (
    FakePayPal,
    capture_completed_event,
    capture_refunded_event,
    dispute_event,
    sale_event,
)
from bot.fakes.slack import FakeSlack, Message
from bot.storage.models.customers import Customer
from bot.storage.models.inbound import InboundEvent
from bot.storage.models.sales import Dispute, Payment, Refund
from bot.storage.models.tickets import Ticket, TicketMessage
from tests.builders import stripe_charge, stripe_dispute, stripe_event, stripe_payment_intent, ticket_event
from tests.clocks import START
from tests.harness import BotUnderTest, bot_settings, running_bot, unpaced

SALES, SUPPORT, DISPUTES = "C0SALES", "C0SUPPORT", "C0DISPUTES"
MENTIONS = ("<!channel>", "<!here>", "<!everyone>", "<@U123>")


@pytest.fixture
async def bot(database_url: str, slack: FakeSlack, paypal: FakePayPal) -> AsyncIterator[BotUnderTest]:
    # Pacing is not what these tests are about: without it a card and four replies take seconds, not milliseconds.
    async with running_bot(bot_settings(database_url, slack, paypal), pacer=unpaced()) as running:
        yield running


def shown(message: Message | dict[str, Any]) -> str:
    """Everything a message shows (blocks and fallback text), as one string to search."""
    if isinstance(message, Message):
        return message.text + "\n" + json.dumps(message.blocks, ensure_ascii=False)
    return message["text"] + "\n" + json.dumps(message["blocks"], ensure_ascii=False)


def mrkdwn(message: Message) -> Iterator[str]:
    """The texts Slack parses for mentions and links: the fallback text and every mrkdwn text object."""
    yield message.text

    def walk(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
                yield node["text"]
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    yield from walk(message.blocks)


def only_card(slack: FakeSlack, channel: str) -> Message:
    cards = slack.channel_messages(channel)
    assert len(cards) == 1, [shown(c) for c in cards]
    return cards[0]


async def post_stripe(bot: BotUnderTest, event: dict[str, Any]) -> None:
    status, answer = await bot.stripe(event)
    assert status == 200, answer
    await bot.settle()


async def post_paypal(bot: BotUnderTest, event: dict[str, Any], paypal: FakePayPal) -> None:
    status, answer = await bot.paypal(event, paypal)
    assert status == 200, answer
    await bot.settle()


async def post_ticket(bot: BotUnderTest, event: dict[str, Any]) -> None:
    status, answer = await bot.tickets(event)
    assert status == 200, answer
    await bot.settle()


async def count(bot: BotUnderTest, model: type) -> int:
    async with bot.runtime.db.transaction() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def statuses(bot: BotUnderTest) -> list[str]:
    async with bot.runtime.db.transaction() as session:
        return list(await session.scalars(select(InboundEvent.status).order_by(InboundEvent.id)))


def iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- Stripe: sales and refunds -------------------------------------------------------------------------------


async def test_stripe_refund_replies_in_the_sale_thread_and_marks_the_card(bot: BotUnderTest, slack: FakeSlack) -> None:
    await post_stripe(bot, stripe_event("charge.succeeded", stripe_charge(pi="pi_refund")))
    card = only_card(slack, SALES)
    assert "Refunded" not in shown(card)

    charge = stripe_charge(pi="pi_refund", amount_refunded=4900)
    charge["refunds"] = {
        "object": "list",
        "data": [
            {
                "id": "re_1",
                "object": "refund",
                "amount": 4900,
                "currency": "usd",
                "created": bot.now(),
                "reason": "requested_by_customer",
            }
        ],
    }
    await post_stripe(bot, stripe_event("charge.refunded", charge))

    assert only_card(slack, SALES) is card
    [reply] = slack.replies(SALES, card.ts)
    assert "Refunded $49.00" in shown(reply) and "(the whole sale)" in shown(reply)
    assert "reason: requested by customer" in shown(reply)
    assert len(card.edits) == 1 and "Refunded" not in json.dumps(card.edits[0]["blocks"])
    assert "↩️ *Refunded* $49.00" in shown(card)
    assert "$49.00" in shown(card) and "ann@example.com" in shown(card)


async def test_stripe_partial_refunds_without_the_refunds_list_add_up(bot: BotUnderTest, slack: FakeSlack) -> None:
    # API versions since 2022-11-15 send charge.refunded without `refunds`: only the running total.
    await post_stripe(bot, stripe_event("charge.succeeded", stripe_charge(pi="pi_parts")))
    await post_stripe(bot, stripe_event("charge.refunded", stripe_charge(pi="pi_parts", amount_refunded=1000)))
    card = only_card(slack, SALES)
    assert "↩️ *Partly refunded* $10.00" in shown(card)

    await post_stripe(bot, stripe_event("charge.refunded", stripe_charge(pi="pi_parts", amount_refunded=4900)))
    first, second = slack.replies(SALES, card.ts)
    assert "Refunded $10.00" in shown(first) and "whole sale" not in shown(first)
    assert "Refunded $39.00" in shown(second)
    assert "↩️ *Refunded* $49.00" in shown(card)
    assert len(card.edits) == 2


async def test_stripe_refund_events_out_of_order_never_shrink_the_refunded_total(
    bot: BotUnderTest, slack: FakeSlack
) -> None:
    await post_stripe(bot, stripe_event("charge.succeeded", stripe_charge(pi="pi_late")))
    now = bot.now()
    earlier = stripe_event("charge.refunded", stripe_charge(pi="pi_late", amount_refunded=1000), created=now - 60)
    later = stripe_event("charge.refunded", stripe_charge(pi="pi_late", amount_refunded=4900), created=now)
    await post_stripe(bot, later)
    await post_stripe(bot, earlier)

    card = only_card(slack, SALES)
    assert "↩️ *Refunded* $49.00" in shown(card)
    async with bot.runtime.db.transaction() as session:
        payment = (await session.scalars(select(Payment))).one()
        assert payment.amount_refunded_minor == 4900
        amounts = list(await session.scalars(select(Refund.amount_minor).order_by(Refund.id)))
    assert all(amount is None or amount > 0 for amount in amounts), amounts
    assert all("-$" not in shown(reply) for reply in slack.replies(SALES, card.ts))


async def test_stripe_refund_before_the_sale_makes_the_sale_card_then_the_reply(
    bot: BotUnderTest, slack: FakeSlack
) -> None:
    await post_stripe(bot, stripe_event("charge.refunded", stripe_charge(pi="pi_early", amount_refunded=4900)))
    card = only_card(slack, SALES)
    assert "$49.00" in shown(card) and "Pro licence" in shown(card) and "ann@example.com" in shown(card)
    assert "Refunded" in shown(card)
    [reply] = slack.replies(SALES, card.ts)
    assert "Refunded $49.00" in shown(reply)
    assert slack.all_messages().index(card) < slack.all_messages().index(reply)

    # The sale's own events, arriving late, add no second card.
    await post_stripe(bot, stripe_event("charge.succeeded", stripe_charge(pi="pi_early")))
    await post_stripe(bot, stripe_event("payment_intent.succeeded", stripe_payment_intent(pi="pi_early")))
    assert only_card(slack, SALES) is card
    assert len(slack.replies(SALES, card.ts)) == 1
    assert await count(bot, Payment) == 1
    assert "Refunded" in shown(card)


async def test_stripe_sale_without_any_email_shows_unknown_customer(bot: BotUnderTest, slack: FakeSlack) -> None:
    charge = stripe_charge(pi="pi_anon", email=None, name=None)
    await post_stripe(bot, stripe_event("charge.succeeded", charge))
    await post_stripe(bot, stripe_event("payment_intent.succeeded", stripe_payment_intent(pi="pi_anon")))
    card = only_card(slack, SALES)
    assert "unknown customer" in shown(card)
    assert "$49.00" in shown(card)
    assert await statuses(bot) == ["applied", "applied"]
    assert await count(bot, Customer) == 0


async def test_stripe_zero_decimal_currency(bot: BotUnderTest, slack: FakeSlack) -> None:
    await post_stripe(bot, stripe_event("charge.succeeded", stripe_charge(pi="pi_yen", amount=5000, currency="jpy")))
    card = only_card(slack, SALES)
    assert "¥5,000" in shown(card)
    assert "¥50" not in shown(card)


# -- Stripe: disputes ----------------------------------------------------------------------------------------


async def test_stripe_dispute_lifecycle_card_replies_and_in_place_updates(bot: BotUnderTest, slack: FakeSlack) -> None:
    t0 = bot.now() - 600
    due = bot.now() + int(timedelta(days=2, hours=5, minutes=30).total_seconds())

    def dispute(event_type: str, at: int, status: str) -> dict[str, Any]:
        obj = stripe_dispute(dispute_id="dp_1", pi="pi_unseen", amount=2500, status=status, due_by=due)
        return stripe_event(event_type, obj, created=at)

    await post_stripe(bot, dispute("charge.dispute.created", t0, "needs_response"))
    card = only_card(slack, DISPUTES)
    assert slack.channel_messages(SALES) == []
    text = shown(card)
    assert "Dispute · $25.00 · Product not received" in text
    assert "Needs response" in text
    assert "🟠 in 2 d 5 h" in text and f"<!date^{due}^" in text
    assert "not seen by supportbot" in text
    assert card.edits == []

    steps = [
        ("charge.dispute.updated", "under_review", "✏️ Dispute updated", "Under review"),
        ("charge.dispute.funds_withdrawn", "under_review", "💸 Funds withdrawn", "Under review"),
        ("charge.dispute.closed", "won", "🏁 Dispute closed", "Won"),
        ("charge.dispute.funds_reinstated", "won", "💰 Funds reinstated", "Won"),
    ]
    changes = 0
    for n, (event_type, status, headline, shown_status) in enumerate(steps, start=1):
        before, edits_before = json.dumps(card.blocks, ensure_ascii=False), len(card.edits)
        await post_stripe(bot, dispute(event_type, t0 + 10 * n, status))
        replies = slack.replies(DISPUTES, card.ts)
        assert len(replies) == n
        assert headline in shown(replies[-1])
        after = json.dumps(card.blocks, ensure_ascii=False)
        assert f'"*Status*\\n{shown_status}"' in after, after
        if after != before:  # what the card shows changed: it is drawn again in place, once
            changes += 1
            assert len(card.edits) == edits_before + 1
            assert json.dumps(card.edits[-1]["blocks"], ensure_ascii=False) == before
        else:  # nothing to show: a redraw is allowed but not needed
            assert len(card.edits) in (edits_before, edits_before + 1)
    assert changes >= 2  # needs response → under review → won
    edits = len(card.edits)

    assert "status Needs response → *Under review*" in shown(slack.replies(DISPUTES, card.ts)[0])
    assert "status Under review → *Won*" in shown(slack.replies(DISPUTES, card.ts)[2])
    assert "✅ Dispute" in shown(card)

    # An update Stripe sent before the closing, delivered last: it must not reopen the dispute.
    await post_stripe(bot, dispute("charge.dispute.updated", t0 + 15, "needs_response"))
    assert len(slack.replies(DISPUTES, card.ts)) == 4
    assert len(card.edits) == edits
    assert '"*Status*\\nWon"' in json.dumps(card.blocks, ensure_ascii=False)
    async with bot.runtime.db.transaction() as session:
        assert await session.scalar(select(Dispute.status)) == "won"
    assert only_card(slack, DISPUTES) is card


async def test_stripe_dispute_for_a_known_sale_shows_it_and_marks_the_sale(bot: BotUnderTest, slack: FakeSlack) -> None:
    await post_stripe(bot, stripe_event("charge.succeeded", stripe_charge(pi="pi_sold")))
    sale = only_card(slack, SALES)

    await post_stripe(bot, stripe_event("charge.dispute.created", stripe_dispute(dispute_id="dp_2", pi="pi_sold")))
    card = only_card(slack, DISPUTES)
    text = shown(card)
    assert "*Disputed sale*: $49.00 · Pro licence" in text
    assert f"https://slack.com/archives/{SALES}/p{sale.ts.replace('.', '')}" in text
    assert "ann@example.com" in text
    assert "1 purchase(s)" in text and "1 dispute(s)" in text

    assert len(sale.edits) == 1
    assert "⚠️ *Disputed* (product not received, needs response)" in shown(sale)
    assert slack.replies(SALES, sale.ts) == []

    # The sale card's mark follows the dispute to its end.
    closed = stripe_dispute(dispute_id="dp_2", pi="pi_sold", status="lost")
    await post_stripe(bot, stripe_event("charge.dispute.closed", closed, created=bot.now() + 5))
    assert "⚠️ *Disputed* (product not received, lost)" in shown(sale)
    assert "needs response" not in shown(sale)
    assert only_card(slack, SALES) is sale and slack.replies(SALES, sale.ts) == []


# -- PayPal --------------------------------------------------------------------------------------------------


async def test_paypal_capture_without_email_then_refund_linked_only_by_up(
    bot: BotUnderTest, slack: FakeSlack, paypal: FakePayPal
) -> None:
    await post_paypal(
        bot, capture_completed_event("CAP0000000000000A", "25.50", "USD", custom_id="Ebook", at=START), paypal
    )
    card = only_card(slack, SALES)
    assert "$25.50" in shown(card) and "Ebook" in shown(card)
    assert "unknown customer" in shown(card)
    assert "View in PayPal" in shown(card)

    refund = capture_refunded_event("CAP0000000000000A", "25.50", "USD", at=START)
    assert "capture_id" not in refund["resource"]
    assert any(link["rel"] == "up" and "CAP0000000000000A" in link["href"] for link in refund["resource"]["links"])
    await post_paypal(bot, refund, paypal)

    assert only_card(slack, SALES) is card
    [reply] = slack.replies(SALES, card.ts)
    assert "Refunded $25.50" in shown(reply) and "(the whole sale)" in shown(reply)
    assert len(card.edits) == 1 and "↩️ *Refunded* $25.50" in shown(card)


def sale_refunded_event(sale_id: str, refund_id: str, total: str, currency: str, at: datetime) -> dict[str, Any]:
    """A v1 PAYMENT.SALE.REFUNDED delivery, shaped after PayPal's own sample (the total comes negative there)."""
    parent = "PAY-5437236047802405NKRJ22UA"
    event_id = f"WH-{refund_id}-REFUNDED"
    return {
        "id": event_id,
        "event_version": "1.0",
        "create_time": iso(at),
        "resource_type": "sale",
        "event_type": "PAYMENT.SALE.REFUNDED",
        "summary": f"A {total.lstrip('-')} {currency} sale payment was refunded",
        "resource": {
            "id": refund_id,
            "sale_id": sale_id,
            "parent_payment": parent,
            "amount": {"total": total, "currency": currency},
            "state": "completed",
            "create_time": iso(at),
            "update_time": iso(at),
            "links": [
                {"href": f"https://api.paypal.com/v1/payments/refund/{refund_id}", "rel": "self", "method": "GET"},
                {
                    "href": f"https://api.paypal.com/v1/payments/payment/{parent}",
                    "rel": "parent_payment",
                    "method": "GET",
                },
                {"href": f"https://api.paypal.com/v1/payments/sale/{sale_id}", "rel": "sale", "method": "GET"},
            ],
        },
        "links": [
            {
                "href": f"https://api.paypal.com/v1/notifications/webhooks-events/{event_id}",
                "rel": "self",
                "method": "GET",
            }
        ],
    }


@pytest.mark.parametrize("total", ["15.00", "-15.00"], ids=["positive total", "negative total as in PayPal's sample"])
async def test_paypal_v1_sale_and_sale_refund(
    bot: BotUnderTest, slack: FakeSlack, paypal: FakePayPal, total: str
) -> None:
    at = bot.runtime.clock.now() - timedelta(minutes=5)
    sale = sale_event("80021663DE681814L", "15.00", "EUR", payer_email="Sam@Example.org", invoice_number="INV-7", at=at)
    await post_paypal(bot, sale, paypal)
    card = only_card(slack, SALES)
    assert "€15.00" in shown(card) and "sam@example.org" in shown(card) and "INV-7" in shown(card)

    await post_paypal(bot, sale_refunded_event("80021663DE681814L", "6YX43824R4443062K", total, "EUR", at), paypal)
    [reply] = slack.replies(SALES, card.ts)
    assert "Refunded €15.00" in shown(reply) and "(the whole sale)" in shown(reply)
    assert "-€" not in shown(reply)
    assert "↩️ *Refunded* €15.00" in shown(card)
    async with bot.runtime.db.transaction() as session:
        assert await session.scalar(select(Payment.amount_refunded_minor)) == 1500


async def test_paypal_dispute_created_updated_resolved(bot: BotUnderTest, slack: FakeSlack, paypal: FakePayPal) -> None:
    t0 = (bot.runtime.clock.now() - timedelta(minutes=10)).replace(microsecond=0)
    await post_paypal(
        bot, capture_completed_event("CAP0000000000000D", "30.00", "USD", "pat@example.com", at=START), paypal
    )
    sale = only_card(slack, SALES)

    common = {"transaction_id": "CAP0000000000000D", "value": "30.00", "buyer_email": "pat@example.com"}
    await post_paypal(bot, dispute_event("CREATED", "PP-D-1", at=t0, **common), paypal)
    card = only_card(slack, DISPUTES)
    text = shown(card)
    assert "Dispute · $30.00 · Merchandise or service not received" in text
    assert "Open (Inquiry)" in text
    assert "🟢 in 9 d 23 h" in text
    assert f"<!date^{int((t0 + timedelta(days=10)).timestamp())}^" in text
    assert "*Disputed sale*: $30.00" in text and "pat@example.com" in text
    assert "resolutioncenter/PP-D-1" in text
    assert "⚠️ *Disputed*" in shown(sale)

    t1 = t0 + timedelta(minutes=1)
    await post_paypal(bot, dispute_event("UPDATED", "PP-D-1", at=t1, stage="CHARGEBACK", **common), paypal)
    [update] = slack.replies(DISPUTES, card.ts)
    assert "✏️ Dispute updated" in shown(update)
    assert "*Waiting for seller response*" in shown(update) and "stage → *Chargeback*" in shown(update)
    assert f"<!date^{int((t1 + timedelta(days=10)).timestamp())}^" in shown(update)
    assert len(card.edits) == 1 and "Waiting for seller response (Chargeback)" in shown(card)

    resolved = dispute_event(
        "RESOLVED", "PP-D-1", at=t0 + timedelta(minutes=2), outcome="RESOLVED_SELLER_FAVOUR", **common
    )
    await post_paypal(bot, resolved, paypal)
    _, done = slack.replies(DISPUTES, card.ts)
    assert "🏁 Dispute resolved" in shown(done) and "outcome: *Resolved seller favour*" in shown(done)
    assert len(card.edits) == 2 and "✅ Dispute" in shown(card) and "Resolved" in shown(card)
    assert only_card(slack, DISPUTES) is card


# -- Tickets -------------------------------------------------------------------------------------------------


async def test_ticket_card_then_messages_in_its_thread(bot: BotUnderTest, slack: FakeSlack) -> None:
    zone = ZoneInfo("Asia/Tokyo")
    before = bot.runtime.clock.now().astimezone(zone)
    created = ticket_event(
        "ticket.created",
        ticket_id="T-1",
        message_id="M-1",
        subject="Download link expired",
        body="Where is my download?",
        timezone="Asia/Tokyo",
    )
    await post_ticket(bot, created)
    after = bot.runtime.clock.now().astimezone(zone)
    card = only_card(slack, SUPPORT)
    text = shown(card)
    assert "🎫 Download link expired" in text
    assert "Ann Example <mailto:ann@example.com|ann@example.com>" in text
    assert "> Where is my download?" in text
    assert any(f"{t:%H:%M} for the customer (Asia/Tokyo)" in text for t in (before, after)), text
    assert "first contact" in text

    await post_ticket(
        bot, ticket_event("ticket.message", ticket_id="T-1", message_id="M-2", body="Still nothing, sorry")
    )
    await post_ticket(
        bot,
        ticket_event(
            "ticket.message", ticket_id="T-1", message_id="M-3", body="Sent a new link.", sender="agent", author="Bob"
        ),
    )
    first, second = slack.replies(SUPPORT, card.ts)
    assert "💬 *Customer wrote*" in shown(first) and "> Still nothing, sorry" in shown(first)
    assert "🧑‍💼 *Bob replied*" in shown(second) and "> Sent a new link." in shown(second)
    assert len(card.edits) == 2
    assert "💬 2 messages · last from customer" in json.dumps(card.edits[1]["blocks"], ensure_ascii=False)
    assert "💬 3 messages · last from Bob" in shown(card)
    assert "> Where is my download?" in shown(card)

    # A redelivered message is not shown twice.
    await post_ticket(bot, ticket_event("ticket.message", ticket_id="T-1", message_id="M-3", body="Sent a new link."))
    assert len(slack.replies(SUPPORT, card.ts)) == 2
    assert await count(bot, TicketMessage) == 3


async def test_ticket_message_before_ticket_created_still_makes_a_card(bot: BotUnderTest, slack: FakeSlack) -> None:
    await post_ticket(
        bot, ticket_event("ticket.message", ticket_id="T-2", message_id="M-2", body="Hello again?", subject="Invoice")
    )
    card = only_card(slack, SUPPORT)
    assert "🎫 Invoice" in shown(card) and "ann@example.com" in shown(card) and "Hello again?" in shown(card)

    await post_ticket(
        bot,
        ticket_event("ticket.created", ticket_id="T-2", message_id="M-1", body="I need an invoice", subject="Invoice"),
    )
    assert only_card(slack, SUPPORT) is card
    [reply] = slack.replies(SUPPORT, card.ts)
    assert "I need an invoice" in shown(reply)
    assert "💬 2 messages" in shown(card)
    assert await count(bot, Ticket) == 1
    assert await statuses(bot) == ["applied", "applied"]


async def test_ticket_card_counts_purchases_across_providers_by_email(
    bot: BotUnderTest, slack: FakeSlack, paypal: FakePayPal
) -> None:
    await post_stripe(bot, stripe_event("charge.succeeded", stripe_charge(pi="pi_ann", email="Ann@Example.COM")))
    await post_paypal(
        bot, capture_completed_event("CAP0000000000000X", "10.00", "EUR", "ANN@example.com", at=START), paypal
    )
    assert len(slack.channel_messages(SALES)) == 2
    assert "2nd purchase" in shown(slack.channel_messages(SALES)[1])

    await post_ticket(
        bot,
        ticket_event("ticket.created", ticket_id="T-3", message_id="M-1", body="Hi", email="ann@EXAMPLE.com"),
    )
    card = only_card(slack, SUPPORT)
    assert "2 purchase(s) · lifetime €10.00 · $49.00" in shown(card)
    assert await count(bot, Customer) == 1


async def test_customer_text_cannot_mention_anyone(bot: BotUnderTest, slack: FakeSlack) -> None:
    nasty = "Help <!channel> <!here> <!everyone> and <@U123> now"
    await post_ticket(
        bot,
        ticket_event(
            "ticket.created",
            ticket_id="T-4",
            message_id="M-1",
            subject="Urgent <!channel>",
            name="Eve <@U123>",
            email="eve@example.com",
            body=nasty,
        ),
    )
    await post_ticket(bot, ticket_event("ticket.message", ticket_id="T-4", message_id="M-2", body=nasty))
    await post_ticket(
        bot,
        ticket_event("ticket.message", ticket_id="T-4", message_id="M-3", body="ok", sender="agent", author="<!here>"),
    )
    charge = stripe_charge(pi="pi_eve", email=None, name="Eve <!channel>", description="Pro <@U123>")
    await post_stripe(bot, stripe_event("charge.succeeded", charge))

    card = only_card(slack, SUPPORT)
    posted = [card, *slack.replies(SUPPORT, card.ts), only_card(slack, SALES)]
    assert len(posted) == 4
    for message in posted:
        for text in mrkdwn(message):
            for mention in MENTIONS:
                assert mention not in text, (mention, text)
    assert "&lt;!channel&gt;" in shown(card) and "&lt;@U123&gt;" in shown(card)
    assert "Eve &lt;@U123&gt;" in shown(card)


async def test_customer_email_cannot_mention_anyone(bot: BotUnderTest, slack: FakeSlack) -> None:
    event = ticket_event(
        "ticket.created", ticket_id="T-5", message_id="M-1", body="hi", name="", email="<!channel>@example.com"
    )
    await post_ticket(bot, event)
    card = only_card(slack, SUPPORT)
    for text in mrkdwn(card):
        assert "<!channel>" not in text, text


async def test_ticket_fields_of_the_wrong_type_do_not_stick_the_event(bot: BotUnderTest, slack: FakeSlack) -> None:
    event = ticket_event("ticket.created", ticket_id="T-6", message_id="M-1", body="Can you help?")
    event["ticket"]["subject"] = 404
    event["ticket"]["customer"] = {"email": ["ann@example.com"], "name": 7}
    await post_ticket(bot, event)
    assert await statuses(bot) == ["applied"]
    card = only_card(slack, SUPPORT)
    assert "(no subject)" in shown(card) and "unknown customer" in shown(card) and "Can you help?" in shown(card)


async def test_a_returning_customers_sale_card_says_which_purchase_it_is(bot, slack):
    for n, pi in enumerate(("pi_first", "pi_second")):
        charge = stripe_charge(pi=pi, email="returning@example.com") | {"created": bot.now() + n}
        await bot.stripe(stripe_event("charge.succeeded", charge))
        await bot.settle()
    first, second = slack.channel_messages(SALES)
    assert "1st purchase" in shown(first)
    assert "2nd purchase · lifetime $98.00" in shown(second)


async def test_a_ticket_card_quotes_the_message_written_first_even_if_it_arrived_second(bot, slack):
    later = ticket_event("ticket.message", ticket_id="T-ord", message_id="m2", body="Any news??")
    later["ticket"]["message"]["created_at"] = "2026-11-24T10:05:00Z"
    opening = ticket_event("ticket.created", ticket_id="T-ord", message_id="m1", body="My licence key is rejected.")
    opening["ticket"]["message"]["created_at"] = "2026-11-24T10:00:00Z"
    await bot.tickets(later)
    await bot.tickets(opening)
    await bot.settle()
    [card] = slack.channel_messages(SUPPORT)
    assert "> My licence key is rejected." in shown(card)
