"""A day at a small shop, as the providers would report it: the demo's script."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.fakes import paypal as paypal_events

TEAM_ZONE = ZoneInfo("Europe/Berlin")  # the shop's team, and the demo's clock


@dataclass(frozen=True)
class Delivery:
    provider: str  # "stripe", "paypal" or "tickets"
    event: dict[str, Any]


@dataclass(frozen=True)
class Scene:
    clock: str
    title: str
    deliveries: list[Delivery] = field(default_factory=list)
    # What the team does in Slack in this scene: Sam "answers-back", Olivia "take-over" or "part-ways", and at
    # night "acknowledge:<user>:<words on the alert>".
    team_does: str | None = None


def stripe_event(event_type: str, obj: dict[str, Any], n: int) -> dict[str, Any]:
    return {
        "id": f"evt_demo_{n:05d}_{event_type.replace('.', '_')}",
        "object": "event",
        "type": event_type,
        "livemode": False,
        "data": {"object": obj},
    }


def stripe_sale(
    n: int, *, amount: int, currency: str, email: str | None, name: str | None, product: str
) -> list[Delivery]:
    """The three events Stripe sends for one Checkout payment; the bot must make one sale of them."""
    pi = f"pi_demo_{n:05d}"
    charge = {
        "id": f"ch_demo_{n:05d}",
        "object": "charge",
        "amount": amount,
        "currency": currency,
        "payment_intent": pi,
        "billing_details": {"email": email, "name": name},
        "description": product,
        "amount_refunded": 0,
        "customer": None,
        "metadata": {},
    }
    intent = {
        "id": pi,
        "object": "payment_intent",
        "amount": amount,
        "amount_received": amount,
        "currency": currency,
        "latest_charge": charge["id"],
        "metadata": {},
        "description": product,
    }
    session = {
        "id": f"cs_demo_{n:05d}",
        "object": "checkout.session",
        "payment_intent": pi,
        "amount_total": amount,
        "currency": currency,
        "payment_status": "paid",
        "customer_details": {"email": email, "name": name},
        "metadata": {"product": product},
    }
    return [
        Delivery("stripe", stripe_event("payment_intent.succeeded", intent, n)),
        Delivery("stripe", stripe_event("checkout.session.completed", session, n)),
        Delivery("stripe", stripe_event("charge.succeeded", charge, n)),
    ]


def ticket(
    event_type: str,
    ticket_id: str,
    message_id: str,
    body: str,
    *,
    sender: str = "customer",
    author: str | None = None,
    subject: str,
    email: str,
    name: str,
    timezone: str | None,
    callback_url: str | None = None,
) -> Delivery:
    customer = {"email": email, "name": name} | ({"timezone": timezone} if timezone else {})
    message = {"id": message_id, "from": sender, "body": body} | ({"author": author} if author else {})
    fields = {"id": ticket_id, "subject": subject, "customer": customer, "message": message}
    if callback_url:
        fields["callback_url"] = callback_url
    return Delivery("tickets", {"id": f"{ticket_id}-{message_id}", "type": event_type, "ticket": fields})


PRODUCTS = [
    ("Pro licence", 4900),
    ("Video course: Async Python", 12900),
    ("E-book: Shipping Calm Code", 1900),
    ("Team licence (5 seats)", 19900),
]


VICTOR = {"email": "victor@example.net", "name": "Victor Hale"}
VICTOR_PAYMENT = "pi_demo_00500"
VICTOR_LICENCE = "TEAM-7F3K-9QX2-LM4P"


def the_day(burst: int, now_unix: int, helpdesk_url: str) -> Iterator[Scene]:
    rng = random.Random(7)  # the same day every time
    yield Scene(
        "08:55",
        "A customer buys the Pro licence with Stripe",
        stripe_sale(1, amount=4900, currency="usd", email="Ann.Lee@example.com", name="Ann Lee", product="Pro licence"),
    )
    yield Scene(
        "09:40",
        "A PayPal sale arrives without the buyer's email (as most do)",
        [
            Delivery(
                "paypal",
                paypal_events.capture_completed_event(
                    "3DX12345AB678901C", "79.00", "EUR", custom_id="Video course: Async Python"
                ),
            ),
        ],
    )
    carla = {
        "subject": "Download link says 'expired'",
        "email": "carla@example.jp",
        "name": "Carla Mori",
        "timezone": "Asia/Tokyo",
    }
    yield Scene(
        "10:12",
        "Carla, in Tokyo, bought yesterday and cannot download",
        [
            *stripe_sale(
                2,
                amount=1900,
                currency="usd",
                email="carla@example.jp",
                name="Carla Mori",
                product="E-book: Shipping Calm Code",
            ),
            ticket(
                "ticket.created",
                "T-1042",
                "m1",
                "Hi, I bought the e-book yesterday but the download link says "
                "it has expired. Could you send a new one? Thanks, Carla",
                **carla,
            ),
        ],
    )
    yield Scene(
        "10:31",
        "She writes again, then support answers in the help desk",
        [
            ticket(
                "ticket.message",
                "T-1042",
                "m2",
                "Sorry to insist, it is past midnight here and I need the book for a talk tomorrow morning.",
                **carla,
            ),
            ticket(
                "ticket.message",
                "T-1042",
                "m3",
                "Hi Carla, sorry about that! Here is a fresh link, valid for 7 days: https://shop.example/dl/9f2c",
                sender="agent",
                author="Sam (support)",
                **carla,
            ),
        ],
    )
    rush = []
    for i in range(burst):
        product, price = PRODUCTS[rng.randrange(len(PRODUCTS))]
        rush += stripe_sale(
            100 + i,
            amount=price,
            currency=rng.choice(["usd", "usd", "eur"]),
            email=f"buyer{i:03d}@example.com",
            name=None,
            product=product,
        )
    yield Scene("11:00", f"Launch: {burst} sales in a few seconds (faster than Slack lets a bot post)", rush)
    yield Scene(
        "11:02", "Stripe redelivers an event it already sent: nothing is posted twice", [rush[0]] if rush else []
    )
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
                    "created": now_unix,
                }
            ]
        },
    }
    yield Scene(
        "13:20",
        "Ann asks for her money back; the refund lands in the sale's thread",
        [Delivery("stripe", stripe_event("charge.refunded", refund_charge, 1))],
    )
    due = now_unix + 9 * 86400
    dispute = {
        "id": "dp_demo_1",
        "object": "dispute",
        "amount": 1900,
        "currency": "usd",
        "charge": "ch_demo_00002",
        "payment_intent": "pi_demo_00002",
        "reason": "product_not_received",
        "status": "needs_response",
        "evidence_details": {"due_by": due},
    }
    yield Scene(
        "15:05",
        "Carla's bank opens a chargeback: the dispute card links her sale and her ticket",
        [
            Delivery("stripe", stripe_event("charge.dispute.created", dispute, 2)),
            Delivery(
                "stripe", stripe_event("charge.dispute.funds_withdrawn", dispute | {"status": "needs_response"}, 3)
            ),
        ],
    )
    yield Scene(
        "16:40",
        "PayPal: the buyer of the video course opens a dispute, PayPal updates it",
        [
            Delivery(
                "paypal",
                paypal_events.dispute_event(
                    "CREATED", "PP-D-4711", value="79.00", currency="EUR", transaction_id="3DX12345AB678901C"
                ),
            ),
            Delivery(
                "paypal",
                paypal_events.dispute_event(
                    "UPDATED",
                    "PP-D-4711",
                    value="79.00",
                    currency="EUR",
                    transaction_id="3DX12345AB678901C",
                    stage="CHARGEBACK",
                ),
            ),
        ],
    )
    yield Scene(
        "17:30",
        "Evidence sent; the chargeback is won",
        [
            Delivery("stripe", stripe_event("charge.dispute.updated", dispute | {"status": "under_review"}, 4)),
            Delivery("stripe", stripe_event("charge.dispute.closed", dispute | {"status": "won"}, 5)),
        ],
    )
    victor = {
        "subject": "Licence rejected AGAIN",
        "timezone": "America/Chicago",
        "callback_url": helpdesk_url,
        **VICTOR,
    }
    yield Scene(
        "18:10",
        "Victor buys a team licence, and is soon unhappy",
        [
            *stripe_sale(500, amount=19900, currency="usd", product="Team licence (5 seats)", **VICTOR),
            ticket(
                "ticket.created",
                "T-1077",
                "m1",
                "The licence key you sent does not activate on two of our machines. This is unacceptable, I paid "
                "for five seats. Fix it today.",
                **victor,
            ),
        ],
    )
    yield Scene(
        "18:45",
        "Support answers; Victor insults the staff and calls the programmer a liar",
        [
            ticket(
                "ticket.message",
                "T-1077",
                "m2",
                "Sorry about that, Victor: could you send the error message shown on the machines that fail?",
                sender="agent",
                author="Sam (support)",
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
        ],
    )
    yield Scene("18:48", "Sam starts to answer back; the bot holds the draft", team_does="answers-back")
    yield Scene("18:52", "Olivia, the owner, takes the ticket over from Slack", team_does="take-over")
    yield Scene(
        "19:05",
        "Olivia parts ways: refund, licence off, off the mailing list, a polite goodbye, ticket closed",
        team_does="part-ways",
    )
    yield from the_night(helpdesk_url, datetime.fromtimestamp(now_unix, TEAM_ZONE).date() + timedelta(days=1))


DANA = {
    "subject": "Licence key says 'invalid'",
    "email": "dana@example.com",
    "name": "Dana Brooks",
    "timezone": "America/Los_Angeles",  # nine hours behind the team: her afternoon is their night
}


def the_night(helpdesk_url: str, next_day: date) -> Iterator[Scene]:
    """The team sleeps; a customer in California writes again and again, and a dispute opens at 3 a.m."""
    dana = DANA | {"callback_url": helpdesk_url}
    yield Scene(
        "22:40",
        "Night in Berlin, afternoon in California: Dana writes (routine: it waits for the morning)",
        [ticket("ticket.created", "T-1090", "d1", "My licence key says 'invalid' on activation. Order 88412.", **dana)],
    )
    yield Scene(
        "23:35",
        "Dana writes again",
        [ticket("ticket.message", "T-1090", "d2", "Hello? I still can't activate. Is anyone there?", **dana)],
    )
    yield Scene(
        "00:50",
        "Her third message without a reply: urgent, so the person on call is paged",
        [
            ticket(
                "ticket.message",
                "T-1090",
                "d3",
                "I have a client demo in two hours and the software is locked. Please, I need this fixed.",
                **dana,
            )
        ],
    )
    yield Scene("01:06", "Sam sleeps through it: after 15 minutes the owner is paged")
    yield Scene(
        "01:12",
        "Olivia acknowledges; the escalation stops",
        team_does="acknowledge:U0OLIVIA:dana@example.com is waiting",
    )
    yield Scene(
        "03:02",
        "A PayPal dispute opens at 3 a.m.: a buyer says a download never arrived",
        [
            Delivery(
                "paypal",
                paypal_events.dispute_event(
                    "CREATED",
                    "PP-D-90210",
                    value="129.00",
                    currency="USD",
                    buyer_name="Marc Dubois",
                    buyer_email="marc@example.fr",
                    custom="E-book bundle",
                    at=datetime.combine(next_day, time(3, 2), TEAM_ZONE).astimezone(UTC),
                ),
            )
        ],
    )
    yield Scene("03:09", "Sam, on call, acknowledges the dispute", team_does="acknowledge:U0SAM:Dispute opened")
    yield Scene("09:01", "Good morning: the team comes on duty and the digest tells the night")
    yield Scene(
        "09:20",
        "Sam answers Dana through the help desk: her alert is resolved where it is",
        [
            ticket(
                "ticket.message",
                "T-1090",
                "d4",
                "Sorry for the wait, Dana: your key was issued for the wrong version. Here is a new one.",
                sender="agent",
                author="Sam (support)",
                **dana,
            )
        ],
    )
