"""What the mailbox watcher keeps: how far each folder was read, and which Message-IDs thread to a ticket."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, BigId


class MailboxMark(Base):
    """How far the support mailbox has been read, per folder: advanced in the transaction that stores the mail."""

    __tablename__ = "mailbox_marks"

    folder: Mapped[str] = mapped_column(String(255), primary_key=True)
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger)
    # INTERNALDATE of the newest mail stored: where a re-scan starts when the folder's UIDVALIDITY changes.
    last_seen_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class MailThreadEntry(Base):
    """A Message-ID known to belong to a ticket: the customer's mail, and the replies we sent.

    A new mail whose In-Reply-To or References name one of these joins that ticket.
    """

    __tablename__ = "mail_messages"
    __table_args__ = (
        UniqueConstraint("message_id", name="uq_mail_messages_message_id"),
        Index("ix_mail_messages_sender_subject", "sender", "subject_key", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(998))
    ticket_key: Mapped[str] = mapped_column(String(255), index=True)
    direction: Mapped[str] = mapped_column(String(8))  # "in" from the customer, "out" from us
    sender: Mapped[str | None] = mapped_column(String(320))  # lowercased; the customer's address for "in"
    subject_key: Mapped[str | None] = mapped_column(String(500))  # the subject without Re:/Fwd: prefixes
    at: Mapped[datetime]
