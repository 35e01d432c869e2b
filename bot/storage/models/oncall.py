"""The on-call channel's records: alerts with their escalation timers, and the morning digests.

What an alert is about is typed, one frozen record per alert kind (`AlertDetails`): the on-call features raise
alerts with one, and the cards that draw them match on it. It is stored in the row's JSON `details` in the shape
alerts have always had (`{"dispute_id": 3, "level": "final"}`, `{"message_id": 9}`), so an alert raised by an
older version still draws after an upgrade. Both directions of that shape are written here, and nowhere else. The
shape alone does not say which record it is (an abuse alert and a big refund request both name a `message_id`):
it is read by the alert's kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.policies.oncall_deadlines import ReminderLevel
from bot.policies.oncall_escalation import AlertKind
from bot.storage.models import Base, SlackPlaced, enum_column


@dataclass(frozen=True)
class DisputeAlertDetails:
    """A dispute that opened, or whose evidence deadline was set (kinds dispute-opened, dispute-deadline); `level`
    when a reminder before that deadline paged."""

    dispute_id: int
    level: ReminderLevel | None = None

    def to_json(self) -> dict[str, Any]:
        return {"dispute_id": self.dispute_id} | ({"level": self.level.value} if self.level else {})


@dataclass(frozen=True)
class WaitingAlertDetails:
    """A customer waiting too long since `since` (kind customer-waiting); drawn from the ticket as it is."""

    ticket_id: int
    since: datetime

    def to_json(self) -> dict[str, Any]:
        return {"ticket_id": self.ticket_id, "since": self.since.isoformat()}


@dataclass(frozen=True)
class RefundRequestAlertDetails:
    """A customer's message asking for their money back (kind big-refund-request), with what was at stake then."""

    message_id: int
    refundable: int  # minor units of `currency`
    currency: str

    def to_json(self) -> dict[str, Any]:
        return {"message_id": self.message_id, "refundable": self.refundable, "currency": self.currency}


@dataclass(frozen=True)
class ToneAlertDetails:
    """A customer's message that turned abusive or threatens (kinds abuse, threat: which one is the kind's)."""

    message_id: int

    def to_json(self) -> dict[str, Any]:
        return {"message_id": self.message_id}


AlertDetails = DisputeAlertDetails | WaitingAlertDetails | RefundRequestAlertDetails | ToneAlertDetails


def parse_alert_details(kind: AlertKind, stored: Mapping[str, Any]) -> AlertDetails:
    """What an alert of `kind` with the stored `details` is about. A field missing, or a kind that is never
    raised as an alert, raises: such an alert cannot be drawn."""
    match kind:
        case AlertKind.DISPUTE_OPENED | AlertKind.DISPUTE_DEADLINE:
            level = stored.get("level")
            return DisputeAlertDetails(stored["dispute_id"], ReminderLevel(level) if level else None)
        case AlertKind.CUSTOMER_WAITING:
            return WaitingAlertDetails(stored["ticket_id"], datetime.fromisoformat(stored["since"]))
        case AlertKind.BIG_REFUND_REQUEST:
            return RefundRequestAlertDetails(stored["message_id"], stored["refundable"], stored["currency"])
        case AlertKind.ABUSE | AlertKind.THREAT:
            return ToneAlertDetails(stored["message_id"])
        case _:
            raise ValueError(f"no alert is raised of kind {kind!r}")


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"  # what it was about is over (the team replied, the dispute closed): no more pages


class Alert(SlackPlaced, Base):
    """An urgent message in the on-call channel: who was paged, who acknowledged it, and when to page the next
    person. The escalation timer is this row's `next_due`, so it survives restarts; a step is taken by a
    conditional update on `step`, so two processes never page twice."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_status_next_due", "status", "next_due"),
        Index("ix_alerts_about", "about_type", "about_id"),  # the alerts about a ticket or a dispute
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[AlertKind] = mapped_column(enum_column(AlertKind, 32))
    about_type: Mapped[str] = mapped_column(String(16))
    about_id: Mapped[int]
    details_json: Mapped[dict[str, Any]] = mapped_column("details", default=dict)  # see `details`
    status: Mapped[AlertStatus] = mapped_column(enum_column(AlertStatus, 16), default=AlertStatus.OPEN)
    step: Mapped[int] = mapped_column(default=0)
    paged: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"steps": [[user ids], ...]} as paged so far
    raised_at: Mapped[datetime]
    next_due: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(32))
    acknowledged_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(String(300))  # e.g. "Sam replied", "the dispute was won"

    @property
    def details(self) -> AlertDetails:
        """What the alert is about, read from its stored JSON by its kind."""
        return parse_alert_details(self.kind, self.details_json)

    @details.setter
    def details(self, details: AlertDetails) -> None:
        self.details_json = details.to_json()


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
