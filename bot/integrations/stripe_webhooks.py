"""Stripe webhooks: signature check with the SDK, and each event type in our own words."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import stripe

from bot.domain import CustomerRef, DisputeSeen, DomainEvent, RefundSeen, SaleSeen
from bot.errors import Rejection, WebhookRejectedError

SIGNATURE_TOLERANCE_SECONDS = 300

SALE_EVENTS = frozenset({"checkout.session.completed", "payment_intent.succeeded", "charge.succeeded"})
DISPUTE_EVENTS = frozenset(
    {
        "charge.dispute.created",
        "charge.dispute.updated",
        "charge.dispute.closed",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.funds_reinstated",
    }
)
HANDLED_EVENTS = SALE_EVENTS | DISPUTE_EVENTS | {"charge.refunded"}


def verify_signature(raw_body: bytes, header: str | None, secret: str, now: datetime) -> None:
    """Check `Stripe-Signature` on the raw bytes; the age check uses our clock so tests can set it."""
    try:
        stripe.WebhookSignature.verify_header(raw_body, header, secret, tolerance=None)
    except stripe.SignatureVerificationError as exc:
        raise WebhookRejectedError(
            400, f"bad Stripe signature: {exc.user_message or exc}", Rejection.BAD_SIGNATURE
        ) from None
    except UnicodeDecodeError:
        # The SDK decodes the body before checking anything; Stripe only ever sends UTF-8 JSON.
        raise WebhookRejectedError(400, "the body is not UTF-8") from None
    timestamp = _signed_at(header or "")
    if timestamp is None or abs(now.timestamp() - timestamp) > SIGNATURE_TOLERANCE_SECONDS:
        raise WebhookRejectedError(
            400, "Stripe signature timestamp is too old or in the future (replayed?)", Rejection.REPLAYED
        )


def _signed_at(header: str) -> int | None:
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            return int(value)
    return None


def event_identity(event: dict[str, Any]) -> tuple[str, str]:
    event_id, event_type = event.get("id"), event.get("type")
    if not isinstance(event_id, str) or not isinstance(event_type, str):
        raise WebhookRejectedError(400, "a Stripe event needs string fields `id` and `type`")
    return event_id, event_type


def parse_event(event: dict[str, Any], received_at: datetime) -> list[DomainEvent]:
    """The event's meaning; [] for a type we record but do not act on. Missing fields stay None."""
    event_type = event["type"]
    obj = (event.get("data") or {}).get("object") or {}
    at = _time(event.get("created")) or received_at
    livemode = bool(event.get("livemode", True))
    if event_type == "checkout.session.completed":
        return _checkout_session(obj, at, livemode)
    if event_type == "payment_intent.succeeded":
        return [_payment_intent(obj, at, livemode)]
    if event_type == "charge.succeeded":
        return [_charge_sale(obj, at, livemode)]
    if event_type == "charge.refunded":
        return [_charge_refund(obj, event["id"], at, livemode)]
    if event_type in DISPUTE_EVENTS:
        return [_dispute(obj, event_type.removeprefix("charge.dispute."), at, livemode)]
    return []


def _checkout_session(session: dict[str, Any], at: datetime, livemode: bool) -> list[DomainEvent]:
    # A session paid by a delayed method (bank debit) completes unpaid; its sale comes with the payment intent.
    if session.get("payment_status") not in ("paid", "no_payment_required"):
        return []
    details = session.get("customer_details") or {}
    key = _id(session.get("payment_intent")) or _id(session.get("invoice")) or session["id"]
    return [
        SaleSeen(
            provider="stripe",
            payment_key=key,
            at=at,
            customer=_customer(
                details.get("email") or session.get("customer_email"),
                details.get("name"),
                session.get("customer"),
            ),
            amount_minor=session.get("amount_total"),
            currency=_currency(session.get("currency")),
            product=_product(session),
            provider_url=_payment_url(key, livemode),
            livemode=livemode,
        )
    ]


def _payment_intent(intent: dict[str, Any], at: datetime, livemode: bool) -> SaleSeen:
    return SaleSeen(
        provider="stripe",
        payment_key=intent["id"],
        at=at,
        customer=_customer(intent.get("receipt_email"), None, intent.get("customer")),
        charge_id=_id(intent.get("latest_charge")),
        amount_minor=intent.get("amount_received") or intent.get("amount"),
        currency=_currency(intent.get("currency")),
        product=_product(intent),
        provider_url=_payment_url(intent["id"], livemode),
        livemode=livemode,
    )


def _charge_sale(charge: dict[str, Any], at: datetime, livemode: bool) -> SaleSeen:
    billing = charge.get("billing_details") or {}
    key = _id(charge.get("payment_intent")) or charge["id"]
    return SaleSeen(
        provider="stripe",
        payment_key=key,
        at=_time(charge.get("created")) or at,
        customer=_customer(
            billing.get("email") or charge.get("receipt_email"), billing.get("name"), charge.get("customer")
        ),
        charge_id=charge["id"],
        amount_minor=charge.get("amount"),
        currency=_currency(charge.get("currency")),
        product=_product(charge),
        provider_url=_payment_url(key, livemode),
        livemode=livemode,
    )


def _charge_refund(charge: dict[str, Any], event_id: str, at: datetime, livemode: bool) -> RefundSeen:
    refunds = ((charge.get("refunds") or {}).get("data")) or []
    latest = max(refunds, key=lambda r: r.get("created") or 0) if refunds else None
    sale = _charge_sale(charge, at, livemode)
    return RefundSeen(
        provider="stripe",
        # API versions since 2022 no longer embed the refunds list: the event itself is then the refund's name.
        refund_key=latest["id"] if latest else f"event:{event_id}",
        at=(_time(latest.get("created")) if latest else None) or at,
        payment_key=sale.payment_key,
        charge_id=charge.get("id"),
        amount_minor=latest.get("amount") if latest else None,
        currency=_currency((latest or {}).get("currency") or charge.get("currency")),
        total_refunded_minor=charge.get("amount_refunded"),
        reason=(latest or {}).get("reason"),
        sale=sale,
    )


def _dispute(dispute: dict[str, Any], change: str, at: datetime, livemode: bool) -> DisputeSeen:
    evidence = dispute.get("evidence_details") or {}
    due_by = evidence.get("due_by")
    return DisputeSeen(
        provider="stripe",
        dispute_key=dispute["id"],
        change=change,
        at=at,
        payment_key=_id(dispute.get("payment_intent")),
        charge_id=_id(dispute.get("charge")),
        amount_minor=dispute.get("amount"),
        currency=_currency(dispute.get("currency")),
        reason=dispute.get("reason"),
        status=dispute.get("status"),
        # Stripe sends 0 when no response is allowed any more.
        evidence_due_at=_time(due_by),
        provider_url=f"https://dashboard.stripe.com/{'' if livemode else 'test/'}disputes/{dispute['id']}",
    )


def _customer(email: Any, name: Any, customer: Any) -> CustomerRef:
    customer_id = _id(customer)
    return CustomerRef(
        email=email if isinstance(email, str) and email else None,
        name=name if isinstance(name, str) and name else None,
        provider="stripe" if customer_id else None,
        external_id=customer_id,
    )


def _product(obj: dict[str, Any]) -> str | None:
    metadata = obj.get("metadata") or {}
    for key in ("product", "product_name", "item"):
        if isinstance(metadata.get(key), str) and metadata[key]:
            return metadata[key]
    description = obj.get("description")
    return description if isinstance(description, str) and description else None


def _payment_url(key: str, livemode: bool) -> str:
    return f"https://dashboard.stripe.com/{'' if livemode else 'test/'}payments/{key}"


def _id(value: Any) -> str | None:
    """An id whether Stripe sent it bare or expanded into an object."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return value["id"]
    return None


def _currency(value: Any) -> str | None:
    return value.upper() if isinstance(value, str) and len(value) == 3 else None


def _time(value: Any) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return datetime.fromtimestamp(value, UTC)
    return None
