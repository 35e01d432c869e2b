"""Help-desk and mailbox tickets and their messages, with the tone of each customer message."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.storage.models import Base, JSONType, SlackPlaced, enum_column

if TYPE_CHECKING:
    from bot.storage.models.customers import Customer


class TicketStatus(StrEnum):
    """Ours, not the desk's: a desk's own words (pending, solved, spam, ...) are read as one of these."""

    OPEN = "open"
    CLOSED = "closed"


class Ticket(SlackPlaced, Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(255), unique=True)
    subject: Mapped[str | None] = mapped_column(String(500))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    # Indexed for the open tickets, a few among years of closed ones: read with `== OPEN`, never `!= CLOSED`.
    status: Mapped[TicketStatus] = mapped_column(enum_column(TicketStatus, 32), default=TicketStatus.OPEN, index=True)
    opened_at: Mapped[datetime] = mapped_column(index=True)
    # Where the help desk wants to hear of changes made in Slack; None: an email-only ticket.
    callback_url: Mapped[str | None] = mapped_column(String(2000))
    assignee_id: Mapped[str | None] = mapped_column(String(32))
    assignee_name: Mapped[str | None] = mapped_column(String(200))
    # A ticket from a help desk we talk to directly (bot/integrations/desk_events/): which desk ("helpscout", ...), the
    # ticket's id in its API, the desk user it is assigned to there, and the desk's time of the last assignment
    # or status change applied, so that an older one delivered late does not undo a newer one.
    source: Mapped[str | None] = mapped_column(String(32))
    source_ref: Mapped[str | None] = mapped_column(String(64))
    source_assignee: Mapped[str | None] = mapped_column(String(64))
    source_updated_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # When the waiting customer's response target runs out: the durable timer for "customer waiting".
    # Cleared when the team replies, and claimed (set to None) by whoever flags the ticket as overdue.
    respond_by: Mapped[datetime | None] = mapped_column(index=True)

    customer: Mapped[Customer | None] = relationship()
    messages: Mapped[list[TicketMessage]] = relationship(back_populates="ticket", order_by="TicketMessage.id")


class TicketMessage(Base):
    __tablename__ = "ticket_messages"
    __table_args__ = (
        UniqueConstraint("ticket_id", "external_id", name="uq_ticket_message_external"),
        # The abusive messages of a stretch of time (the Home tab's risky customers, the morning digest).
        Index("ix_ticket_messages_tone_sent_at", "tone", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str] = mapped_column(String(255))
    sender: Mapped[str] = mapped_column(String(16))
    author: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime]
    slack_ts: Mapped[str | None] = mapped_column(String(32))
    # A customer's message only: the tone that counts (the classifier's, unless a person corrected it), and the
    # classifier's own verdict {tone, score, reasons, flags}, kept for the warning and for retraining.
    tone: Mapped[str | None] = mapped_column(String(16))
    tone_verdict: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    tone_corrected_by: Mapped[str | None] = mapped_column(String(32))
    tone_corrected_at: Mapped[datetime | None]

    ticket: Mapped[Ticket] = relationship(back_populates="messages")
