"""What every webhook must carry to be stored, and refusing at the door what could never be applied.

A delivery is acknowledged only once stored, and a stored event is applied later (bot.inbound.processor). An event that
is signed but unusable (an amount of 1e400, a ticket id of 300 characters) is better refused now, with a 400
the sender sees on its side, than acknowledged and then set aside: so each handled event is read in full, by the
same parser that applies it, before it is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bot.core.errors import PayloadError, WebhookRejectedError
from bot.integrations.values import storable
from bot.storage.models import max_length
from bot.storage.models.inbound import InboundEvent

# Parsers fall back to when an event was received for a time it does not give; reading one at the door to see
# whether it can be used at all, any time will do.
IDENTITY_CHECK_TIME = datetime(2000, 1, 1, tzinfo=UTC)


def inbound_identity(event: dict[str, Any], id_key: str, type_key: str, what: str) -> tuple[str, str]:
    """(id, type) of a delivery, both strings that fit where deliveries are stored; a 400 otherwise."""
    event_id, event_type = event.get(id_key), event.get(type_key)
    if not isinstance(event_id, str) or not event_id or not isinstance(event_type, str):
        raise WebhookRejectedError(400, f"{what} needs string fields `{id_key}` and `{type_key}`")
    for field, value, column in (
        (id_key, event_id, InboundEvent.event_id),
        (type_key, event_type, InboundEvent.event_type),
    ):
        if len(value) > max_length(column) or storable(value) != value:
            limit = max_length(column)
            raise WebhookRejectedError(400, f"{what}'s `{field}` must be storable text of at most {limit} characters")
    return event_id, event_type


def refuse_unusable(parse: Callable[[], object]) -> None:
    """Run `parse`; a PayloadError becomes a 400 that names the field and what is wrong with it."""
    try:
        parse()
    except PayloadError as exc:
        raise WebhookRejectedError(400, f"this event cannot be used: {exc}") from None
