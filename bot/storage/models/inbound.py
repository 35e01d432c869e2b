"""Webhook deliveries as stored before they are acknowledged, and what became of each."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, BigId, SlackPlaced, enum_column


class InboundStatus(StrEnum):
    PENDING = "pending"
    APPLIED = "applied"
    IGNORED = "ignored"
    # Could never be applied (see bot/inbound/quarantine.py): set aside so it holds up nothing, until a person looks.
    QUARANTINED = "quarantined"


class InboundEvent(SlackPlaced, Base):
    """A verified webhook delivery, stored before it is acknowledged so that nothing acknowledged is lost.

    Its Slack place is the on-call notice of its quarantine, if it ever was quarantined.
    """

    __tablename__ = "inbound_events"
    __table_args__ = (
        UniqueConstraint("provider", "event_id", name="uq_inbound_provider_event"),
        Index("ix_inbound_status_id", "status", "id"),
        # Retention looks for applied events whose payload is still there, oldest first.
        Index("ix_inbound_erased_received", "erased_at", "received_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(255))
    event_type: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]]
    status: Mapped[InboundStatus] = mapped_column(enum_column(InboundStatus, 16), default=InboundStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime]
    not_before: Mapped[datetime | None]
    processed_at: Mapped[datetime | None]
    # When the raw payload (which quotes customers) was erased: a forgotten customer, or retention.
    erased_at: Mapped[datetime | None]
    quarantined_at: Mapped[datetime | None]
    # Why, in one line a person can act on; no SQL and no customer data (it is shown in Slack).
    quarantine_reason: Mapped[str | None] = mapped_column(String(500))
