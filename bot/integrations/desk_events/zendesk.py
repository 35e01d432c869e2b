"""Zendesk's event webhooks (`zen:event-type:ticket.*`): signature, identity, and parsing into ticket events.

Zendesk signs `timestamp + body` with HMAC-SHA256 (base64) under the webhook's signing secret, the timestamp
in ISO 8601 in its own header. Its ticket events carry ids, not people: the requester's and assignee's names
and emails, and a new ticket's first comments, are looked up through the API after the delivery is stored
(bot/integrations/zendesk.py `lookup`, run by the processor before applying) and handed to `parse_event` under
the payload's "lookup" key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from typing import Any

from bot.core.domain import CustomerRef, DomainEvent, TicketMessageSeen, TicketStateSeen
from bot.core.errors import Rejection, WebhookRejectedError
from bot.integrations.desk_events.text import html_to_text
from bot.integrations.values import iso_time

SOURCE = "zendesk"
SIGNATURE_HEADER = "X-Zendesk-Webhook-Signature"
TIMESTAMP_HEADER = "X-Zendesk-Webhook-Signature-Timestamp"
TOLERANCE_SECONDS = 300
_PREFIX = "zen:event-type:ticket."
CREATED = _PREFIX + "created"
COMMENT_ADDED = _PREFIX + "comment_added"
ASSIGNMENT_CHANGED = _PREFIX + "agent_assignment_changed"
STATUS_CHANGED = _PREFIX + "status_changed"
EVENTS = frozenset({CREATED, COMMENT_ADDED, ASSIGNMENT_CHANGED, STATUS_CHANGED})
_CLOSED = frozenset({"SOLVED", "CLOSED", "DELETED", "ARCHIVED", "SCRUBBED"})


def sign(secret: str, timestamp: str, raw_body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + raw_body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_signature(raw_body: bytes, timestamp: str | None, signature: str | None, secret: str, now: datetime) -> None:
    if not timestamp or not signature:
        raise WebhookRejectedError(401, f"missing {TIMESTAMP_HEADER} or {SIGNATURE_HEADER}", Rejection.BAD_SIGNATURE)
    signed_at = iso_time(timestamp)
    if signed_at is None:
        raise WebhookRejectedError(400, f"{TIMESTAMP_HEADER} must be an ISO 8601 time", Rejection.BAD_SIGNATURE)
    if abs((now - signed_at).total_seconds()) > TOLERANCE_SECONDS:
        stale = f"{TIMESTAMP_HEADER} is more than 5 minutes off (replayed?)"
        raise WebhookRejectedError(400, stale, Rejection.REPLAYED)
    if not hmac.compare_digest(sign(secret, timestamp, raw_body), signature.strip()):
        raise WebhookRejectedError(401, "bad Zendesk webhook signature", Rejection.BAD_SIGNATURE)


def event_identity(event: dict[str, Any]) -> tuple[str, str]:
    event_id, event_type = event.get("id"), event.get("type")
    if not isinstance(event_id, str) or not event_id or not isinstance(event_type, str):
        raise WebhookRejectedError(400, "a Zendesk event needs string fields `id` and `type`")
    if event_type in EVENTS:
        ticket_id(event)
    return event_id, event_type


def ticket_id(event: dict[str, Any]) -> str:
    detail = event.get("detail")
    value = detail.get("id") if isinstance(detail, dict) else None
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value):
        raise WebhookRejectedError(400, "a Zendesk ticket event needs `detail.id`")
    return str(value)


def people_to_look_up(event: dict[str, Any]) -> set[str]:
    """The user ids whose names and emails the event needs: the requester, and the assignee when it changed."""
    detail = event.get("detail") or {}
    wanted = {str(detail["requester_id"])} if detail.get("requester_id") else set()
    if event.get("type") == ASSIGNMENT_CHANGED and detail.get("assignee_id"):
        wanted.add(str(detail["assignee_id"]))
    return wanted


def parse_event(stored: dict[str, Any], received_at: datetime) -> list[DomainEvent]:
    event_type = stored.get("type")
    if event_type not in EVENTS:
        return []
    detail = stored.get("detail") or {}
    ticket = ticket_id(stored)
    lookup = stored.get("lookup") or {}
    people: dict[str, dict[str, Any]] = lookup.get("users") or {}
    requester = people.get(str(detail.get("requester_id"))) or {}
    customer = CustomerRef(
        email=requester.get("email") or None,
        name=requester.get("name") or None,
        provider=SOURCE if detail.get("requester_id") else None,
        external_id=str(detail["requester_id"]) if detail.get("requester_id") else None,
    )
    key = f"ZD-{ticket}"
    subject = detail.get("subject") or None
    at = iso_time(detail.get("updated_at")) or received_at
    events: list[DomainEvent] = []
    comments = list(lookup.get("comments") or [])
    comment = (stored.get("event") or {}).get("comment")
    if event_type == COMMENT_ADDED and isinstance(comment, dict):
        comments.append(
            {
                "id": comment.get("id"),
                "body": comment.get("body"),
                "public": comment.get("is_public", True),
                "author_id": (comment.get("author") or {}).get("id"),
                "author_name": (comment.get("author") or {}).get("name"),
                "staff": (comment.get("author") or {}).get("is_staff", False),
                "created_at": detail.get("updated_at"),
            }
        )
    for found in comments:
        body = html_to_text(str(found.get("body") or ""))
        if not found.get("public", True) or not body or found.get("id") is None:
            continue  # a private comment is the team's internal note
        from_customer = str(found.get("author_id")) == str(detail.get("requester_id")) and not found.get("staff")
        events.append(
            TicketMessageSeen(
                ticket_key=key,
                subject=subject,
                customer=customer,
                message_key=f"{SOURCE}:{found['id']}",
                sender="customer" if from_customer else "agent",
                author=found.get("author_name") or None,
                body=body,
                at=iso_time(found.get("created_at")) or at,
                source=SOURCE,
                source_ref=ticket,
            )
        )
    assignee_id = str(detail["assignee_id"]) if detail.get("assignee_id") else None
    status = str(detail.get("status") or "").upper()
    events.append(
        TicketStateSeen(
            source=SOURCE,
            ticket_key=key,
            at=at,
            status=("closed" if status in _CLOSED else "open") if status else None,
            assigned=event_type in (ASSIGNMENT_CHANGED, CREATED),
            assignee_ref=assignee_id,
            assignee_name=(people.get(assignee_id or "") or {}).get("name"),
        )
    )
    return events
