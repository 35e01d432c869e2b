"""A subject's own card (sale, ticket, dispute, rush digest, morning digest, approval) drawn from the records as
they are now: the facts, the risk, what was done from Slack and the buttons for what still can be.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cards.approval import approval_card
from bot.cards.blocks import Card, actions, context
from bot.cards.buttons import Offered, action_buttons, dispute_buttons
from bot.cards.digest import DigestFigures, digest_card
from bot.cards.dispute import CLOSED_STATUSES, EVIDENCE_IN_STATUSES, dispute_card
from bot.cards.facts import OnCallFacts, ToneFacts
from bot.cards.morning import morning_card
from bot.cards.outcomes import done_marks
from bot.cards.sale import sale_card
from bot.cards.text import escape
from bot.cards.ticket import ticket_card
from bot.core.action_kinds import Kind
from bot.evidence import EvidenceState
from bot.outbox.queue import Subject
from bot.policies.refunds import remaining_minor
from bot.policies.risk import RiskThresholds, assess_risk
from bot.storage.models import SlackPlaced
from bot.storage.models.actions import ActionRecord, ActionStatus, RefundApproval
from bot.storage.models.customers import Customer
from bot.storage.models.oncall import MorningDigest
from bot.storage.models.sales import Dispute, Payment, SaleDigest
from bot.storage.models.tickets import Ticket, TicketStatus
from bot.storage.store import customer_history, purchase_number, risk_record, ticket_messages


@dataclass(frozen=True)
class Drawing:
    """What this installation's cards show beyond the records: what on-call and tone make of them (handed in, so
    that cards only draw), its buttons and how it weighs risk."""

    oncall: OnCallFacts
    tone: ToneFacts
    offered: Offered = field(default_factory=Offered)
    risk: RiskThresholds = field(default_factory=RiskThresholds)
    currency: str = "USD"


async def subject_card(
    session: AsyncSession, subject_type: str, subject: SlackPlaced, now: datetime, drawing: Drawing
) -> Card:
    card = await _drawn(session, subject_type, subject, now, drawing)
    if isinstance(subject, Payment | Ticket | Dispute):
        await _add_actions(session, card, subject, drawing.offered)
    return card


async def _add_actions(
    session: AsyncSession, card: Card, subject: Payment | Ticket | Dispute, offered: Offered
) -> None:
    """What was done from Slack, and the buttons for what can still be done."""
    customer = await customer_of(session, subject.customer_id)
    concerns = [ActionRecord.customer_id == subject.customer_id] if subject.customer_id else []
    if isinstance(subject, Payment):
        concerns.append(ActionRecord.payment_id == subject.id)
    elif isinstance(subject, Ticket):
        concerns.append(ActionRecord.ticket_id == subject.id)
    # Succeeded ones are kept here, not in SQL: with `status = ?` beside the OR, SQLite (without statistics) read
    # every succeeded action of the shop; a customer's own actions, whatever their status, are a handful.
    done = (
        [
            action
            for action in await session.scalars(
                select(ActionRecord).where(or_(*concerns)).order_by(ActionRecord.finished_at, ActionRecord.id)
            )
            if action.status == ActionStatus.SUCCEEDED
        ]
        if concerns
        else []
    )
    if isinstance(subject, Payment):
        # A sale's card tells of its own refunds; another sale's refund belongs on that card.
        done = [a for a in done if a.kind != Kind.REFUND or a.payment_id == subject.id]
    if marks := done_marks(done):
        card.blocks.append(context(*marks))
    subject_name = (
        Subject.SALE
        if isinstance(subject, Payment)
        else (Subject.TICKET if isinstance(subject, Ticket) else Subject.DISPUTE)
    )
    buttons = action_buttons(
        subject_name,
        subject.id,
        offered,
        ticket_open=isinstance(subject, Ticket) and subject.status != TicketStatus.CLOSED,
        ticket_has_callback=isinstance(subject, Ticket) and _writes_back(subject),
        ticket_from_desk=isinstance(subject, Ticket) and subject.source is not None,
        refundable=await _refundable(session, subject, offered),
        customer_email=bool(customer and customer.email),
    )
    if isinstance(subject, Dispute) and (answers := _dispute_answers(subject, offered)):
        # The dispute's own answers come first, beside what can be done about its customer.
        if buttons is None:
            buttons = actions(*answers, block_id=f"actions:{subject_name}:{subject.id}")
        else:
            buttons["elements"] = answers + buttons["elements"]
    if buttons is not None:
        card.blocks.append(buttons)


def _dispute_answers(dispute: Dispute, offered: Offered) -> list:
    """A dispute is settled through its provider: answered, or conceded; never refunded beside it."""
    state = dispute.evidence_state
    answerable = (
        dispute.provider in offered.dispute_providers
        and (dispute.status or "").lower() not in CLOSED_STATUSES | EVIDENCE_IN_STATUSES
        and state not in (EvidenceState.SUBMITTED, EvidenceState.ACCEPTED)
    )
    staged = dispute.provider == "stripe" and state == EvidenceState.STAGED
    return dispute_buttons(dispute.id, answerable=answerable, staged=staged)


async def _refundable(session: AsyncSession, subject: Payment | Ticket | Dispute, offered: Offered) -> bool:
    if isinstance(subject, Dispute):
        return False  # a disputed payment is settled through the dispute
    payments = (
        [subject]
        if isinstance(subject, Payment)
        else list(await session.scalars(select(Payment).where(Payment.customer_id == subject.customer_id)))
        if subject.customer_id
        else []
    )
    candidates = [
        p
        for p in payments
        if p.provider in offered.refund_providers and remaining_minor(p.amount_minor, p.amount_refunded_minor) != 0
    ]
    if not candidates:
        return False
    disputed = set(
        await session.scalars(select(Dispute.payment_id).where(Dispute.payment_id.in_([p.id for p in candidates])))
    )
    return any(p.id not in disputed for p in candidates)


async def _drawn(
    session: AsyncSession, subject_type: str, subject: SlackPlaced, now: datetime, drawing: Drawing
) -> Card:
    if isinstance(subject, Payment):
        customer = await customer_of(session, subject.customer_id)
        disputes = list(await session.scalars(select(Dispute).where(Dispute.payment_id == subject.id)))
        history = await customer_history(session, subject.customer_id)
        card = sale_card(subject, customer, history, disputes, await purchase_number(session, subject))
        return await _with_risk(session, card, subject.customer_id, drawing)
    if isinstance(subject, Ticket):
        customer = await customer_of(session, subject.customer_id)
        messages = await ticket_messages(session, subject.id)
        return ticket_card(
            subject,
            customer,
            await customer_history(session, subject.customer_id),
            messages,
            now,
            tone=drawing.tone.trend(messages),
            hide_abusive=await drawing.tone.hides_abusive(session),
            risk=await _risk_summary(session, subject.customer_id, drawing),
            waiting=drawing.oncall.waiting(subject, messages, now),
        )
    if isinstance(subject, Dispute):
        payment = await session.get(Payment, subject.payment_id) if subject.payment_id else None
        customer = await customer_of(session, subject.customer_id)
        tickets = (
            []
            if subject.customer_id is None
            else list(
                await session.scalars(
                    select(Ticket).where(Ticket.customer_id == subject.customer_id).order_by(Ticket.id.desc()).limit(5)
                )
            )
        )
        history = await customer_history(session, subject.customer_id)
        card = dispute_card(subject, payment, customer, history, tickets, now)
        return await _with_risk(session, card, subject.customer_id, drawing)
    if isinstance(subject, MorningDigest):
        return morning_card(subject)
    if isinstance(subject, RefundApproval):
        return await _approval_card(session, subject, now)
    assert isinstance(subject, SaleDigest), subject_type
    return digest_card(subject, await digest_figures(session, subject.id))


async def _approval_card(session: AsyncSession, approval: RefundApproval, now: datetime) -> Card:
    action = await session.get_one(ActionRecord, approval.action_id)
    payment = await session.get(Payment, action.payment_id) if action.payment_id else None
    customer = await customer_of(session, action.customer_id)
    parent = await session.get(ActionRecord, action.parent_id) if action.parent_id else None
    part_of = (parent.report.get("subject_label") or parent.report.get("what")) if parent else None
    return approval_card(approval, action, payment, customer, now, part_of=part_of)


async def digest_figures(session: AsyncSession, digest_id: int) -> DigestFigures:
    figures = DigestFigures()
    in_digest = Payment.digest_id == digest_id
    for currency, count, total in await session.execute(
        select(Payment.currency, func.count(), func.sum(Payment.amount_minor))
        .where(in_digest)
        .group_by(Payment.currency)
    ):
        figures.count += count
        if currency:
            figures.totals[currency] = int(total or 0)
    figures.refunded = (
        await session.scalar(select(func.count()).where(in_digest, Payment.amount_refunded_minor > 0)) or 0
    )
    figures.products = Counter(
        {
            str(product): count
            for product, count in await session.execute(
                select(Payment.product, func.count())
                .where(in_digest, Payment.product.is_not(None))
                .group_by(Payment.product)
                .order_by(func.count().desc())
                .limit(5)
            )
        }
    )
    # Newest by when they were paid, then, within the second `paid_at` resolves, by arrival: with several
    # replicas applying at once, ids follow when a sale was applied, not when it arrived. A payment no event told
    # of has no arrival and is the oldest of its second.
    newest = (
        select(Payment)
        .where(in_digest)
        .order_by(Payment.paid_at.desc(), Payment.first_event_id.desc().nulls_last(), Payment.id.desc())
        .limit(10)
    )
    figures.latest = list(await session.scalars(newest))
    return figures


async def _risk_summary(session: AsyncSession, customer_id: int | None, drawing: Drawing) -> str:
    if customer_id is None:
        return ""
    return assess_risk(await risk_record(session, customer_id, drawing.currency), drawing.risk).summary()


async def _with_risk(session: AsyncSession, card: Card, customer_id: int | None, drawing: Drawing) -> Card:
    if summary := await _risk_summary(session, customer_id, drawing):
        card.blocks.append(context(escape(summary)))
    return card


async def customer_of(session: AsyncSession, customer_id: int | None) -> Customer | None:
    return await session.get(Customer, customer_id) if customer_id else None


def _writes_back(ticket: Ticket) -> bool:
    """Whether a reply from Slack reaches the customer through where the ticket came from."""
    return ticket.callback_url is not None or ticket.source is not None
