"""A day at a small shop, as the providers would report it: Wednesday 25 November 2026 in Berlin."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from bot.demo.night import the_night
from bot.demo.script import Delivery, Scene, at, stripe_event, stripe_sale, ticket, unix
from bot.fakes import paypal as paypal_events
from bot.fakes.paypal_orders import FakeOrders

PRODUCTS = [
    ("Pro licence", 4900),
    ("Video course: Async Python", 12900),
    ("E-book: Shipping Calm Code", 1900),
    ("Team licence (5 seats)", 19900),
]

# The team, as Slack and the help desk both name them.
SAM = "Sam"
OLIVIA = "Olivia"

VICTOR = {"email": "victor@example.net", "name": "Victor Hale"}
VICTOR_PAYMENT = "pi_demo_00500"
VICTOR_LICENCE = "TEAM-7F3K-9QX2-LM4P"
PAYPAL_CAPTURE = "3DX12345AB678901C"
PAYPAL_ORDER = "5O190127TN364715T"
# The video course's buyer, as PayPal knows him: the shop's checkout plugin made the order with its own PayPal app,
# so the bot may not read the order (403) and finds him in PayPal's transaction search once it shows the sale.
PAYPAL_BUYER = {"email": "jonas.berg@example.de", "given_name": "Jonas", "surname": "Berg"}
PAYPAL_INDEX_LAG = timedelta(minutes=5)


def set_up_paypal(orders: FakeOrders) -> None:
    """What PayPal holds before the story starts: the order of the 09:40 sale, made by another app."""
    orders.add_sale(
        PAYPAL_ORDER,
        PAYPAL_CAPTURE,
        "79.00",
        "EUR",
        **PAYPAL_BUYER,
        paid_at=at("09:40"),
        other_app=True,
        indexed_after=PAYPAL_INDEX_LAG,
    )


_ANN = {"email": "Ann.Lee@example.com", "name": "Ann Lee"}


def the_day(burst: int, helpdesk_url: str) -> Iterator[Scene]:
    yield Scene(
        at("08:55"),
        "Before opening, a customer buys the Pro licence with Stripe",
        (stripe_sale(1, at("08:55"), **_ANN, amount=4900, currency="usd", product="Pro licence"),),
    )
    yield Scene(at("09:00"), "The team comes on duty: the morning digest tells what happened overnight")
    yield Scene(
        at("09:40"),
        "A PayPal sale arrives without the buyer's email (as most do)",
        (
            (
                Delivery(
                    "paypal",
                    paypal_events.capture_completed_event(
                        PAYPAL_CAPTURE,
                        "79.00",
                        "EUR",
                        custom_id="Video course: Async Python",
                        order_id=PAYPAL_ORDER,
                        event_id="WH-DEMO-CAPTURE-0001",
                        at=at("09:40"),
                    ),
                ),
            ),
        ),
    )
    yield Scene(
        at("09:48"),
        "PayPal's search catches up: the sale's card names its buyer",
    )
    yield from _carla()
    yield from _launch(burst)
    yield from _refund_and_disputes()
    yield from _victor(helpdesk_url)
    yield from the_night(helpdesk_url)


_CARLA = {
    "subject": "Download link says 'expired'",
    "email": "carla@example.jp",
    "name": "Carla Mori",
    "timezone": "Asia/Tokyo",  # eight hours ahead of the team: their morning is her evening
}


def _carla() -> Iterator[Scene]:
    yield Scene(
        at("10:12"),
        "Carla, in Tokyo, buys an e-book; its download link says 'expired'",
        (
            stripe_sale(
                2,
                at("10:12"),
                amount=1900,
                currency="usd",
                product="E-book: Shipping Calm Code",
                email=_CARLA["email"],
                name=_CARLA["name"],
            ),
            ticket(
                "ticket.created",
                "T-1042",
                "m1",
                "Hi, I just bought the e-book but the download link says it has expired. Could you send a new one? "
                "Thanks, Carla",
                **_CARLA,
            ),
        ),
    )
    yield Scene(
        at("10:31"),
        "She writes again, then Sam answers in the help desk",
        (
            ticket(
                "ticket.message",
                "T-1042",
                "m2",
                "Sorry to insist: it is evening here and I need the book for a talk tomorrow morning.",
                **_CARLA,
            ),
            ticket(
                "ticket.message",
                "T-1042",
                "m3",
                "Hi Carla, sorry about that! Here is a fresh link, valid for 7 days: https://shop.example/dl/9f2c",
                sender="agent",
                author=SAM,
                **_CARLA,
            ),
        ),
    )


def _launch(burst: int) -> Iterator[Scene]:
    rng = random.Random(7)  # the same launch every time
    sales = []
    for i in range(burst):
        product, price = PRODUCTS[rng.randrange(len(PRODUCTS))]
        currency = rng.choice(["usd", "usd", "eur"])
        email = f"buyer{i:03d}@example.com"
        # Each paid at its own moment of the launch minute, so "the latest sales" have one order.
        paid = at("11:00") + timedelta(seconds=i * 60 / max(burst, 1))
        sales.append(
            stripe_sale(100 + i, paid, amount=price, currency=currency, email=email, name=None, product=product)
        )
    # The first two come one by one; then the launch mail lands and the rest pour in, in two waves.
    first, rest = sales[:2], sales[2:]
    waves = [*([sale] for sale in first), rest[: len(rest) // 2], rest[len(rest) // 2 :]]
    beats = tuple(tuple(d for sale in wave for d in sale) for wave in waves if wave)
    yield Scene(at("11:01"), f"Launch: {burst} sales in a minute (faster than Slack lets a bot post)", beats)
    yield Scene(
        at("11:02"),
        "Stripe redelivers an event it already sent: nothing is posted twice",
        (sales[0][:1],) if sales else (),
    )


def _refund_and_disputes() -> Iterator[Scene]:
    refund_charge = {
        "id": "ch_demo_00001",
        "object": "charge",
        "amount": 4900,
        "currency": "usd",
        "payment_intent": "pi_demo_00001",
        "amount_refunded": 4900,
        "refunded": True,
        "billing_details": {"email": "ann.lee@example.com", "name": "Ann Lee"},
        "refunds": {
            "data": [
                {
                    "id": "re_demo_1",
                    "amount": 4900,
                    "currency": "usd",
                    "reason": "requested_by_customer",
                    "created": unix(at("13:20")),
                }
            ]
        },
    }
    yield Scene(
        at("13:20"),
        "Ann asks for her money back; the refund lands in the sale's thread",
        ((Delivery("stripe", stripe_event("charge.refunded", refund_charge, 1, at("13:20"))),),),
    )
    dispute = {
        "id": "dp_demo_1",
        "object": "dispute",
        "amount": 1900,
        "currency": "usd",
        "charge": "ch_demo_00002",
        "payment_intent": "pi_demo_00002",
        "reason": "product_not_received",
        "status": "needs_response",
        "created": unix(at("15:05")),
        "evidence_details": {"due_by": unix(at("15:05", day=9))},
    }
    yield Scene(
        at("15:05"),
        "Carla's bank opens a chargeback: the dispute card links her sale and her ticket",
        (
            (
                Delivery("stripe", stripe_event("charge.dispute.created", dispute, 2, at("15:05"))),
                Delivery("stripe", stripe_event("charge.dispute.funds_withdrawn", dispute, 3, at("15:05"))),
            ),
        ),
    )
    paypal_dispute: dict[str, Any] = {
        "value": "79.00",
        "currency": "EUR",
        "transaction_id": PAYPAL_CAPTURE,
        "at": at("16:40"),
    }
    yield Scene(
        at("16:40"),
        "PayPal: the buyer of the video course opens a dispute, then PayPal moves it to a chargeback",
        (
            (
                Delivery(
                    "paypal",
                    paypal_events.dispute_event("CREATED", "PP-D-4711", event_id="WH-DEMO-4711-1", **paypal_dispute),
                ),
            ),
            (
                Delivery(
                    "paypal",
                    paypal_events.dispute_event(
                        "UPDATED", "PP-D-4711", event_id="WH-DEMO-4711-2", stage="CHARGEBACK", **paypal_dispute
                    ),
                ),
            ),
        ),
    )
    yield Scene(
        at("17:30"),
        "Evidence sent; the chargeback is won",
        (
            (
                Delivery(
                    "stripe",
                    stripe_event("charge.dispute.updated", dispute | {"status": "under_review"}, 4, at("17:30")),
                ),
            ),
            (Delivery("stripe", stripe_event("charge.dispute.closed", dispute | {"status": "won"}, 5, at("17:30"))),),
        ),
    )


def _victor(helpdesk_url: str) -> Iterator[Scene]:
    victor = {
        "subject": "Licence rejected AGAIN",
        "timezone": "America/Chicago",
        "callback_url": helpdesk_url,
        **VICTOR,
    }
    yield Scene(
        at("18:10"),
        "Victor buys a team licence, and is soon unhappy",
        (
            stripe_sale(500, at("18:10"), amount=19900, currency="usd", product="Team licence (5 seats)", **VICTOR),
            ticket(
                "ticket.created",
                "T-1077",
                "m1",
                "The licence key you sent does not activate on two of our machines. This is unacceptable, I paid "
                "for five seats. Fix it today.",
                **victor,
            ),
        ),
    )
    yield Scene(
        at("18:45"),
        "Sam answers; Victor insults the staff and calls the programmer a liar",
        (
            ticket(
                "ticket.message",
                "T-1077",
                "m2",
                "Sorry about that, Victor: could you send the error message shown on the machines that fail?",
                sender="agent",
                author=SAM,
                **victor,
            ),
            ticket(
                "ticket.message",
                "T-1077",
                "m3",
                "I'm not doing your job for you. Your programmer is a liar and your support staff are useless. "
                "Fix it or I'll make sure everyone knows what a scam this is.",
                **victor,
            ),
        ),
    )
    yield Scene(at("18:46"), "Sam, on call, acknowledges the alert", team_does="acknowledge:U0SAM:Abusive message")
    yield Scene(at("18:48"), "Sam starts to answer back; the bot holds the draft", team_does="answers-back")
    yield Scene(at("18:52"), "Olivia, the owner, takes the ticket over from Slack", team_does="take-over")
    yield Scene(
        at("19:05"),
        "Olivia parts ways: refund, licence off, off the mailing list, a polite goodbye, ticket closed",
        team_does="part-ways",
    )
