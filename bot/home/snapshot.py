"""What one person's Home tab shows, read from the database in one transaction as plain frozen values.

Reading is kept apart from drawing (bot/cards/home.py) so the view can be tested from values, and so the
publisher can tell a changed Home from an unchanged one before it calls Slack. The values' types are the
drawing's (bot/cards/home_values.py): cards sit below home, so what they draw is defined on their side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cards.blocks import archive_link
from bot.cards.dispute import CLOSED_STATUSES
from bot.cards.home_values import (
    AlertLine,
    ApprovalLine,
    DisputeLine,
    Health,
    HomeSnapshot,
    OnCallLine,
    RiskLine,
    TicketLine,
    Today,
)
from bot.oncall.morning_digest import refunds_between, sales_between, waiting_customers
from bot.oncall.waiting import waiting_for
from bot.policies.hours import BusinessHours, opened_at
from bot.policies.oncall_rotation import Rotation, next_in_line, next_shift, on_call
from bot.policies.oncall_waiting import ResponseTargets
from bot.policies.permissions import Role
from bot.policies.risk import RiskThresholds, assess_risk
from bot.storage.models.actions import ActionRecord, ApprovalStatus, RefundApproval
from bot.storage.models.customers import Customer
from bot.storage.models.inbound import InboundEvent, InboundStatus
from bot.storage.models.oncall import Alert, AlertStatus
from bot.storage.models.outbox import OutboxMessage, OutboxStatus
from bot.storage.models.sales import Dispute, Payment, Refund
from bot.storage.models.tickets import Ticket, TicketMessage, TicketStatus
from bot.storage.store import risk_record, ticket_messages

# A customer "nearly" past the response target: within this long of it.
NEAR_TARGET = timedelta(hours=1)
# How many items a section lists; the rest are counted. Five sections of these stay far below Slack's 100 blocks.
LISTED = 8
# Customers looked at for the "consider parting ways" list: those with a refund, dispute or abusive message lately.
RISK_LOOKBACK = timedelta(days=90)
RISK_CANDIDATES = 50


@dataclass(frozen=True)
class HomeSettings:
    """What the Home tab needs beyond the database: who is who, the team's hours and targets."""

    owners: tuple[str, ...]
    agents: tuple[str, ...]
    hours: BusinessHours
    targets: ResponseTargets
    rotation: Rotation | None
    currency: str
    risk: RiskThresholds = field(default_factory=RiskThresholds)


async def read_home(
    session: AsyncSession, user: str, role: Role, settings: HomeSettings, now: datetime
) -> HomeSnapshot:
    """Everything `user` may see on their Home tab; a person who is neither owner nor agent sees no customer data."""
    if role == Role.OUTSIDER:
        return HomeSnapshot(user=user, role=role, now=now)
    mine, mine_count = await _mine(session, user, settings.targets, now)
    waiting = [item for item in await waiting_customers(session, settings.targets, now) if _near(item, now)]
    disputes, disputes_count = await _disputes(session)
    owner = role == Role.OWNER
    approvals, approvals_count = await _approvals(session) if owner else ((), 0)
    return HomeSnapshot(
        user=user,
        role=role,
        now=now,
        mine=mine,
        mine_count=mine_count,
        oncall=_oncall(settings, user, now),
        alerts=await _open_alerts(session),
        waiting=tuple(waiting[:LISTED]),
        waiting_count=len(waiting),
        disputes=disputes,
        disputes_count=disputes_count,
        today=await _today(session, settings.hours, now),
        health=await _health(session, now) if owner else None,
        risky=await _risky(session, settings, now) if owner else (),
        approvals=approvals,
        approvals_count=approvals_count,
    )


async def _mine(
    session: AsyncSession, user: str, targets: ResponseTargets, now: datetime
) -> tuple[tuple[TicketLine, ...], int]:
    # The open tickets, then each one's messages by the ticket: `!= CLOSED`, and grouping every message ever
    # written, each read a whole table on every Home tab drawn.
    last_customer_at = func.max(TicketMessage.sent_at).label("at")
    rows = (
        await session.execute(
            select(Ticket, last_customer_at)
            .outerjoin(TicketMessage, (TicketMessage.ticket_id == Ticket.id) & (TicketMessage.sender == "customer"))
            .where(Ticket.status == TicketStatus.OPEN, Ticket.assignee_id == user)
            .group_by(Ticket.id)
            .order_by(last_customer_at.desc().nulls_last(), Ticket.id.desc())
        )
    ).all()
    lines = []
    for ticket, last_at in rows[:LISTED]:
        state = waiting_for(ticket, await ticket_messages(session, ticket.id), targets, now)
        customer = await session.get(Customer, ticket.customer_id) if ticket.customer_id else None
        lines.append(
            TicketLine(
                external_id=ticket.external_id,
                subject=ticket.subject,
                customer=(customer.email or customer.name) if customer else None,
                waiting=state.describe(),
                urgent=state.urgent,
                last_message_at=last_at,
                link=archive_link(ticket.slack_channel, ticket.slack_ts),
            )
        )
    return tuple(lines), len(rows)


def _near(item: dict[str, Any], now: datetime) -> bool:
    return bool(item["urgent"]) or datetime.fromisoformat(item["due"]) - now <= NEAR_TARGET


def _oncall(settings: HomeSettings, user: str, now: datetime) -> OnCallLine | None:
    rotation = settings.rotation
    if rotation is None:
        return None
    current = on_call(rotation, now)
    return OnCallLine(
        now=current,
        next=next_in_line(rotation, now, current) if current else None,
        my_next_shift=next_shift(rotation, user, now),
        zone=str(rotation.zone),
    )


async def _open_alerts(session: AsyncSession) -> tuple[AlertLine, ...]:
    alerts = await session.scalars(
        select(Alert).where(Alert.status == AlertStatus.OPEN).order_by(Alert.raised_at).limit(LISTED)
    )
    return tuple(
        AlertLine(alert.id, alert.kind, alert.raised_at, archive_link(alert.slack_channel, alert.slack_ts))
        for alert in alerts
    )


async def _approvals(session: AsyncSession) -> tuple[tuple[ApprovalLine, ...], int]:
    waiting = RefundApproval.status == ApprovalStatus.WAITING
    count = await session.scalar(select(func.count()).select_from(RefundApproval).where(waiting)) or 0
    rows = await session.execute(
        select(RefundApproval, ActionRecord)
        .join(ActionRecord, ActionRecord.id == RefundApproval.action_id)
        .where(waiting)
        .order_by(RefundApproval.expires_at, RefundApproval.id)
        .limit(LISTED)
    )
    lines = []
    for approval, action in rows:
        payment = await session.get(Payment, action.payment_id) if action.payment_id else None
        customer = await session.get(Customer, action.customer_id) if action.customer_id else None
        lines.append(
            ApprovalLine(
                approval_id=approval.id,
                amount_minor=approval.amount_minor,
                currency=approval.currency,
                payment=payment.provider_payment_id if payment else None,
                provider=payment.provider if payment else None,
                customer=(customer.email or customer.name) if customer else None,
                requester=approval.requested_by,
                requested_at=approval.requested_at,
                expires_at=approval.expires_at,
                link=archive_link(approval.slack_channel, approval.slack_ts),
            )
        )
    return tuple(lines), count


async def _disputes(session: AsyncSession) -> tuple[tuple[DisputeLine, ...], int]:
    still_open = func.lower(func.coalesce(Dispute.status, "")).not_in(CLOSED_STATUSES)
    count = await session.scalar(select(func.count()).select_from(Dispute).where(still_open)) or 0
    disputes = await session.scalars(
        select(Dispute).where(still_open).order_by(Dispute.evidence_due_at.asc().nulls_last(), Dispute.id).limit(LISTED)
    )
    lines = tuple(
        DisputeLine(
            provider=dispute.provider,
            amount_minor=dispute.amount_minor,
            currency=dispute.currency,
            reason=dispute.reason,
            status=dispute.status,
            due_at=dispute.evidence_due_at,
            link=archive_link(dispute.slack_channel, dispute.slack_ts),
            evidence_state=dispute.evidence_state,
        )
        for dispute in disputes
    )
    return lines, count


async def _today(session: AsyncSession, hours: BusinessHours, now: datetime) -> Today:
    local = now.astimezone(hours.zone)
    since = opened_at(hours, now) or local.replace(hour=0, minute=0, second=0, microsecond=0)
    new_tickets = await session.scalar(select(func.count()).select_from(Ticket).where(Ticket.opened_at >= since))
    return Today(
        since=since,
        sales=await sales_between(session, since, now + timedelta(seconds=1)),
        refunds=await refunds_between(session, since, now + timedelta(seconds=1)),
        new_tickets=new_tickets or 0,
    )


async def _health(session: AsyncSession, now: datetime) -> Health:
    waiting = OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING])
    count, oldest = (
        await session.execute(select(func.count(), func.min(OutboxMessage.created_at)).where(waiting))
    ).one()
    # An error not yet overcome: a message still being retried, or given up on. A sent message's error is
    # cleared, a folded one's sale went out in its digest, and a superseded one's `last_error` says why no call
    # was needed. Looking among all messages read every one ever sent whenever no error was recent.
    last_error = await session.scalar(
        select(OutboxMessage.last_error)
        .where(
            OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.FAILED]),
            OutboxMessage.last_error.is_not(None),
        )
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    quarantined = await session.scalar(
        select(func.count()).select_from(InboundEvent).where(InboundEvent.status == InboundStatus.QUARANTINED)
    )
    return Health(
        outbox_waiting=count or 0,
        oldest_waiting=(now - oldest) if oldest else None,
        last_error=last_error,
        quarantined=quarantined or 0,
    )


async def _risky(session: AsyncSession, settings: HomeSettings, now: datetime) -> tuple[RiskLine, ...]:
    """Customers whose record suggests parting ways; a suggestion only, as on the cards."""
    recent = now - RISK_LOOKBACK
    refunded = (
        select(Payment.customer_id).join(Refund, Refund.payment_id == Payment.id).where(Refund.refunded_at >= recent)
    )
    disputed = select(Dispute.customer_id).where(Dispute.opened_at >= recent)
    abusive = (
        select(Ticket.customer_id)
        .join(TicketMessage, TicketMessage.ticket_id == Ticket.id)
        .where(TicketMessage.tone == "abusive", TicketMessage.sent_at >= recent)
    )
    candidates = await session.scalars(
        select(Customer).where(Customer.id.in_(refunded.union(disputed, abusive))).limit(RISK_CANDIDATES)
    )
    lines = []
    for customer in candidates:
        risk = assess_risk(await risk_record(session, customer.id, settings.currency), settings.risk)
        if risk.consider_parting:
            lines.append(
                RiskLine(customer=customer.email or customer.name or "unknown customer", summary=risk.summary())
            )
    return tuple(lines[:LISTED])
