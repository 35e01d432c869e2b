"""PayPal webhooks in our own words. Verification goes through PayPal's API (see bot.integrations.paypal)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import InstrumentedAttribute

from bot.core.domain import CustomerRef, DisputeSeen, DomainEvent, RefundSeen, SaleSeen
from bot.integrations.inbound import IDENTITY_CHECK_TIME, inbound_identity, refuse_unusable
from bot.integrations.values import (
    currency,
    decimal_amount,
    display_text,
    email,
    identifier,
    iso_time,
    listed,
    mapping,
    required,
    text,
)
from bot.storage.models.customers import Customer, CustomerIdentity
from bot.storage.models.sales import Dispute, Payment, Refund

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
    """The event's (id, type); a handled event is read in full now, so one we could never use is refused here."""
    event_id, event_type = inbound_identity(event, "id", "event_type", "a PayPal event")
    if event_type in HANDLED_EVENTS:
        refuse_unusable(lambda: parse_event(event, IDENTITY_CHECK_TIME, sandbox=False))
    return event_id, event_type


def parse_event(event: dict[str, Any], received_at: datetime, *, sandbox: bool) -> list[DomainEvent]:
    """The event's meaning; [] for a type we do not act on. Raises PayloadError for what no record can hold."""
    event_type = required(text(event.get("event_type")), "event_type")
    resource = mapping(event.get("resource"))
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
    key = _required_id(resource.get("id"), "resource.id", Payment.provider_payment_id)
    code, amount = _amount(resource.get("amount"), "resource.amount")
    payer = mapping(resource.get("payer"))
    payer_id = identifier(payer.get("payer_id"), CustomerIdentity.external_id, "resource.payer.payer_id")
    return SaleSeen(
        provider="paypal",
        payment_key=key,
        at=at,
        customer=CustomerRef(
            email=email(payer.get("email_address") or mapping(payer.get("payer_info")).get("email"), Customer.email),
            name=_payer_name(payer),
            provider="paypal" if payer_id else None,
            external_id=payer_id,
        ),
        amount_minor=amount,
        currency=code,
        product=_product(resource),
        provider_url=f"{site}/activity/payment/{key}",
        order_key=identifier(
            mapping(mapping(resource.get("supplementary_data")).get("related_ids")).get("order_id"),
            Payment.provider_payment_id,
            "resource.supplementary_data.related_ids.order_id",
        ),
    )


def _refund(resource: dict[str, Any], at: datetime, site: str) -> RefundSeen:
    # v1 sale refunds give the total as a negative number ("-0.01" in PayPal's own sample).
    code, amount = _amount(resource.get("amount"), "resource.amount", signed=True)
    # v1 sale refunds name their sale; v2 capture refunds only link to it.
    payment_key = (
        identifier(resource.get("sale_id"), Payment.provider_payment_id, "resource.sale_id")
        or identifier(resource.get("capture_id"), Payment.provider_payment_id, "resource.capture_id")
        or _linked_capture(resource)
    )
    return RefundSeen(
        provider="paypal",
        refund_key=_required_id(resource.get("id"), "resource.id", Refund.provider_refund_id),
        at=at,
        payment_key=payment_key,
        amount_minor=abs(amount) if amount is not None else None,
        currency=code,
        reason=display_text(resource.get("note_to_payer") or resource.get("reason"), Refund.reason),
    )


def _dispute(resource: dict[str, Any], change: str, at: datetime, site: str) -> DisputeSeen:
    code, amount = _amount(resource.get("dispute_amount"), "resource.dispute_amount")
    first = mapping((listed(resource.get("disputed_transactions")) or [{}])[0])
    buyer = mapping(first.get("buyer"))
    outcome = mapping(resource.get("dispute_outcome") or resource.get("outcome"))
    dispute_id = identifier(resource.get("dispute_id"), Dispute.provider_dispute_id, "resource.dispute_id")
    dispute_id = dispute_id or _required_id(resource.get("id"), "resource.id", Dispute.provider_dispute_id)
    return DisputeSeen(
        provider="paypal",
        dispute_key=dispute_id,
        change=change,
        at=iso_time(resource.get("update_time")) or at,
        payment_key=identifier(
            first.get("seller_transaction_id"),
            Payment.provider_payment_id,
            "resource.disputed_transactions.seller_transaction_id",
        ),
        amount_minor=amount,
        currency=code,
        reason=display_text(resource.get("reason"), Dispute.reason),
        status=display_text(resource.get("status"), Dispute.status),
        stage=display_text(resource.get("dispute_life_cycle_stage"), Dispute.stage),
        evidence_due_at=iso_time(resource.get("seller_response_due_date")),
        outcome=display_text(outcome.get("outcome_code"), Dispute.status),
        provider_url=f"{site}/resolutioncenter/{dispute_id}",
        customer=CustomerRef(
            email=email(buyer.get("email"), Customer.email), name=display_text(buyer.get("name"), Customer.name)
        ),
    )


def _amount(amount: Any, field: str, *, signed: bool = False) -> tuple[str | None, int | None]:
    """(currency, minor units) from a v2 `{value, currency_code}` or a v1 `{total, currency}` amount."""
    amount = mapping(amount)
    code = currency(amount.get("currency_code", amount.get("currency")))
    value = amount.get("value", amount.get("total"))
    return code, decimal_amount(value, code, field, signed=signed)


def _required_id(value: Any, field: str, column: InstrumentedAttribute[Any]) -> str:
    return required(identifier(value, column, field), field)


def _linked_capture(resource: dict[str, Any]) -> str | None:
    for link in map(mapping, listed(resource.get("links"))):
        href = text(link.get("href")) or ""
        if link.get("rel") == "up" and "/captures/" in href:
            return identifier(href.rstrip("/").rsplit("/", 1)[1], Payment.provider_payment_id, "resource.links.href")
    return None


def _payer_name(payer: dict[str, Any]) -> str | None:
    name = mapping(payer.get("name"))
    parts = [text(name.get("given_name")), text(name.get("surname"))]
    return display_text(" ".join(p for p in parts if p), Customer.name)


def _product(resource: dict[str, Any]) -> str | None:
    for key in ("description", "custom_id", "invoice_id", "custom", "invoice_number"):
        if value := display_text(resource.get(key), Payment.product):
            return value
    return None
