"""Help Scout and FreeScout send the same thing: a conversation object with its threads, named by an event header.

Both desks' webhooks carry the whole conversation (Help Scout's Mailbox API v2 shape; FreeScout's API & Webhooks
module mirrors it), so every delivery is parsed the same way: each published customer or agent thread becomes a
ticket message (our applier keeps each once, so a late or repeated delivery adds only what is new), then the
assignment and status as of the conversation's update time (so an older one delivered late changes nothing).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.domain import CustomerRef, DomainEvent, TicketMessageSeen, TicketStateSeen
from bot.core.errors import Rejection, WebhookRejectedError
from bot.integrations.desk_events.text import html_to_text
from bot.integrations.values import iso_time

EVENTS = frozenset(
    {"convo.created", "convo.customer.reply.created", "convo.agent.reply.created", "convo.assigned", "convo.status"}
)
# Thread types that are a message to or from the customer; notes, line items and drafts are the desk's own.
_CUSTOMER_THREADS = frozenset({"customer"})
_AGENT_THREADS = frozenset({"reply", "message", "chat", "phone"})
_HIDDEN_STATES = frozenset({"draft", "underreview", "hidden"})


@dataclass(frozen=True)
class ConversationDesk:
    """What differs between the two desks: names, headers, the key shown for a ticket."""

    source: str  # "helpscout" | "freescout"
    name: str
    event_header: str
    signature_header: str
    key_prefix: str  # a ticket is shown as "HS-349": the desk's own number, which its people know


def sign(secret: str, raw_body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), raw_body, hashlib.sha1).digest()).decode()


def verify_signature(desk: ConversationDesk, raw_body: bytes, signature: str | None, secret: str) -> None:
    if not signature:
        raise WebhookRejectedError(401, f"missing {desk.signature_header} header", Rejection.BAD_SIGNATURE)
    if not hmac.compare_digest(sign(secret, raw_body), signature.strip()):
        raise WebhookRejectedError(401, f"bad {desk.name} webhook signature", Rejection.BAD_SIGNATURE)


def envelope(desk: ConversationDesk, event_name: str | None, conversation: dict[str, Any]) -> dict[str, Any]:
    """What is stored for a delivery: the event named in the header, and the body as sent."""
    if not event_name:
        raise WebhookRejectedError(400, f"missing {desk.event_header} header")
    return {"event": event_name, "conversation": conversation}


def event_identity(stored: dict[str, Any]) -> tuple[str, str]:
    """The desks send no delivery id; a redelivery repeats the same body, so the body's digest stands for one."""
    event, conversation = stored["event"], stored["conversation"]
    if event in EVENTS:
        _conversation_id(conversation)  # a conversation without an id is the sender's bug: say so now
    digest = hashlib.sha256(json.dumps(conversation, sort_keys=True).encode()).hexdigest()[:32]
    return f"{event}:{conversation.get('id')}:{digest}", event


def parse_event(desk: ConversationDesk, stored: dict[str, Any], received_at: datetime) -> list[DomainEvent]:
    event, conversation = stored["event"], stored["conversation"]
    if event not in EVENTS:
        return []
    conversation_id = _conversation_id(conversation)
    key = f"{desk.key_prefix}-{conversation.get('number') or conversation_id}"
    customer = _customer(desk, conversation)
    subject = _text(conversation.get("subject"))
    events: list[DomainEvent] = []
    for thread in sorted(_threads(conversation), key=lambda t: (iso_time(t.get("createdAt")) or received_at, t["id"])):
        kind = thread.get("type")
        if thread.get("state") in _HIDDEN_STATES or kind not in _CUSTOMER_THREADS | _AGENT_THREADS:
            continue
        body = html_to_text(thread.get("body") or thread.get("text") or "")
        if not body:
            continue
        events.append(
            TicketMessageSeen(
                ticket_key=key,
                subject=subject,
                customer=customer,
                message_key=f"{desk.source}:{thread['id']}",
                sender="customer" if kind in _CUSTOMER_THREADS else "agent",
                author=_person_name(thread.get("createdBy")),
                body=body,
                at=iso_time(thread.get("createdAt")) or received_at,
                source=desk.source,
                source_ref=conversation_id,
            )
        )
    at = iso_time(conversation.get("userUpdatedAt") or conversation.get("updatedAt")) or received_at
    assignee = conversation.get("assignee") or conversation.get("owner")
    assignee = assignee if isinstance(assignee, dict) and assignee.get("id") is not None else None
    events.append(
        TicketStateSeen(
            source=desk.source,
            ticket_key=key,
            at=at,
            status=_status(conversation.get("status")),
            # Only the events about the assignment are its authority; the others may carry a stale copy.
            assigned=event in ("convo.assigned", "convo.created"),
            assignee_ref=str(assignee["id"]) if assignee else None,
            assignee_name=_person_name(assignee) if assignee else None,
        )
    )
    return events


def _conversation_id(conversation: dict[str, Any]) -> str:
    value = conversation.get("id")
    if not isinstance(value, int | str) or isinstance(value, bool) or not str(value):
        raise WebhookRejectedError(400, "the conversation has no `id`")
    return str(value)


def _threads(conversation: dict[str, Any]) -> list[dict[str, Any]]:
    embedded = conversation.get("_embedded") or {}
    threads = embedded.get("threads") if isinstance(embedded, dict) else None
    if threads is None:
        threads = conversation.get("threads")
    if not isinstance(threads, list):
        return []
    return [t for t in threads if isinstance(t, dict) and isinstance(t.get("id"), int | str)]


def _customer(desk: ConversationDesk, conversation: dict[str, Any]) -> CustomerRef:
    person = conversation.get("primaryCustomer") or conversation.get("customer") or {}
    if not isinstance(person, dict):
        return CustomerRef()
    return CustomerRef(
        email=_text(person.get("email")),
        name=_person_name(person),
        provider=desk.source if person.get("id") is not None else None,
        external_id=str(person["id"]) if person.get("id") is not None else None,
    )


def _person_name(person: Any) -> str | None:
    if not isinstance(person, dict):
        return None
    first = person.get("first") or person.get("firstName") or ""
    last = person.get("last") or person.get("lastName") or ""
    name = f"{first} {last}".strip()
    return name or _text(person.get("email"))


def _status(value: Any) -> str | None:
    if value in ("closed", "spam"):
        return "closed"
    if value in ("active", "pending"):
        return "open"
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
