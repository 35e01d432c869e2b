"""People's actions from Slack: the durable action records, big-refund approvals, and the audit chain."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.action_kinds import Kind
from bot.storage.models import Base, BigId, JSONType, SlackPlaced, enum_column


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
    kind: Mapped[Kind] = mapped_column(enum_column(Kind, 32))
    status: Mapped[ActionStatus] = mapped_column(enum_column(ActionStatus, 16), default=ActionStatus.PENDING)
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
    status: Mapped[ApprovalStatus] = mapped_column(enum_column(ApprovalStatus, 16), default=ApprovalStatus.WAITING)
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
