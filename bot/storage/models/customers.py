"""The people behind sales and tickets, and the ids each provider knows them by."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.storage.models import Base


class Customer(Base):
    """One person across Stripe, PayPal and the help desk, matched by normalised email."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]

    identities: Mapped[list[CustomerIdentity]] = relationship(back_populates="customer")


class CustomerIdentity(Base):
    """A provider's own id for a customer (Stripe `cus_...`, a PayPal payer id, a help-desk requester id)."""

    __tablename__ = "customer_identities"
    __table_args__ = (UniqueConstraint("provider", "external_id", name="uq_identity_provider_external"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(255))

    customer: Mapped[Customer] = relationship(back_populates="identities")
