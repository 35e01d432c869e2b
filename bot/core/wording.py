"""Providers' codes and names as people read them, in Slack and in a dispute's evidence alike."""

from __future__ import annotations

PROVIDER_NAMES = {"stripe": "Stripe", "paypal": "PayPal"}


def humanise(value: str | None) -> str | None:
    """A provider's code as words: "product_not_received" -> "Product not received"."""
    return value.replace("_", " ").capitalize() if value else None


def provider_name(provider: str) -> str:
    return PROVIDER_NAMES.get(provider, provider.title())


# How each help desk is named to people, by the `source` a ticket keeps.
DESK_NAMES = {"helpscout": "Help Scout", "freescout": "FreeScout", "zendesk": "Zendesk", "freshdesk": "Freshdesk"}


def desk_name(source: str) -> str:
    return DESK_NAMES.get(source, source)
