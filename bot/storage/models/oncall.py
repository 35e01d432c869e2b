"""The on-call channel's records: alerts with their escalation timers, and the morning digests."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.policies.oncall_escalation import AlertKind
from bot.storage.models import Base, SlackPlaced, enum_column


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"  # what it was about is over (the team replied, the dispute closed): no more pages


class Alert(SlackPlaced, Base):
    """An urgent message in the on-call channel: who was paged, who acknowledged it, and when to page the next
    person. The escalation timer is this row's `next_due`, so it survives restarts; a step is taken by a
    conditional update on `step`, so two processes never page twice."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_status_next_due", "status", "next_due"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[AlertKind] = mapped_column(enum_column(AlertKind, 32))
    about_type: Mapped[str] = mapped_column(String(16))
    about_id: Mapped[int]
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[AlertStatus] = mapped_column(enum_column(AlertStatus, 16), default=AlertStatus.OPEN)
    step: Mapped[int] = mapped_column(default=0)
    paged: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"steps": [[user ids], ...]} as paged so far
    raised_at: Mapped[datetime]
    next_due: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(32))
    acknowledged_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(String(300))  # e.g. "Sam replied", "the dispute was won"


class MorningDigest(SlackPlaced, Base):
    """The summary of a night, posted when the team comes on duty. One row per opening: the unique `opening`
    is how two processes agree that only one of them posts it, and the row is the "last digest" record."""

    __tablename__ = "morning_digests"

    id: Mapped[int] = mapped_column(primary_key=True)
    opening: Mapped[datetime] = mapped_column(unique=True)
    since: Mapped[datetime]  # the night it covers: from when the team went off duty...
    until: Mapped[datetime]  # ...to when this digest was made
    channel: Mapped[str] = mapped_column(String(32))
    figures: Mapped[dict[str, Any]]  # counted once, when made, so a redraw shows the same night
