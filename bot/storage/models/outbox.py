"""What is on its way to Slack: the outbox rows, recorded with the change they show."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, BigId, enum_column


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FOLDED = "folded"
    SUPERSEDED = "superseded"
    FAILED = "failed"


class OutboxKind(StrEnum):
    POST_CARD = "post_card"
    UPDATE_CARD = "update_card"
    REPLY = "reply"
    UPDATE_REPLY = "update_reply"
    ALERT = "alert"  # a message of its own in another channel (on-call) about a subject


class OutboxMessage(Base):
    """An intent to show something in Slack, recorded in the same transaction as the change it shows."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_channel_status_id", "channel", "status", "id"),
        Index("ix_outbox_status_not_before", "status", "not_before"),
        Index("ix_outbox_coalesce", "coalesce_key", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    coalesce_key: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(32))
    kind: Mapped[OutboxKind] = mapped_column(enum_column(OutboxKind, 16))
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int]
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[OutboxStatus] = mapped_column(enum_column(OutboxStatus, 16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    # An attempt that may have reached Slack before it failed: look for its message before posting again.
    maybe_sent: Mapped[bool] = mapped_column(default=False)
    not_before: Mapped[datetime]
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    slack_ts: Mapped[str | None] = mapped_column(String(32))
    # What the message showed when sent, so a redraw that would change nothing is not sent.
    content_hash: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
