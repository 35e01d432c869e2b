"""Turning an outbox item into the Slack call it stands for, drawn from the records as they are now."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions.kinds import Kind
from bot.cards.alerts import alert_card, dispute_alert_body
from bot.cards.approval import approval_card
from bot.cards.blocks import Card, actions, context, section
from bot.cards.buttons import Offered, action_buttons, dispute_buttons
from bot.cards.digest import DigestFigures, digest_card
from bot.cards.dispute import CLOSED_STATUSES, EVIDENCE_IN_STATUSES, dispute_card
from bot.cards.morning import morning_card
from bot.cards.outcomes import done_marks
from bot.cards.quarantine import quarantine_notice
from bot.cards.replies import refund_reply, ticket_message_reply
from bot.cards.sale import sale_card
from bot.cards.text import Mrkdwn, escape
from bot.cards.ticket import ticket_card
from bot.cards.tone import abuse_alert_body, abusive_message_reply, flags_note, is_abusive, warning_card
from bot.cards.waiting import (
    refund_request_alert_body,
    refund_request_note,
    waiting_alert_body,
    waiting_note,
)
from bot.evidence import EvidenceState
from bot.oncall.alerts import plan_of
from bot.oncall.waiting import waiting_for
from bot.outbox.queue import SUBJECT_MODELS, Subject, card_key, is_queued
from bot.policies.oncall_escalation import AlertKind
from bot.policies.oncall_waiting import ResponseTargets
from bot.policies.refunds import remaining_minor
from bot.policies.risk import RiskThresholds, assess_risk
from bot.policies.tone import Flag
from bot.policies.tone_trend import ticket_tone
from bot.storage.models import SlackPlaced
from bot.storage.models.actions import ActionRecord, ActionStatus, RefundApproval
from bot.storage.models.customers import Customer
from bot.storage.models.inbound import InboundEvent
from bot.storage.models.oncall import Alert, MorningDigest
from bot.storage.models.outbox import OutboxKind, OutboxMessage, OutboxStatus
from bot.storage.models.sales import Dispute, Payment, Refund, SaleDigest
from bot.storage.models.tickets import Ticket, TicketMessage
from bot.storage.store import customer_history, purchase_number, risk_record, ticket_messages
from bot.tone.preferences import Choice, preference
from bot.tone.watch import said_by_customer, warning_key


@dataclass(frozen=True)
class Drawing:
    """What this installation's cards show beyond the records: its buttons and how it weighs risk."""

    offered: Offered = field(default_factory=Offered)
    risk: RiskThresholds = field(default_factory=RiskThresholds)
    currency: str = "USD"
    targets: ResponseTargets = field(default_factory=ResponseTargets)


@dataclass(frozen=True)
class Delivery:
    """One Slack call, or why none is due yet (`wait`) or at all (`skip`)."""

    method: str = "post"
    card: Card | None = None
    thread_ts: str | None = None
    ts: str | None = None
    wait: bool = False
    skip: str | None = None

    @property
    def content_hash(self) -> str | None:
        if self.card is None:
            return None
        shown = json.dumps([self.card.text, self.card.blocks], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(shown.encode()).hexdigest()


async def render(session: AsyncSession, item: OutboxMessage, now: datetime, drawing: Drawing | None = None) -> Delivery:
    drawing = drawing or Drawing()
    # Locked while drawn, so a change being applied right now is either in the drawing or asks for a redraw.
    subject = await session.get(SUBJECT_MODELS[item.subject_type], item.subject_id, with_for_update=True)
    if subject is None:
        return Delivery(skip=f"{item.subject_type} {item.subject_id} no longer exists")
    if item.kind == OutboxKind.POST_CARD:
        return Delivery(card=await _card(session, item.subject_type, subject, now, drawing))
    if item.kind == OutboxKind.UPDATE_CARD:
        if subject.slack_ts is None:
            return await _not_posted_yet(session, item)
        return Delivery(
            method="update", ts=subject.slack_ts, card=await _card(session, item.subject_type, subject, now, drawing)
        )
    if item.kind == OutboxKind.UPDATE_REPLY:
        return await _redrawn_reply(session, item, now, drawing)
    if item.kind == OutboxKind.ALERT:
        if isinstance(subject, InboundEvent):
            return Delivery(card=quarantine_notice(subject))
        # Not held back for the card it links to: waking someone matters more; the link appears on its redraw.
        assert isinstance(subject, Alert)
        return Delivery(card=await _alert_card(session, subject, now, drawing))
    thread_ts = await _thread_of(session, subject)
    if thread_ts is None:
        return Delivery(wait=True)
    return Delivery(card=await _reply_card(session, item, now, drawing), thread_ts=thread_ts)


async def record_posted(session: AsyncSession, item: OutboxMessage, ts: str) -> None:
    """Remember where the message went, so updates and replies can find it."""
    item.slack_ts = ts
    if item.kind in (OutboxKind.POST_CARD, OutboxKind.ALERT):
        subject = await session.get(SUBJECT_MODELS[item.subject_type], item.subject_id)
        if subject is not None:
            subject.slack_channel, subject.slack_ts = item.channel, ts
    elif item.kind == OutboxKind.REPLY and (item.payload.get("record") or {}).get("type") == "ticket_message":
        message = await session.get(TicketMessage, item.payload["record"]["id"])
        if message is not None:
            message.slack_ts = ts


async def _not_posted_yet(session: AsyncSession, item: OutboxMessage) -> Delivery:
    post_status = await session.scalar(
        select(OutboxMessage.status).where(OutboxMessage.dedupe_key == card_key(item.subject_type, item.subject_id))
    )
    if post_status == OutboxStatus.PENDING:
        # The card has not gone out yet: it will be drawn from the records as they are then.
        return Delivery(skip="the card is still to be posted and will show this")
    if post_status == OutboxStatus.SENDING:
        # The card on its way was drawn before this change: redraw it once it has landed.
        return Delivery(wait=True)
    return Delivery(skip=f"the card was never posted ({post_status or 'no post'})")


async def _redrawn_reply(session: AsyncSession, item: OutboxMessage, now: datetime, drawing: Drawing) -> Delivery:
    original = await session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == item.payload["of"]))
    if original is None:
        return Delivery(skip="no such reply")
    if original.status == OutboxStatus.PENDING:
        return Delivery(skip="the reply is still to be posted and will be drawn as things are then")
    if original.status == OutboxStatus.SENDING:
        return Delivery(wait=True)
    if original.status != OutboxStatus.SENT or original.slack_ts is None:
        return Delivery(skip=f"the reply was never posted ({original.status})")
    if original.kind == OutboxKind.ALERT:
        alert = await session.get_one(Alert, original.subject_id)
        return Delivery(method="update", ts=original.slack_ts, card=await _alert_card(session, alert, now, drawing))
    return Delivery(method="update", ts=original.slack_ts, card=await _reply_card(session, original, now, drawing))


async def _shown_hash(session: AsyncSession, item: OutboxMessage) -> str | None:
    return await session.scalar(
        select(OutboxMessage.content_hash)
        .where(
            OutboxMessage.subject_type == item.subject_type,
            OutboxMessage.subject_id == item.subject_id,
            OutboxMessage.kind.in_([OutboxKind.POST_CARD, OutboxKind.UPDATE_CARD]),
            OutboxMessage.status == OutboxStatus.SENT,
        )
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )


async def _thread_of(session: AsyncSession, subject: SlackPlaced) -> str | None:
    if subject.slack_ts:
        return subject.slack_ts
    # A sale folded into a rush digest talks in the digest's thread.
    if isinstance(subject, Payment) and subject.digest_id is not None:
        digest = await session.get(SaleDigest, subject.digest_id)
        return digest.slack_ts if digest else None
    return None


async def _card(
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
    customer = await _customer(session, subject.customer_id)
    concerns = [ActionRecord.customer_id == subject.customer_id] if subject.customer_id else []
    if isinstance(subject, Payment):
        concerns.append(ActionRecord.payment_id == subject.id)
    elif isinstance(subject, Ticket):
        concerns.append(ActionRecord.ticket_id == subject.id)
    done = (
        list(
            await session.scalars(
                select(ActionRecord)
                .where(or_(*concerns), ActionRecord.status == ActionStatus.SUCCEEDED)
                .order_by(ActionRecord.finished_at, ActionRecord.id)
            )
        )
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
        ticket_open=isinstance(subject, Ticket) and subject.status != "closed",
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
        customer = await _customer(session, subject.customer_id)
        disputes = list(await session.scalars(select(Dispute).where(Dispute.payment_id == subject.id)))
        history = await customer_history(session, subject.customer_id)
        card = sale_card(subject, customer, history, disputes, await purchase_number(session, subject))
        return await _with_risk(session, card, subject.customer_id, drawing)
    if isinstance(subject, Ticket):
        customer = await _customer(session, subject.customer_id)
        messages = await ticket_messages(session, subject.id)
        return ticket_card(
            subject,
            customer,
            await customer_history(session, subject.customer_id),
            messages,
            now,
            tone=ticket_tone(said_by_customer(messages)),
            hide_abusive=await preference(session, Choice.HIDE_ABUSIVE),
            risk=await _risk_summary(session, subject.customer_id, drawing),
            waiting=waiting_for(subject, messages, drawing.targets, now),
        )
    if isinstance(subject, Dispute):
        payment = await session.get(Payment, subject.payment_id) if subject.payment_id else None
        customer = await _customer(session, subject.customer_id)
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
    customer = await _customer(session, action.customer_id)
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
    # Newest by when they were paid: with several replicas applying at once, ids do not follow arrival.
    newest = select(Payment).where(in_digest).order_by(Payment.paid_at.desc(), Payment.id.desc()).limit(10)
    figures.latest = list(await session.scalars(newest))
    return figures


async def _reply_card(session: AsyncSession, item: OutboxMessage, now: datetime, drawing: Drawing) -> Card:
    record = item.payload.get("record") or {}
    if record.get("type") == "waiting":
        ticket = await session.get_one(Ticket, record["id"])
        state = waiting_for(ticket, await ticket_messages(session, ticket.id), drawing.targets, now)
        return waiting_note(ticket, state, record.get("marker") or "")
    if record.get("type") == "refund_request":
        asked = await session.get_one(TicketMessage, record["id"])
        return refund_request_note(asked, record["refundable"], record["currency"], record.get("marker") or "")
    if record.get("type") == "refund":
        refund = await session.get(Refund, record["id"])
        if refund is not None:
            return refund_reply(refund, await session.get_one(Payment, refund.payment_id))
    if record.get("type") == "ticket_message":
        message = await session.get(TicketMessage, record["id"])
        if message is not None and is_abusive(message):
            hidden = await preference(session, Choice.HIDE_ABUSIVE)
            warned = await is_queued(session, warning_key(message.id))
            return abusive_message_reply(message, hidden=hidden, warned=warned)
        if message is not None:
            return ticket_message_reply(message)
    if record.get("type") == "tone_warning":
        message = await session.get(TicketMessage, record["id"])
        if message is not None:
            ticket = await session.get_one(Ticket, message.ticket_id)
            trend = ticket_tone(said_by_customer(await ticket_messages(session, ticket.id, until=message)))
            return warning_card(message, ticket, trend, record.get("oncall"), record.get("marker") or "")
    if record.get("type") == "tone_flags":
        return flags_note(frozenset(Flag(flag) for flag in record["flags"]))
    # Queued by our own builders (outcomes, reminders, escalations) with every outside part already escaped.
    text = Mrkdwn(item.payload.get("text") or "(no details)")
    return Card(text, item.payload.get("blocks") or [section(text)])


async def _alert_card(session: AsyncSession, alert: Alert, now: datetime, drawing: Drawing) -> Card:
    return alert_card(await _alert_body(session, alert, now, drawing), alert, plan_of(alert))


async def _alert_body(session: AsyncSession, alert: Alert, now: datetime, drawing: Drawing) -> Card:
    details = alert.details
    if alert.about_type == Subject.DISPUTE:
        dispute = await session.get_one(Dispute, details["dispute_id"])
        return dispute_alert_body(dispute, await _customer(session, dispute.customer_id), alert)
    if alert.kind == AlertKind.CUSTOMER_WAITING:
        ticket = await session.get_one(Ticket, details["ticket_id"])
        messages = await ticket_messages(session, ticket.id)
        if alert.resolved_at is not None:
            # A resolved alert tells of the wait as it stood when the team answered, not of "nobody waiting".
            messages = [m for m in messages if m.sent_at < alert.resolved_at]
        state = waiting_for(ticket, messages, drawing.targets, alert.resolved_at or now)
        last = next((m for m in reversed(messages) if m.sender == "customer"), None)
        return waiting_alert_body(ticket, await _customer(session, ticket.customer_id), state, last, now)
    message = await session.get_one(TicketMessage, details["message_id"])
    ticket = await session.get_one(Ticket, message.ticket_id)
    customer = await _customer(session, ticket.customer_id)
    if alert.kind == AlertKind.BIG_REFUND_REQUEST:
        return refund_request_alert_body(ticket, customer, message, details["refundable"], details["currency"], now)
    trend = ticket_tone(said_by_customer(await ticket_messages(session, ticket.id, until=message)))
    return abuse_alert_body(message, ticket, customer, trend, flags_only=alert.kind == AlertKind.THREAT)


async def _risk_summary(session: AsyncSession, customer_id: int | None, drawing: Drawing) -> str:
    if customer_id is None:
        return ""
    return assess_risk(await risk_record(session, customer_id, drawing.currency), drawing.risk).summary()


async def _with_risk(session: AsyncSession, card: Card, customer_id: int | None, drawing: Drawing) -> Card:
    if summary := await _risk_summary(session, customer_id, drawing):
        card.blocks.append(context(escape(summary)))
    return card


async def _customer(session: AsyncSession, customer_id: int | None) -> Customer | None:
    return await session.get(Customer, customer_id) if customer_id else None


def _writes_back(ticket: Ticket) -> bool:
    """Whether a reply from Slack reaches the customer through where the ticket came from."""
    return ticket.callback_url is not None or ticket.source is not None
