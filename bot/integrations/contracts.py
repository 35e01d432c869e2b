"""What the bot asks of outside services when a person acts: small capability protocols in our own types.

Every implementation turns its vendor's failures into `bot.errors.ProviderError` with a message safe to show in
Slack, `retryable=True` only when trying again later may succeed (timeouts, 429, 5xx).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class RefundRequest:
    payment_ref: str  # Stripe: the payment intent (or charge) id; PayPal: the capture id
    idempotency_key: str  # the same key for a retried or double-clicked refund: the provider refunds once
    amount_minor: int | None = None  # None: the whole remaining amount
    currency: str | None = None
    reason: str | None = None  # Stripe: duplicate | fraudulent | requested_by_customer; PayPal: note to payer


@dataclass(frozen=True)
class RefundOutcome:
    provider_refund_id: str
    status: str  # the provider's word: succeeded, pending, COMPLETED, ...
    amount_minor: int | None
    currency: str | None


class PaymentGateway(Protocol):
    async def refund(self, request: RefundRequest) -> RefundOutcome: ...


@dataclass(frozen=True)
class LicenceOutcome:
    licence: str  # the key or id acted on
    status: str  # e.g. "suspended", "revoked", "disabled"
    already: bool = False  # it was in that state before this call


class LicenceServer(Protocol):
    async def licences_of(self, email: str) -> list[str]:
        """The licence keys (or ids) issued to this customer."""
        ...

    async def revoke(self, licence: str, *, idempotency_key: str) -> LicenceOutcome: ...


@dataclass(frozen=True)
class UnsubscribeOutcome:
    list_name: str
    already: bool = False  # was not subscribed (or already unsubscribed)


class MailingList(Protocol):
    async def unsubscribe(self, email: str) -> UnsubscribeOutcome: ...
