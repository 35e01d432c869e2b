"""PayPal webhooks in our own words. Verification goes through PayPal's API (see bot.integrations.paypal)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.domain import CustomerRef, DisputeSeen, DomainEvent, RefundSeen, SaleSeen
from bot.errors import WebhookRejectedError
from bot.integrations.values import iso_time
from bot.money import to_minor

HANDLED_EVENTS = frozenset(
    {
        "PAYMENT.CAPTURE.COMPLETED",
        "PAYMENT.SALE.COMPLETED",
        "PAYMENT.CAPTURE.REFUNDED",
        "PAYMENT.SALE.REFUNDED",
        "CUSTOMER.DISPUTE.CREATED",
        "CUSTOMER.DISPUTE.UPDATED",
        "CUSTOMER.DISPUTE.RESOLVED",
    }
)


def event_identity(event: dict[str, Any]) -> tuple[str, str]:
    event_id, event_type = event.get("id"), event.get("event_type")
    if not isinstance(event_id, str) or not isinstance(event_type, str):
        raise WebhookRejectedError(400, "a PayPal event needs string fields `id` and `event_type`")
    return event_id, event_type


def parse_event(event: dict[str, Any], received_at: datetime, *, sandbox: bool) -> list[DomainEvent]:
    event_type = event["event_type"]
    resource = event.get("resource") or {}
    at = iso_time(resource.get("create_time")) or iso_time(event.get("create_time")) or received_at
    site = "https://www.sandbox.paypal.com" if sandbox else "https://www.paypal.com"
    if event_type in ("PAYMENT.CAPTURE.COMPLETED", "PAYMENT.SALE.COMPLETED"):
        return [_sale(resource, at, site)]
    if event_type in ("PAYMENT.CAPTURE.REFUNDED", "PAYMENT.SALE.REFUNDED"):
        return [_refund(resource, at, site)]
    if event_type.startswith("CUSTOMER.DISPUTE."):
        return [_dispute(resource, event_type.rsplit(".", 1)[1].lower(), at, site)]
    return []


def _sale(resource: dict[str, Any], at: datetime, site: str) -> SaleSeen:
    value, currency = _amount(resource.get("amount"))
    payer = resource.get("payer") or {}
    return SaleSeen(
        provider="paypal",
        payment_key=resource["id"],
        at=at,
        customer=CustomerRef(
            email=payer.get("email_address") or (payer.get("payer_info") or {}).get("email"),
            name=_payer_name(payer),
            provider="paypal" if payer.get("payer_id") else None,
            external_id=payer.get("payer_id"),
        ),
        amount_minor=to_minor(value, currency),
        currency=currency,
        product=_product(resource),
        provider_url=f"{site}/activity/payment/{resource['id']}",
    )


def _refund(resource: dict[str, Any], at: datetime, site: str) -> RefundSeen:
    value, currency = _amount(resource.get("amount"))
    # v1 sale refunds name their sale; v2 capture refunds only link to it.
    payment_key = resource.get("sale_id") or resource.get("capture_id") or _linked_capture(resource)
    return RefundSeen(
        provider="paypal",
        refund_key=resource["id"],
        at=at,
        payment_key=payment_key,
        # v1 sale refunds give the total as a negative number ("-0.01" in PayPal's own sample).
        amount_minor=_magnitude(to_minor(value, currency)),
        currency=currency,
        reason=resource.get("note_to_payer") or resource.get("reason"),
    )


def _dispute(resource: dict[str, Any], change: str, at: datetime, site: str) -> DisputeSeen:
    value, currency = _amount(resource.get("dispute_amount"))
    transactions = resource.get("disputed_transactions") or [{}]
    first = transactions[0] or {}
    buyer = first.get("buyer") or {}
    outcome = resource.get("dispute_outcome") or resource.get("outcome") or {}
    dispute_id = resource.get("dispute_id") or resource["id"]
    return DisputeSeen(
        provider="paypal",
        dispute_key=dispute_id,
        change=change,
        at=iso_time(resource.get("update_time")) or at,
        payment_key=first.get("seller_transaction_id"),
        amount_minor=to_minor(value, currency),
        currency=currency,
        reason=resource.get("reason"),
        status=resource.get("status"),
        stage=resource.get("dispute_life_cycle_stage"),
        evidence_due_at=iso_time(resource.get("seller_response_due_date")),
        outcome=outcome.get("outcome_code") if isinstance(outcome, dict) else None,
        provider_url=f"{site}/resolutioncenter/{dispute_id}",
        customer=CustomerRef(email=buyer.get("email"), name=buyer.get("name")),
    )


def _amount(amount: Any) -> tuple[str | None, str | None]:
    """(value, currency) from a v2 `{value, currency_code}` or a v1 `{total, currency}` amount."""
    if not isinstance(amount, dict):
        return None, None
    value = amount.get("value", amount.get("total"))
    currency = amount.get("currency_code", amount.get("currency"))
    return (str(value) if value is not None else None), (currency.upper() if isinstance(currency, str) else None)


def _magnitude(amount: int | None) -> int | None:
    return abs(amount) if amount is not None else None


def _linked_capture(resource: dict[str, Any]) -> str | None:
    for link in resource.get("links") or []:
        href = link.get("href") or ""
        if link.get("rel") == "up" and "/captures/" in href:
            return href.rstrip("/").rsplit("/", 1)[1]
    return None


def _payer_name(payer: dict[str, Any]) -> str | None:
    name = payer.get("name") or {}
    parts = [name.get("given_name"), name.get("surname")]
    return " ".join(p for p in parts if p) or None


def _product(resource: dict[str, Any]) -> str | None:
    for key in ("description", "custom_id", "invoice_id", "custom", "invoice_number"):
        value = resource.get(key)
        if isinstance(value, str) and value:
            return value
    return None
