"""The on-call notice that a stored event was set aside: which provider's event, why, and what to do."""

from __future__ import annotations

from bot.cards.blocks import Card, context, escape, section, slack_date
from bot.cards.text import md
from bot.core.wording import provider_name
from bot.storage.models.inbound import InboundEvent

# The generic tickets webhook is "the help desk" to the person reading; the others go by their own names.
PROVIDER_NAMES = {"tickets": "help desk"}


def quarantine_notice(event: InboundEvent) -> Card:
    """Everything in it came from outside (ids, types, the reason quotes the payload's field): all escaped."""
    provider = escape(PROVIDER_NAMES.get(event.provider) or provider_name(event.provider))
    event_id, event_type = escape(event.event_id), escape(event.event_type)
    reason = escape(event.quarantine_reason or "not recorded")
    headline = md("🚧 A {} event could not be applied and was set aside: {}", provider, event_id)
    lines = [
        f"🚧 *A {provider} event could not be applied and was set aside*",
        f"Event `{event_id}` ({event_type}), received {slack_date(event.received_at)}",
        f"Why: {reason}",
    ]
    return Card(
        headline,
        [
            section("\n".join(lines)),
            context(
                "It holds up nothing else. Look it up at the provider; `supportbot doctor` lists every such event, "
                f"and `supportbot events retry {escape(event.provider)} {event_id}` applies it again once fixed."
            ),
        ],
    )
