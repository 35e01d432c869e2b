"""The tickets webhook: a small signed JSON format any help desk or automation can send (see README)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain import CustomerRef, TicketMessageSeen
from bot.errors import Rejection, WebhookRejectedError
from bot.integrations.values import iso_time

TIMESTAMP_HEADER = "X-Supportbot-Timestamp"
SIGNATURE_HEADER = "X-Supportbot-Signature"
TOLERANCE_SECONDS = 300
EVENT_TYPES = frozenset({"ticket.created", "ticket.message"})
SENDERS = frozenset({"customer", "agent"})
MAX_CALLBACK_URL = 2000


def sign(secret: str, timestamp: int, raw_body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + raw_body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def verify_signature(raw_body: bytes, timestamp: str | None, signature: str | None, secret: str, now: datetime) -> None:
    if not timestamp or not signature:
        raise WebhookRejectedError(
            401, f"missing {TIMESTAMP_HEADER} or {SIGNATURE_HEADER} header", Rejection.BAD_SIGNATURE
        )
    # ASCII digits, and few: str.isdigit() also takes "²" and a 5,000-digit run, both of which int() refuses.
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise WebhookRejectedError(400, f"{TIMESTAMP_HEADER} must be unix seconds", Rejection.BAD_SIGNATURE)
    if abs(now.timestamp() - int(timestamp)) > TOLERANCE_SECONDS:
        raise WebhookRejectedError(
            400, f"{TIMESTAMP_HEADER} is more than 5 minutes off (replayed?)", Rejection.REPLAYED
        )
    expected = sign(secret, int(timestamp), raw_body)
    if not any(hmac.compare_digest(expected, candidate.strip()) for candidate in signature.split(",")):
        raise WebhookRejectedError(401, "bad tickets webhook signature", Rejection.BAD_SIGNATURE)


def event_identity(event: dict[str, Any]) -> tuple[str, str]:
    event_id, event_type = event.get("id"), event.get("type")
    if not isinstance(event_id, str) or not event_id or not isinstance(event_type, str):
        raise WebhookRejectedError(400, "a tickets event needs string fields `id` and `type`")
    if event_type in EVENT_TYPES:
        _parse(event)  # a malformed ticket is the sender's bug: say so now rather than store it
    return event_id, event_type


def parse_event(event: dict[str, Any], received_at: datetime) -> list[TicketMessageSeen]:
    if event["type"] not in EVENT_TYPES:
        return []
    ticket, customer, message = _parse(event)
    sent_at = iso_time(message.get("created_at")) or received_at
    return [
        TicketMessageSeen(
            ticket_key=str(ticket["id"]),
            subject=_text(ticket.get("subject")),
            customer=CustomerRef(
                email=_text(customer.get("email")),
                name=_text(customer.get("name")),
                timezone=_zone(customer.get("timezone")),
            ),
            message_key=str(message["id"]),
            sender=message.get("from", "customer"),
            author=_text(message.get("author")),
            body=message["body"],
            at=sent_at,
            opens_ticket=event["type"] == "ticket.created",
            callback_url=_callback_url(ticket.get("callback_url")),
        )
    ]


def _parse(event: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    ticket = event.get("ticket")
    if not isinstance(ticket, dict) or not isinstance(ticket.get("id"), str | int):
        raise WebhookRejectedError(400, "`ticket.id` is required")
    customer = ticket.get("customer") or {}
    message = ticket.get("message")
    if not isinstance(customer, dict) or not isinstance(message, dict):
        raise WebhookRejectedError(400, "`ticket.customer` and `ticket.message` must be objects")
    if not isinstance(message.get("id"), str | int) or not isinstance(message.get("body"), str):
        raise WebhookRejectedError(400, "`ticket.message.id` and `ticket.message.body` are required")
    if message.get("from", "customer") not in SENDERS:
        raise WebhookRejectedError(400, '`ticket.message.from` must be "customer" or "agent"')
    if ticket.get("callback_url") is not None and _callback_url(ticket["callback_url"]) is None:
        raise WebhookRejectedError(400, "`ticket.callback_url` must be an http(s) URL of at most 2000 characters")
    return ticket, customer, message


def _text(value: Any) -> str | None:
    """An optional text field; anything else is treated as missing rather than failing the event later."""
    return value if isinstance(value, str) and value else None


def _callback_url(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) > MAX_CALLBACK_URL:
        return None
    parts = urlsplit(value)
    return value if parts.scheme in ("http", "https") and parts.netloc else None


def _zone(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return value
