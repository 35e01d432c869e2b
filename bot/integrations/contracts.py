"""What the bot asks of outside services when a person acts: small capability protocols in our own types.

Every implementation turns its vendor's failures into `bot.core.errors.ProviderError` with a message safe to show in
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
class Licence:
    key: str  # what the bot shows and revokes: the licence key, or the licence server's id for it
    product: str | None = None
    status: str = "active"  # the server's word: active, suspended, revoked, expired, ...


@dataclass(frozen=True)
class LicenceOutcome:
    licence: str  # the key or id acted on
    status: str  # e.g. "suspended", "revoked", "disabled"
    already: bool = False  # it was in that state before this call


class LicenceServer(Protocol):
    name: str  # shown in Slack: "Keygen", "licence server"

    async def licences_of(self, email: str) -> list[Licence]:
        """The licences issued to this customer (any state); empty when there are none."""
        ...

    async def revoke(self, licence: str, *, idempotency_key: str) -> LicenceOutcome: ...


@dataclass(frozen=True)
class UnsubscribeOutcome:
    list_name: str
    already: bool = False  # was not subscribed (or already unsubscribed)


class MailingList(Protocol):
    name: str  # shown in Slack before the click: "Mailchimp list Newsletter", "Kit"

    async def unsubscribe(self, email: str) -> UnsubscribeOutcome: ...


@dataclass(frozen=True)
class TicketUpdate:
    """A change made in Slack that the help desk should know of."""

    ticket_key: str  # the help desk's own ticket id, as sent in the tickets webhook
    kind: str  # "assigned" | "reply" | "closed" | "note" (a note: only to desks spoken to directly)
    idempotency_key: str  # the same for a retried delivery: the help desk applies it once
    agent_id: str  # Slack user id of the person who acted
    agent_name: str | None = None
    body: str | None = None  # the reply's text, for "reply" (and an optional closing note for "closed")


class HelpDeskWriteBack(Protocol):
    async def send(self, callback_url: str, update: TicketUpdate) -> str:
        """Deliver `update` to the ticket's callback URL; returns the help desk's reference (or delivery id)."""
        ...


@dataclass(frozen=True)
class DeskOutcome:
    reference: str  # what the desk calls what it did: a thread id, or the ticket id for an assignment
    message_key: str | None = None  # for a reply: the key the desk's own webhook will carry for that message


class DeskWriteBack(Protocol):
    """A help desk spoken to through its own API (Help Scout, FreeScout, Zendesk, Freshdesk), acting as an agent.

    Each call is safe to repeat with the same update: the desk's idempotency where it has one, otherwise a look
    at the ticket before acting again.
    """

    name: str  # shown in Slack: "Help Scout"

    async def agent_for(self, email: str) -> str | None:
        """The desk's id of its user with this email; None when there is none."""
        ...

    async def send(self, ticket_ref: str, update: TicketUpdate, agent_ref: str) -> DeskOutcome: ...

    async def check(self) -> str:
        """A harmless read that needs valid credentials (for `doctor`); returns what it saw, in a few words."""
        ...


class PeopleDirectory(Protocol):
    async def email_of(self, user_id: str) -> str | None:
        """The Slack user's email; None when they have none. Raises `ProviderError` when it cannot be read."""
        ...


@dataclass(frozen=True)
class OutgoingEmail:
    to: str
    subject: str
    body: str
    message_id: str  # fixed per reply, so a resent message is recognisably the same one
    in_reply_to: str | None = None
    to_name: str | None = None
    # The thread's earlier Message-IDs, oldest first (RFC 5322 References); empty: just In-Reply-To.
    references: tuple[str, ...] = ()


class Mailer(Protocol):
    async def send(self, email: OutgoingEmail) -> str:
        """Send by SMTP; returns the Message-ID sent."""
        ...


@dataclass(frozen=True)
class Evidence:
    """A seller's answer to a dispute, in plain text, and the customer's conversation as a PDF."""

    statement: str  # the seller's own words: what was sold, why the charge stands
    product_description: str | None = None
    refund_policy: str | None = None
    access_log: str | None = None  # licence activations, downloads: that the customer used what they bought
    receipt: str | None = None  # the sale as recorded: amount, date, reference
    service_date: str | None = None  # when the product was delivered (YYYY-MM-DD)
    customer_email: str | None = None
    customer_name: str | None = None
    conversation: bytes | None = None  # PDF


@dataclass(frozen=True)
class EvidenceOutcome:
    state: str  # "staged" (Stripe's draft), "submitted" or "accepted"
    provider_status: str  # the provider's own word for the dispute's status afterwards
    file_id: str | None = None


class DisputeDesk(Protocol):
    async def provide(self, dispute_ref: str, evidence: Evidence, *, idempotency_key: str) -> EvidenceOutcome: ...

    async def submit(self, dispute_ref: str, *, idempotency_key: str) -> EvidenceOutcome: ...

    async def accept(self, dispute_ref: str, note: str, *, idempotency_key: str) -> EvidenceOutcome: ...
