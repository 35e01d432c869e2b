"""Turning an outbox item into the Slack call it stands for, drawn from the records as they are now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cards.alerts import alert_card, dispute_alert_body
from bot.cards.blocks import Card, section
from bot.cards.quarantine import quarantine_notice
from bot.cards.replies import refund_reply, ticket_message_reply
from bot.cards.subjects import Drawing, customer_of, subject_card
from bot.cards.text import Mrkdwn
from bot.cards.tone import abuse_alert_body, abusive_message_reply, flags_note, is_abusive, warning_card
from bot.cards.waiting import (
    refund_request_alert_body,
    refund_request_note,
    waiting_alert_body,
    waiting_note,
)
from bot.outbox.drawer import Delivery
from bot.outbox.queue import SUBJECT_MODELS, card_key
from bot.outbox.records import (
    RefundReply,
    RefundRequestReply,
    TicketMessageReply,
    ToneFlagsReply,
    ToneWarningReply,
    WaitingReply,
    parse_redraw_payload,
    parse_reply_payload,
)
from bot.policies.oncall_escalation import AlertKind
from bot.storage.models import SlackPlaced
from bot.storage.models.inbound import InboundEvent
from bot.storage.models.oncall import (
    Alert,
    DisputeAlertDetails,
    RefundRequestAlertDetails,
    ToneAlertDetails,
    WaitingAlertDetails,
)
from bot.storage.models.outbox import OutboxKind, OutboxMessage, OutboxStatus
from bot.storage.models.sales import Dispute, Payment, Refund, SaleDigest
from bot.storage.models.tickets import Ticket, TicketMessage
from bot.storage.store import ticket_messages


async def render(session: AsyncSession, item: OutboxMessage, now: datetime, drawing: Drawing) -> Delivery:
    # Locked while drawn, so a change being applied right now is either in the drawing or asks for a redraw.
    subject = await session.get(SUBJECT_MODELS[item.subject_type], item.subject_id, with_for_update=True)
    if subject is None:
        return Delivery(skip=f"{item.subject_type} {item.subject_id} no longer exists")
    if item.kind == OutboxKind.POST_CARD:
        return Delivery(card=await subject_card(session, item.subject_type, subject, now, drawing))
    if item.kind == OutboxKind.UPDATE_CARD:
        if subject.slack_ts is None:
            return await _not_posted_yet(session, item)
        return Delivery(
            method="update",
            ts=subject.slack_ts,
            card=await subject_card(session, item.subject_type, subject, now, drawing),
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
    elif item.kind == OutboxKind.REPLY and isinstance(
        shown := parse_reply_payload(item.payload).record, TicketMessageReply
    ):
        message = await session.get(TicketMessage, shown.message_id)
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
    of = parse_redraw_payload(item.payload).reply_key
    original = await session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == of))
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


async def _thread_of(session: AsyncSession, subject: SlackPlaced) -> str | None:
    if subject.slack_ts:
        return subject.slack_ts
    # A sale folded into a rush digest talks in the digest's thread.
    if isinstance(subject, Payment) and subject.digest_id is not None:
        digest = await session.get(SaleDigest, subject.digest_id)
        return digest.slack_ts if digest else None
    return None


async def _reply_card(session: AsyncSession, item: OutboxMessage, now: datetime, drawing: Drawing) -> Card:
    shown = parse_reply_payload(item.payload)
    match shown.record:
        case WaitingReply(ticket_id=ticket_id, marker=marker):
            ticket = await session.get_one(Ticket, ticket_id)
            state = drawing.oncall.waiting(ticket, await ticket_messages(session, ticket.id), now)
            return waiting_note(ticket, state, marker)
        case RefundRequestReply(message_id=message_id, refundable=refundable, currency=currency, marker=marker):
            asked = await session.get_one(TicketMessage, message_id)
            return refund_request_note(asked, refundable, currency, marker)
        case RefundReply(refund_id=refund_id):
            refund = await session.get(Refund, refund_id)
            if refund is not None:
                return refund_reply(refund, await session.get_one(Payment, refund.payment_id))
        case TicketMessageReply(message_id=message_id):
            message = await session.get(TicketMessage, message_id)
            if message is not None and is_abusive(message):
                hidden = await drawing.tone.hides_abusive(session)
                warned = await drawing.tone.warned(session, message.id)
                return abusive_message_reply(message, hidden=hidden, warned=warned)
            if message is not None:
                return ticket_message_reply(message)
        case ToneWarningReply(message_id=message_id, oncall=oncall, marker=marker):
            message = await session.get(TicketMessage, message_id)
            if message is not None:
                ticket = await session.get_one(Ticket, message.ticket_id)
                trend = drawing.tone.trend(await ticket_messages(session, ticket.id, until=message))
                return warning_card(message, ticket, trend, oncall, marker)
        case ToneFlagsReply(flags=flags):
            return flags_note(flags)
    # Queued by our own builders (outcomes, reminders, escalations) with every outside part already escaped.
    text = Mrkdwn(shown.text or "(no details)")
    return Card(text, shown.blocks or [section(text)])


async def _alert_card(session: AsyncSession, alert: Alert, now: datetime, drawing: Drawing) -> Card:
    return alert_card(await _alert_body(session, alert, now, drawing), alert, drawing.oncall.plan(alert))


async def _alert_body(session: AsyncSession, alert: Alert, now: datetime, drawing: Drawing) -> Card:
    match details := alert.details:
        case DisputeAlertDetails(dispute_id=dispute_id):
            dispute = await session.get_one(Dispute, dispute_id)
            return dispute_alert_body(dispute, await customer_of(session, dispute.customer_id), alert.kind, details)
        case WaitingAlertDetails(ticket_id=ticket_id):
            ticket = await session.get_one(Ticket, ticket_id)
            messages = await ticket_messages(session, ticket.id)
            if alert.resolved_at is not None:
                # A resolved alert tells of the wait as it stood when the team answered, not of "nobody waiting".
                messages = [m for m in messages if m.sent_at < alert.resolved_at]
            state = drawing.oncall.waiting(ticket, messages, alert.resolved_at or now)
            last = next((m for m in reversed(messages) if m.sender == "customer"), None)
            return waiting_alert_body(ticket, await customer_of(session, ticket.customer_id), state, last, now)
        case RefundRequestAlertDetails(message_id=message_id, refundable=refundable, currency=currency):
            message = await session.get_one(TicketMessage, message_id)
            ticket = await session.get_one(Ticket, message.ticket_id)
            customer = await customer_of(session, ticket.customer_id)
            return refund_request_alert_body(ticket, customer, message, refundable, currency, now)
        case ToneAlertDetails(message_id=message_id):
            message = await session.get_one(TicketMessage, message_id)
            ticket = await session.get_one(Ticket, message.ticket_id)
            customer = await customer_of(session, ticket.customer_id)
            trend = drawing.tone.trend(await ticket_messages(session, ticket.id, until=message))
            return abuse_alert_body(message, ticket, customer, trend, flags_only=alert.kind == AlertKind.THREAT)


@dataclass(frozen=True)
class CardDrawer:
    """The outbox's drawer (bot.outbox.drawer.Drawer): items drawn as this installation's cards show them."""

    drawing: Drawing

    async def render(self, session: AsyncSession, item: OutboxMessage, now: datetime) -> Delivery:
        return await render(session, item, now, self.drawing)

    async def record_posted(self, session: AsyncSession, item: OutboxMessage, ts: str) -> None:
        await record_posted(session, item, ts)
