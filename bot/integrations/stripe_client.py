"""The Stripe SDK's client as refunds and disputes both use it: our HTTP session, our base address, few retries."""

from __future__ import annotations

from typing import TYPE_CHECKING

import stripe

if TYPE_CHECKING:
    from stripe._base_address import BaseAddresses


def stripe_client(
    api_key: str, *, api_base: str, max_network_retries: int
) -> tuple[stripe.StripeClient, stripe.AIOHTTPClient]:
    """The client and its HTTP session (to close). The session has no timeout of its own: each caller bounds a
    whole call, the SDK's retries and back-off included, with its own deadline."""
    http = stripe.AIOHTTPClient(timeout=None)
    client = stripe.StripeClient(
        api_key,
        base_addresses=stripe_base_addresses(api_base),
        http_client=http,
        max_network_retries=max_network_retries,
    )
    return client, http


def stripe_base_addresses(api_base: str) -> BaseAddresses:
    """Stripe uploads files to its own second host; any other API base (a proxy, a stand-in) serves both."""
    base = api_base.rstrip("/")
    if base == stripe.DEFAULT_API_BASE:
        return {"api": base}
    return {"api": base, "files": base}
