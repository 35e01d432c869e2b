"""Whether a bot has settled: nothing left that it would do by itself now (the demo, tests and benchmarks wait
for it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select

from bot.storage.db import Database
from bot.storage.models.actions import ActionRecord, ActionStatus, ApprovalStatus, RefundApproval
from bot.storage.models.inbound import InboundEvent, InboundStatus
from bot.storage.models.oncall import Alert, AlertStatus
from bot.storage.models.outbox import OutboxMessage, OutboxStatus
from bot.storage.models.sales import BuyerLookup, BuyerLookupStatus
from bot.storage.models.tickets import Ticket, TicketStatus


async def work_left(db: Database, now: datetime) -> int:
    """How many things are still to do: events to apply, messages to deliver, actions, due timers."""
    # One statement, so one snapshot: on PostgreSQL (read committed) three separate counts could miss an
    # action that finished, and queued its thread reply, between the outbox count and the actions count.
    unapplied = select(func.count()).where(InboundEvent.status == InboundStatus.PENDING).scalar_subquery()
    undelivered = (
        select(func.count())
        .where(OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]))
        .scalar_subquery()
    )
    # An escalation step that is due and not yet taken is work left too; one due later is not.
    escalations = select(func.count()).where(Alert.status == AlertStatus.OPEN, Alert.next_due <= now).scalar_subquery()
    # So is a customer whose response target has passed and who is not flagged yet.
    overdue = (
        select(func.count()).where(Ticket.respond_by <= now, Ticket.status != TicketStatus.CLOSED).scalar_subquery()
    )
    # A buyer search due now is work left; one scheduled later (PayPal's index lags) is not.
    buyer_searches = (
        select(func.count())
        .where(BuyerLookup.status == BuyerLookupStatus.PENDING, BuyerLookup.next_at <= now)
        .scalar_subquery()
    )
    # And a refund approval whose time ran out, not yet closed.
    expired = (
        select(func.count())
        .where(RefundApproval.status == ApprovalStatus.WAITING, RefundApproval.expires_at <= now)
        .scalar_subquery()
    )
    # Retries waiting for later (not_before) count too: settled means nothing is left to do. A part-ways is
    # `running` without a lease while it gathers its steps, which count themselves; a refund waiting for a
    # second owner is the owners' work, not the bot's.
    unfinished = (
        select(func.count())
        .where(
            or_(
                ActionRecord.status == ActionStatus.PENDING,
                and_(ActionRecord.status == ActionStatus.RUNNING, ActionRecord.lease_owner.is_not(None)),
            )
        )
        .scalar_subquery()
    )
    async with db.transaction(read_only=True) as session:
        left = await session.scalar(
            select(unapplied + undelivered + unfinished + escalations + overdue + buyer_searches + expired)
        )
    return left or 0
