"""The bot's records: SQLAlchemy 2 typed models, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, whether or not the database keeps the zone."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def max_length(column: InstrumentedAttribute[Any]) -> int:
    """How many characters a text column holds: the one source of every length limit on what providers send.

    PostgreSQL refuses a longer value ("value too long for type character varying"); SQLite would keep it.
    """
    length = getattr(column.property.columns[0].type, "length", None)
    if length is None:
        raise TypeError(f"{column} has no length limit")
    return int(length)


# What a BIGINT holds, the type of every amount column.
BIGINT_MAX = 2**63 - 1

JSONType = JSON().with_variant(JSONB(), "postgresql")
# SQLite numbers rows itself only for a column declared exactly INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, dict[str, Any]: JSONType}


class Provider(StrEnum):
    STRIPE = "stripe"
    PAYPAL = "paypal"
    TICKETS = "tickets"
    SLACK = "slack"
    MAILBOX = "mailbox"


class InboundStatus(StrEnum):
    PENDING = "pending"
    APPLIED = "applied"
    IGNORED = "ignored"
    # Could never be applied (see bot/inbound/quarantine.py): set aside so it holds up nothing, until a person looks.
    QUARANTINED = "quarantined"


class SlackPlaced:
    """Where an entity's card sits in Slack, once posted."""

    if TYPE_CHECKING:  # each subject's own primary key, declared by the subject itself
        id: Mapped[int]

    slack_channel: Mapped[str | None] = mapped_column(String(32))
    slack_ts: Mapped[str | None] = mapped_column(String(32))


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
    status: Mapped[str] = mapped_column(String(16), default=InboundStatus.PENDING)
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


class Payment(SlackPlaced, Base):
    """A sale: one per payment, however many provider events describe it."""

    __tablename__ = "payments"
    __table_args__ = (UniqueConstraint("provider", "provider_payment_id", name="uq_payment_provider_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
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
    paid_at: Mapped[datetime]
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("sale_digests.id"), index=True)

    customer: Mapped[Customer | None] = relationship()
    refunds: Mapped[list[Refund]] = relationship(back_populates="payment", order_by="Refund.id")


class Refund(Base):
    __tablename__ = "refunds"
    __table_args__ = (UniqueConstraint("provider", "provider_refund_id", name="uq_refund_provider_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    provider: Mapped[str] = mapped_column(String(16))
    provider_refund_id: Mapped[str] = mapped_column(String(255))
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    reason: Mapped[str | None] = mapped_column(String(200))
    refunded_at: Mapped[datetime]

    payment: Mapped[Payment] = relationship(back_populates="refunds")


class Dispute(SlackPlaced, Base):
    __tablename__ = "disputes"
    __table_args__ = (UniqueConstraint("provider", "provider_dispute_id", name="uq_dispute_provider_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    provider_dispute_id: Mapped[str] = mapped_column(String(255))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    reason: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str | None] = mapped_column(String(64))
    stage: Mapped[str | None] = mapped_column(String(64))
    evidence_due_at: Mapped[datetime | None]
    provider_url: Mapped[str | None] = mapped_column(String(500))
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # When the last evidence-deadline reminder went out: the reminder timer's state, so none is sent twice.
    reminded_at: Mapped[datetime | None]
    # The answer given from Slack (bot.evidence.EvidenceState): staged, submitted or accepted, and when.
    evidence_state: Mapped[str | None] = mapped_column(String(16))
    evidence_at: Mapped[datetime | None]

    payment: Mapped[Payment | None] = relationship()
    customer: Mapped[Customer | None] = relationship()


class Ticket(SlackPlaced, Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(255), unique=True)
    subject: Mapped[str | None] = mapped_column(String(500))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    status: Mapped[str] = mapped_column(String(32), default="open")
    opened_at: Mapped[datetime]
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
    __table_args__ = (UniqueConstraint("ticket_id", "external_id", name="uq_ticket_message_external"),)

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
    kind: Mapped[str] = mapped_column(String(32))
    about_type: Mapped[str] = mapped_column(String(16))
    about_id: Mapped[int]
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default=AlertStatus.OPEN)
    step: Mapped[int] = mapped_column(default=0)
    paged: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"steps": [[user ids], ...]} as paged so far
    raised_at: Mapped[datetime]
    next_due: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(32))
    acknowledged_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(String(300))  # e.g. "Sam replied", "the dispute was won"


class Preference(Base):
    """A choice an owner made from Slack (e.g. whether abusive messages are hidden), overriding the default."""

    __tablename__ = "preferences"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]]
    set_by: Mapped[str] = mapped_column(String(32))
    set_at: Mapped[datetime]


class ToneRetraining(Base):
    """One retraining of the deployment's own tone head on the team's corrections (bot/tone/retrain.py).

    Kept here and never in the repository: the corrections quote customers, and the head is this shop's own.
    Every retraining is kept, whether or not it beat the shipped model, so the team can see why a head is, or
    is not, in use; the newest one for the shipped model in use decides.
    """

    __tablename__ = "tone_heads"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    base_version: Mapped[str] = mapped_column(String(64), index=True)  # the shipped model it sits on
    fitted_at: Mapped[datetime]
    trigger: Mapped[str] = mapped_column(String(16))  # "command" or "nightly"
    corrections: Mapped[int] = mapped_column(Integer)
    # The newest correction it learnt from: a nightly retraining runs only once there is a newer one.
    newest_correction_at: Mapped[datetime | None]
    used: Mapped[bool] = mapped_column(Boolean)  # it beat the shipped model on the corrections
    weights: Mapped[dict[str, Any] | None] = mapped_column(JSONType)  # None: too few corrections to fit
    evaluation: Mapped[dict[str, Any]] = mapped_column(JSONType)


class HomeViewer(Base):
    """Someone who opened supportbot's Home tab, and the view last published to them.

    `published_hash` is the publisher's claim: a process publishes only after moving it from the value it read to
    the new view's, so two replicas never publish the same change twice, and a failed publish puts it back.
    """

    __tablename__ = "home_viewers"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    opened_at: Mapped[datetime]
    published_at: Mapped[datetime | None]
    published_hash: Mapped[str | None] = mapped_column(String(64))


class HomeChart(Base):
    """The owners' 30-day chart as uploaded to Slack, at most one an hour: the row for an hour is the claim to draw
    it, so two replicas never upload the same hour's chart; `file_id` is set once Slack has the file."""

    __tablename__ = "home_charts"

    id: Mapped[int] = mapped_column(primary_key=True)
    hour: Mapped[datetime] = mapped_column(unique=True)
    drawn_at: Mapped[datetime]
    figures_hash: Mapped[str] = mapped_column(String(64))  # what it shows: unchanged figures are not redrawn
    file_id: Mapped[str | None] = mapped_column(String(32))


class SaleDigest(SlackPlaced, Base):
    """One message that stands for a rush of sales, updated in place as more arrive."""

    __tablename__ = "sale_digests"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), index=True)
    opened_at: Mapped[datetime]
    last_folded_at: Mapped[datetime]


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
    kind: Mapped[str] = mapped_column(String(16))
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int]
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING)
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


class AuditRecord(Base):
    """One attempt, refusal, success or failure of a person's action; append-only, chained by hash.

    Personal data (the actor's name, the customer's email, free text) sits in `personal`, outside the chained
    hash, which covers only its digest: a customer can be forgotten without breaking the chain.
    """

    __tablename__ = "audit_records"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    at: Mapped[datetime]
    actor_id: Mapped[str] = mapped_column(String(32), index=True)
    action: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[int | None] = mapped_column(index=True)
    ticket_id: Mapped[int | None] = mapped_column(index=True)
    payment_id: Mapped[int | None] = mapped_column(index=True)
    parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    provider_reference: Mapped[str | None] = mapped_column(String(255))
    idempotency_key: Mapped[str | None] = mapped_column(String(200), index=True)
    personal: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    personal_digest: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ActionStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    AWAITING = "awaiting"  # a big refund waiting for a second owner's approval: never claimed by the worker


class ActionRecord(Base):
    """A person's action, recorded before it is carried out, so that it runs once and its outcome is never lost.

    `key` is the action's idempotency key: asking again for the same thing finds this record instead of
    making a second one, and the providers get the same key, so a retried call is not a second refund.
    """

    __tablename__ = "actions"
    __table_args__ = (Index("ix_actions_status_not_before", "status", "not_before"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=ActionStatus.PENDING)
    actor_id: Mapped[str] = mapped_column(String(32))
    actor_name: Mapped[str | None] = mapped_column(String(200))
    customer_id: Mapped[int | None] = mapped_column(index=True)
    ticket_id: Mapped[int | None] = mapped_column(index=True)
    payment_id: Mapped[int | None] = mapped_column(index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id"), index=True)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    error: Mapped[str | None] = mapped_column(Text)
    # Where the person who asked hears the outcome (a `response_url`, valid 30 minutes), beyond the card's thread.
    report: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attempts: Mapped[int] = mapped_column(default=0)
    not_before: Mapped[datetime]
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class ApprovalStatus(StrEnum):
    WAITING = "waiting"
    APPROVED = "approved"
    DECLINED = "declined"
    EXPIRED = "expired"


class RefundApproval(SlackPlaced, Base):
    """A big refund waiting for a second owner: its card in Slack, and how the wait ended.

    The refund itself is its action (status `awaiting` meanwhile); this row only gates it. Each decision is
    claimed by a conditional update from `waiting`, so two clicks or two replicas decide once. A refund asked
    again after it was declined waits again, on a row of its own (`round`).
    """

    __tablename__ = "refund_approvals"
    __table_args__ = (
        UniqueConstraint("action_id", "round", name="uq_refund_approvals_action_round"),
        Index("ix_refund_approvals_status_expires", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"))
    round: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(16), default=ApprovalStatus.WAITING)
    requested_by: Mapped[str] = mapped_column(String(32))
    requested_by_name: Mapped[str | None] = mapped_column(String(200))
    # As shown to the approver: the rest, for a full refund; None when the provider never told the sale's amount.
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    requested_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_by_name: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None]


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
    status: Mapped[str] = mapped_column(String(16), default=BuyerLookupStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_at: Mapped[datetime | None]
    # Where the buyer was found ("order", "transactions"), or why the search was given up; shown in Slack.
    outcome: Mapped[str | None] = mapped_column(String(300))
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
