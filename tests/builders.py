"""Provider payloads shaped like the real ones, and requests signed the way the providers sign them.

Nothing here reads the wall clock: payloads are dated at tests.clocks.START unless a test says when, and a
request is signed at the time the test gives (the clock of the bot that will check it).
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import stripe

from bot.integrations import tickets_webhooks
from tests.clocks import START, unix

_ids = itertools.count(1)
STRIPE_SECRET = "whsec_test_secret"
TICKETS_SECRET = "tickets-test-secret"


def _next(prefix: str) -> str:
    return f"{prefix}_{next(_ids):08d}"


def stripe_event(
    event_type: str, obj: dict[str, Any], *, event_id: str | None = None, created: int | None = None
) -> dict[str, Any]:
    return {
        "id": event_id or _next("evt"),
        "object": "event",
        "api_version": "2025-09-30.clover",
        "created": created if created is not None else unix(START),
        "livemode": False,
        "pending_webhooks": 1,
        "type": event_type,
        "data": {"object": obj},
    }


def stripe_charge(
    *,
    pi: str,
    amount: int = 4900,
    currency: str = "usd",
    email: str | None = "ann@example.com",
    name: str | None = "Ann Example",
    customer: str | None = None,
    description: str | None = "Pro licence",
    amount_refunded: int = 0,
    charge_id: str | None = None,
    created: int | None = None,
) -> dict[str, Any]:
    return {
        "id": charge_id or f"ch_{pi.removeprefix('pi_')}",
        "object": "charge",
        "amount": amount,
        "amount_refunded": amount_refunded,
        "refunded": amount_refunded >= amount,
        "currency": currency,
        "customer": customer,
        "description": description,
        "payment_intent": pi,
        "billing_details": {"email": email, "name": name, "address": None, "phone": None},
        "receipt_email": None,
        "created": created if created is not None else unix(START),
        "livemode": False,
        "metadata": {},
        "status": "succeeded",
    }


def stripe_payment_intent(
    *,
    pi: str,
    amount: int = 4900,
    currency: str = "usd",
    customer: str | None = None,
    receipt_email: str | None = None,
    description: str | None = None,
    created: int | None = None,
) -> dict[str, Any]:
    return {
        "id": pi,
        "object": "payment_intent",
        "amount": amount,
        "amount_received": amount,
        "currency": currency,
        "customer": customer,
        "receipt_email": receipt_email,
        "description": description,
        "latest_charge": f"ch_{pi.removeprefix('pi_')}",
        "metadata": {},
        "status": "succeeded",
        "created": created if created is not None else unix(START),
        "livemode": False,
    }


def stripe_checkout_session(
    *,
    pi: str,
    amount: int = 4900,
    currency: str = "usd",
    email: str | None = None,
    name: str | None = None,
    product: str | None = None,
) -> dict[str, Any]:
    return {
        "id": _next("cs_test"),
        "object": "checkout.session",
        "amount_total": amount,
        "currency": currency,
        "customer": None,
        "customer_details": {"email": email, "name": name},
        "mode": "payment",
        "payment_intent": pi,
        "payment_status": "paid",
        "status": "complete",
        "metadata": {"product": product} if product else {},
        "livemode": False,
    }


def stripe_dispute(
    *,
    dispute_id: str,
    pi: str,
    amount: int = 4900,
    currency: str = "usd",
    status: str = "needs_response",
    reason: str = "product_not_received",
    due_by: int | None = None,
    created: int | None = None,
) -> dict[str, Any]:
    created = created if created is not None else unix(START)
    return {
        "id": dispute_id,
        "object": "dispute",
        "amount": amount,
        "currency": currency,
        "charge": f"ch_{pi.removeprefix('pi_')}",
        "payment_intent": pi,
        "reason": reason,
        "status": status,
        "evidence_details": {
            "due_by": due_by if due_by is not None else created + 7 * 86400,
            "has_evidence": False,
            "past_due": False,
            "submission_count": 0,
        },
        "created": created,
        "livemode": False,
        "is_charge_refundable": False,
    }


def stripe_signed(
    event: dict[str, Any], *, timestamp: int, secret: str = STRIPE_SECRET
) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(body, secret, timestamp=timestamp)
    return body.encode(), {"Stripe-Signature": header, "Content-Type": "application/json"}


def ticket_event(
    event_type: str,
    *,
    ticket_id: str | int,  # the webhook takes numbers too, as help desks number their tickets
    message_id: str | int,
    body: str,
    subject: str = "Download link",
    email: str = "ann@example.com",
    name: str = "Ann Example",
    sender: str = "customer",
    timezone: str | None = None,
    event_id: str | None = None,
    author: str | None = None,
    callback_url: str | None = None,
) -> dict[str, Any]:
    customer: dict[str, Any] = {"email": email, "name": name}
    if timezone:
        customer["timezone"] = timezone
    message: dict[str, Any] = {"id": message_id, "from": sender, "body": body}
    if author:
        message["author"] = author
    ticket: dict[str, Any] = {"id": ticket_id, "subject": subject, "customer": customer, "message": message}
    if callback_url:
        ticket["callback_url"] = callback_url
    return {"id": event_id or _next("tkt-evt"), "type": event_type, "ticket": ticket}


def tickets_signed(
    event: dict[str, Any], *, timestamp: int, secret: str = TICKETS_SECRET
) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(event).encode()
    ts = timestamp
    return body, {
        tickets_webhooks.TIMESTAMP_HEADER: str(ts),
        tickets_webhooks.SIGNATURE_HEADER: tickets_webhooks.sign(secret, ts, body),
        "Content-Type": "application/json",
    }
