"""Sales, their refunds and disputes, the digests that fold a rush of them, and the search for a buyer."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.storage.models import Base, SlackPlaced, enum_column

if TYPE_CHECKING:
    from bot.storage.models.customers import Customer


class PaymentProvider(StrEnum):
    """Who took the money, refunds it, and answers its disputes."""

    STRIPE = "stripe"
    PAYPAL = "paypal"


class Payment(SlackPlaced, Base):
    """A sale: one per payment, however many provider events describe it."""

    __tablename__ = "payments"
    __table_args__ = (UniqueConstraint("provider", "provider_payment_id", name="uq_payment_provider_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[PaymentProvider] = mapped_column(enum_column(PaymentProvider, 16))
    provider_payment_id: Mapped[str] = mapped_column(String(255))
    charge_id: Mapped[str | None] = mapped_column(String(255), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    amount_refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    product: Mapped[str | None] = mapped_column(String(300))
    payer_email: Mapped[str | None] = mapped_column(String(320))
    payer_name: Mapped[str | None] = mapped_column(String(200))
    provider_url: Mapped[str | None] = mapped_column(String(500))
    livemode: Mapped[bool] = mapped_column(default=True)
    # Indexed for what reads sales by date: the Home tab's today, on every change; the digest; the month chart.
    paid_at: Mapped[datetime] = mapped_column(index=True)
    # The inbound event that first told of the payment: its id follows arrival (the acknowledgement inserts it),
    # which orders sales paid in the same second (`paid_at` has a provider's one-second resolution) where the
    # payment's own id cannot: with several replicas applying, ids follow when a sale was applied. No foreign key:
    # it is an order, not a link. None for a payment no event told of.
    first_event_id: Mapped[int | None] = mapped_column(BigInteger)
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("sale_digests.id"), index=True)

    customer: Mapped[Customer | None] = relationship()
    refunds: Mapped[list[Refund]] = relationship(back_populates="payment", order_by="Refund.id")


class Refund(Base):
    __tablename__ = "refunds"
    __table_args__ = (UniqueConstraint("provider", "provider_refund_id", name="uq_refund_provider_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    provider: Mapped[PaymentProvider] = mapped_column(enum_column(PaymentProvider, 16))
    provider_refund_id: Mapped[str] = mapped_column(String(255))
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    reason: Mapped[str | None] = mapped_column(String(200))
    refunded_at: Mapped[datetime] = mapped_column(index=True)

    payment: Mapped[Payment] = relationship(back_populates="refunds")


class Dispute(SlackPlaced, Base):
    __tablename__ = "disputes"
    __table_args__ = (UniqueConstraint("provider", "provider_dispute_id", name="uq_dispute_provider_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[PaymentProvider] = mapped_column(enum_column(PaymentProvider, 16))
    provider_dispute_id: Mapped[str] = mapped_column(String(255))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    reason: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str | None] = mapped_column(String(64))
    stage: Mapped[str | None] = mapped_column(String(64))
    # Read by the reminder timer each pass (deadlines still ahead), so indexed, as is `opened_at`.
    evidence_due_at: Mapped[datetime | None] = mapped_column(index=True)
    provider_url: Mapped[str | None] = mapped_column(String(500))
    opened_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]
    # When the last evidence-deadline reminder went out: the reminder timer's state, so none is sent twice.
    reminded_at: Mapped[datetime | None]
    # The answer given from Slack (bot.evidence.EvidenceState): staged, submitted or accepted, and when.
    evidence_state: Mapped[str | None] = mapped_column(String(16))
    evidence_at: Mapped[datetime | None]

    payment: Mapped[Payment | None] = relationship()
    customer: Mapped[Customer | None] = relationship()


class SaleDigest(SlackPlaced, Base):
    """One message that stands for a rush of sales, updated in place as more arrive."""

    __tablename__ = "sale_digests"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), index=True)
    opened_at: Mapped[datetime]
    last_folded_at: Mapped[datetime]


class BuyerLookupStatus(StrEnum):
    PENDING = "pending"
    FOUND = "found"
    GAVE_UP = "gave_up"


class BuyerLookup(Base):
    """The search for the buyer of a PayPal sale whose webhook named nobody (a v2 capture never does).

    The row is the timer: `next_at` is when to ask PayPal again, so a restart loses no search, and an attempt is
    claimed by moving `next_at` forward with a conditional update, so two processes never ask twice at once.
    """

    __tablename__ = "buyer_lookups"
    __table_args__ = (Index("ix_buyer_lookups_status_next_at", "status", "next_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id", ondelete="CASCADE"), unique=True)
    # The checkout order the capture belongs to; None once PayPal would not show it (404, another app's order).
    order_id: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[BuyerLookupStatus] = mapped_column(
        enum_column(BuyerLookupStatus, 16), default=BuyerLookupStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_at: Mapped[datetime | None]
    # Where the buyer was found ("order", "transactions"), or why the search was given up; shown in Slack.
    outcome: Mapped[str | None] = mapped_column(String(300))
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
