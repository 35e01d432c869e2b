"""A stored mail, as the ticket message the rest of the bot knows: same cards, threads, tone and timers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core.domain import CustomerRef, TicketMessageSeen
from bot.integrations.values import iso_time
from bot.policies.mail_rules import MailKind


def parse_event(event: dict[str, Any], received_at: datetime) -> list[TicketMessageSeen]:
    if event.get("kind") != MailKind.CUSTOMER:
        return []
    sender = event.get("from") or {}
    return [
        TicketMessageSeen(
            ticket_key=event["ticket_key"],
            subject=event.get("subject"),
            customer=CustomerRef(email=sender.get("email"), name=sender.get("name")),
            message_key=event["message_id"],
            sender="customer",
            author=sender.get("name") or sender.get("email"),
            body=body_text(event.get("text") or "", event.get("attachments") or []),
            # When the mail reached the mailbox: a sender's clock (the Date header) can be anything.
            at=iso_time(event.get("internaldate")) or received_at,
            opens_ticket=bool(event.get("opens_ticket")),
        )
    ]


def body_text(text: str, attachments: list[dict[str, Any]]) -> str:
    """The new text, and the attachments by name and size (never their content: they stay in the mailbox)."""
    listed = ", ".join(f"{a['name']} ({_size(int(a.get('size') or 0))})" for a in attachments)
    if not listed:
        return text or "(no text)"
    return f"{text}\n\nAttachments: {listed}" if text else f"(no text)\n\nAttachments: {listed}"


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"
