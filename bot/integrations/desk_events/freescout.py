"""FreeScout's webhooks (its API & Webhooks module): `X-FreeScout-Event` names the event, the body is the
conversation with its threads, and `X-FreeScout-Signature` is the base64 HMAC-SHA1 of the body with the
webhook's secret (FreeScout derives it from its APP_KEY: the module's settings page shows it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core.domain import DomainEvent
from bot.integrations.desk_events import conversations
from bot.integrations.desk_events.conversations import ConversationDesk

SOURCE = "freescout"
DESK = ConversationDesk(
    source=SOURCE,
    name="FreeScout",
    event_header="X-FreeScout-Event",
    signature_header="X-FreeScout-Signature",
    key_prefix="FS",
)
EVENTS = conversations.EVENTS


def parse_event(stored: dict[str, Any], received_at: datetime) -> list[DomainEvent]:
    return conversations.parse_event(DESK, stored, received_at)
