"""What the providers told us, in our own words: every webhook is parsed into these before it is applied."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class CustomerRef:
    """Whatever a provider said about who the customer is; any field may be missing."""

    email: str | None = None
    name: str | None = None
    provider: str | None = None
    external_id: str | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class SaleSeen:
    provider: str
    payment_key: str
    at: datetime
    customer: CustomerRef
    charge_id: str | None = None
    amount_minor: int | None = None
    currency: str | None = None
    product: str | None = None
    provider_url: str | None = None
    livemode: bool = True
    # The checkout order a PayPal capture belongs to: where its buyer can be looked up when the event names none.
    order_key: str | None = None


@dataclass(frozen=True)
class RefundSeen:
    provider: str
    refund_key: str
    at: datetime
    payment_key: str | None = None
    charge_id: str | None = None
    amount_minor: int | None = None
    currency: str | None = None
    # The provider's running total, when it gives one, so a refund of unknown size can still be worked out.
    total_refunded_minor: int | None = None
    reason: str | None = None
    sale: SaleSeen | None = None


@dataclass(frozen=True)
class DisputeSeen:
    provider: str
    dispute_key: str
    change: str
    at: datetime
    payment_key: str | None = None
    charge_id: str | None = None
    amount_minor: int | None = None
    currency: str | None = None
    reason: str | None = None
    status: str | None = None
    stage: str | None = None
    evidence_due_at: datetime | None = None
    outcome: str | None = None
    provider_url: str | None = None
    customer: CustomerRef | None = None


@dataclass(frozen=True)
class TicketMessageSeen:
    ticket_key: str
    subject: str | None
    customer: CustomerRef
    message_key: str
    sender: str
    body: str
    at: datetime
    author: str | None = None
    opens_ticket: bool = False
    callback_url: str | None = None
    source: str | None = None  # a help desk we talk to directly: "helpscout", "freescout", ...
    source_ref: str | None = None  # the ticket's id in that desk's API


@dataclass(frozen=True)
class TicketStateSeen:
    """A help desk's word on who has a ticket and whether it is closed, as of the desk's time `at`."""

    source: str
    ticket_key: str
    at: datetime
    status: str | None = None  # "open" | "closed"; None: not told
    assigned: bool = False  # whether this event says who has the ticket (then `assignee_*`, None: nobody)
    assignee_ref: str | None = None  # the desk's id of its user
    assignee_name: str | None = None


DomainEvent = SaleSeen | RefundSeen | DisputeSeen | TicketMessageSeen | TicketStateSeen
