"""The demo's script: scenes at fixed times of one story, and the provider deliveries each scene brings.

Every date here comes from the scene's time, never from the machine's clock, so the story reads the same on any
day it is run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

TEAM_ZONE = ZoneInfo("Europe/Berlin")  # the shop's team, and the zone the story is told in
STORY_DAY = date(2026, 11, 25)  # a Wednesday


def at(clock: str, *, day: int = 0) -> datetime:
    """The story's time `clock` ("HH:MM", Berlin) on its first day or `day` days later."""
    hours, minutes = (int(part) for part in clock.split(":"))
    return datetime.combine(date.fromordinal(STORY_DAY.toordinal() + day), time(hours, minutes), TEAM_ZONE)


@dataclass(frozen=True)
class Delivery:
    provider: str  # "stripe", "paypal" or "tickets"
    event: dict[str, Any]


# Deliveries that arrive together: the bot applies all of a beat before Slack shows any of it.
Beat = tuple[Delivery, ...]


@dataclass(frozen=True)
class CustomerMail:
    """A mail a customer sends to the shop's mailbox; `answers_shop` makes it an answer to the shop's last email."""

    name: str
    address: str
    timezone: str
    message_id: str
    text: str
    subject: str | None = None  # a new conversation's subject; an answer's is "Re: " + the shop's
    answers_shop: bool = False


@dataclass(frozen=True)
class Scene:
    at: datetime  # in TEAM_ZONE
    title: str
    beats: tuple[Beat, ...] = ()
    # What the team does in Slack in this scene: Sam "answers-back" or "email-reply", Olivia "take-over" or
    # "part-ways", and "acknowledge:<user>:<words on the alert>".
    team_does: str | None = None
    mail: CustomerMail | None = None  # a customer's mail reaching the shop's mailbox (bot/demo/mail.py)


def unix(when: datetime) -> int:
    return int(when.astimezone(UTC).timestamp())


def stripe_event(event_type: str, obj: dict[str, Any], n: int, when: datetime) -> dict[str, Any]:
    return {
        "id": f"evt_demo_{n:05d}_{event_type.replace('.', '_')}",
        "object": "event",
        "type": event_type,
        "created": unix(when),
        "livemode": False,
        "data": {"object": obj},
    }


def stripe_sale(
    n: int, when: datetime, *, amount: int, currency: str, email: str | None, name: str | None, product: str
) -> Beat:
    """The three events Stripe sends for one Checkout payment; the bot must make one sale of them."""
    pi = f"pi_demo_{n:05d}"
    charge = {
        "id": f"ch_demo_{n:05d}",
        "object": "charge",
        "amount": amount,
        "created": unix(when),
        "currency": currency,
        "payment_intent": pi,
        "billing_details": {"email": email, "name": name},
        "description": product,
    }
    intent = {
        "id": pi,
        "object": "payment_intent",
        "amount": amount,
        "amount_received": amount,
        "created": unix(when),
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
        "created": unix(when),
        "currency": currency,
        "payment_status": "paid",
        "customer_details": {"email": email, "name": name},
        "metadata": {"product": product},
    }
    return (
        Delivery("stripe", stripe_event("payment_intent.succeeded", intent, n, when)),
        Delivery("stripe", stripe_event("checkout.session.completed", session, n, when)),
        Delivery("stripe", stripe_event("charge.succeeded", charge, n, when)),
    )


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
) -> Beat:
    """One help desk delivery: a ticket opened, or a message on it from the customer or an agent."""
    customer = {"email": email, "name": name} | ({"timezone": timezone} if timezone else {})
    message = {"id": message_id, "from": sender, "body": body} | ({"author": author} if author else {})
    fields = {"id": ticket_id, "subject": subject, "customer": customer, "message": message}
    if callback_url:
        fields["callback_url"] = callback_url
    return (Delivery("tickets", {"id": f"{ticket_id}-{message_id}", "type": event_type, "ticket": fields}),)
