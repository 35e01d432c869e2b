"""Help Scout's webhooks: `X-HelpScout-Event` names the event, the body is the Mailbox API v2 conversation
with its threads, and `X-HelpScout-Signature` is the base64 HMAC-SHA1 of the body with the webhook's secret."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core.domain import DomainEvent
from bot.integrations.desk_events import conversations
from bot.integrations.desk_events.conversations import ConversationDesk

SOURCE = "helpscout"
DESK = ConversationDesk(
    source=SOURCE,
    name="Help Scout",
    event_header="X-HelpScout-Event",
    signature_header="X-HelpScout-Signature",
    key_prefix="HS",
)
EVENTS = conversations.EVENTS


def parse_event(stored: dict[str, Any], received_at: datetime) -> list[DomainEvent]:
    return conversations.parse_event(DESK, stored, received_at)
