"""The tickets webhook: a small signed JSON format any help desk or automation can send (see README)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import InstrumentedAttribute

from bot.core.domain import CustomerRef, TicketMessageSeen
from bot.core.errors import PayloadError, Rejection, WebhookRejectedError
from bot.integrations.inbound import IDENTITY_CHECK_TIME, inbound_identity, refuse_unusable
from bot.integrations.values import display_text, email, identifier, iso_time, required, storable
from bot.storage.models import max_length
from bot.storage.models.customers import Customer
from bot.storage.models.tickets import Ticket, TicketMessage

TIMESTAMP_HEADER = "X-Supportbot-Timestamp"
SIGNATURE_HEADER = "X-Supportbot-Signature"
TOLERANCE_SECONDS = 300
EVENT_TYPES = frozenset({"ticket.created", "ticket.message"})
# A tuple, compared by equality: a list or an object sent as `from` is simply not one of them.
SENDERS = ("customer", "agent")
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
    event_id, event_type = inbound_identity(event, "id", "type", "a tickets event")
    if event_type in EVENT_TYPES:
        # A malformed ticket is the sender's bug: say so now rather than store it.
        refuse_unusable(lambda: parse_event(event, IDENTITY_CHECK_TIME))
    return event_id, event_type


def parse_event(event: dict[str, Any], received_at: datetime) -> list[TicketMessageSeen]:
    """The message the event brings; raises PayloadError for what is missing or could not be kept."""
    event_type = event.get("type")
    if not isinstance(event_type, str) or event_type not in EVENT_TYPES:
        return []
    ticket = event.get("ticket")
    if not isinstance(ticket, dict):
        raise PayloadError("ticket.id", "is missing: `ticket` must be an object with an id")
    customer, message = ticket.get("customer") or {}, ticket.get("message")
    if not isinstance(customer, dict):
        raise PayloadError("ticket.customer", "must be an object")
    if not isinstance(message, dict):
        raise PayloadError("ticket.message", "must be an object")
    body = message.get("body")
    if not isinstance(body, str):
        raise PayloadError("ticket.message.body", "is required, as a string")
    sender = message.get("from", "customer")
    if sender not in SENDERS:
        raise PayloadError("ticket.message.from", 'must be "customer" or "agent"')
    callback_url = ticket.get("callback_url")
    if callback_url is not None and _callback_url(callback_url) is None:
        raise PayloadError("ticket.callback_url", f"must be an http(s) URL of at most {MAX_CALLBACK_URL} characters")
    return [
        TicketMessageSeen(
            ticket_key=_required_id(ticket.get("id"), "ticket.id", Ticket.external_id),
            subject=display_text(ticket.get("subject"), Ticket.subject),
            customer=CustomerRef(
                email=email(customer.get("email"), Customer.email),
                name=display_text(customer.get("name"), Customer.name),
                timezone=_zone(customer.get("timezone")),
            ),
            message_key=_required_id(message.get("id"), "ticket.message.id", TicketMessage.external_id),
            sender=sender,
            author=display_text(message.get("author"), TicketMessage.author),
            body=storable(body),
            at=iso_time(message.get("created_at")) or received_at,
            opens_ticket=event_type == "ticket.created",
            callback_url=_callback_url(callback_url),
        )
    ]


def _required_id(value: Any, field: str, column: InstrumentedAttribute[Any]) -> str:
    return required(identifier(value, column, field, numbers=True), field)


def _callback_url(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) > min(MAX_CALLBACK_URL, max_length(Ticket.callback_url)):
        return None
    if storable(value) != value:
        return None
    try:
        parts = urlsplit(value)
    except ValueError:  # "http://[" and other broken hosts
        return None
    return value if parts.scheme in ("http", "https") and parts.netloc else None


def _zone(value: Any) -> str | None:
    if not isinstance(value, str) or not value or len(value) > max_length(Customer.timezone):
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name the file system will not look up
        return None
    return value
