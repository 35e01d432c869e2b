"""Freshdesk's automation webhooks: the rule's "Simple" JSON (`{"freshdesk_webhook": {"ticket_id": …, …}}`), with
our shared secret in a custom header, since Freshdesk signs nothing.

Whatever fields the rule sends, a delivery only says "this ticket changed": the processor reads the ticket back
by id (bot/integrations/freshdesk.py `lookup`) and `parse_event` turns what Freshdesk answered, under the
payload's "lookup" key, into the ticket's messages and state. Reading back makes every delivery idempotent, so
repeats and late deliveries are harmless, and a rule that sends only `ticket_id` is enough.
"""

from __future__ import annotations

import hmac
import uuid
from datetime import datetime
from typing import Any

from bot.core.domain import CustomerRef, DomainEvent, TicketMessageSeen, TicketStateSeen
from bot.core.errors import Rejection, WebhookRejectedError
from bot.integrations.desk_events.text import html_to_text
from bot.integrations.values import iso_time

SOURCE = "freshdesk"
TOKEN_HEADER = "X-Supportbot-Token"  # noqa: S105 (a header's name)
EVENT = "ticket.changed"  # ours: Freshdesk's rules name no event
EVENTS = frozenset({EVENT})
_CLOSED = frozenset({4, 5})  # Resolved, Closed


def verify_token(token: str | None, secret: str) -> None:
    if not token:
        raise WebhookRejectedError(401, f"missing {TOKEN_HEADER} header", Rejection.BAD_SIGNATURE)
    if not hmac.compare_digest(token.strip().encode(), secret.encode()):
        raise WebhookRejectedError(401, f"bad {TOKEN_HEADER}", Rejection.BAD_SIGNATURE)


def ticket_id(event: dict[str, Any]) -> str:
    body = event.get("freshdesk_webhook")
    value = body.get("ticket_id") if isinstance(body, dict) else None
    if isinstance(value, str) and value.strip().isdigit():
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise WebhookRejectedError(400, 'the body must be the rule\'s "Simple" JSON with `freshdesk_webhook.ticket_id`')


def event_identity(event: dict[str, Any]) -> tuple[str, str]:
    # Each delivery is its own event: two changes to a ticket can send identical bodies, and applying a
    # delivery twice only reads the ticket back twice.
    return f"{ticket_id(event)}:{uuid.uuid4().hex}", EVENT


def parse_event(stored: dict[str, Any], received_at: datetime) -> list[DomainEvent]:
    lookup = stored.get("lookup") or {}
    ticket = lookup.get("ticket") or {}
    if not ticket.get("id"):
        return []
    number = str(ticket["id"])
    requester = ticket.get("requester") or {}
    customer = CustomerRef(
        email=requester.get("email") or None,
        name=requester.get("name") or None,
        provider=SOURCE if ticket.get("requester_id") else None,
        external_id=str(ticket["requester_id"]) if ticket.get("requester_id") else None,
    )
    key, subject = f"FD-{number}", ticket.get("subject") or None
    common: dict[str, Any] = {
        "ticket_key": key,
        "subject": subject,
        "customer": customer,
        "source": SOURCE,
        "source_ref": number,
    }
    events: list[DomainEvent] = []
    first = html_to_text(str(ticket.get("description") or "")) or ticket.get("description_text") or ""
    if first:
        at = iso_time(ticket.get("created_at")) or received_at
        events.append(
            TicketMessageSeen(
                **common,
                message_key=f"{SOURCE}:{number}:description",
                sender="customer",
                author=customer.name,
                body=first,
                at=at,
            )
        )
    agents: dict[str, str] = lookup.get("agents") or {}
    for reply in sorted(lookup.get("conversations") or [], key=lambda c: (str(c.get("created_at")), c.get("id"))):
        body = html_to_text(str(reply.get("body") or "")) or str(reply.get("body_text") or "")
        if reply.get("private") or not body or reply.get("id") is None:
            continue  # a private note is the team's own
        from_customer = bool(reply.get("incoming"))
        events.append(
            TicketMessageSeen(
                **common,
                message_key=f"{SOURCE}:{reply['id']}",
                sender="customer" if from_customer else "agent",
                author=customer.name if from_customer else agents.get(str(reply.get("user_id"))),
                body=body,
                at=iso_time(reply.get("created_at")) or received_at,
            )
        )
    responder = str(ticket["responder_id"]) if ticket.get("responder_id") else None
    events.append(
        TicketStateSeen(
            source=SOURCE,
            ticket_key=key,
            at=iso_time(ticket.get("updated_at")) or received_at,
            status="closed" if ticket.get("status") in _CLOSED else "open",
            assigned=True,  # read back whole: the ticket's assignment as of updated_at
            assignee_ref=responder,
            assignee_name=agents.get(responder or ""),
        )
    )
    return events
