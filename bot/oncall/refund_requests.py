"""Customers asking for their money back: a big request pages on-call at night, and is marked by day."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.money import format_money
from bot.oncall.alerts import OnCall, page_about
from bot.outbox import queue
from bot.outbox.queue import Subject
from bot.outbox.records import RefundRequestReply
from bot.policies.oncall_escalation import AlertKind, route
from bot.policies.refund_requests import BigRefundRule, is_big_refund_request
from bot.policies.routing import Channels, Topic, channel_for
from bot.policies.tone import Flag
from bot.storage.models.oncall import RefundRequestAlertDetails
from bot.storage.models.sales import Payment
from bot.storage.models.tickets import Ticket, TicketMessage


async def refundable_minor(session: AsyncSession, customer_id: int, currency: str) -> int:
    """What the customer paid in `currency` and has not had back."""
    total = await session.scalar(
        select(func.sum(Payment.amount_minor - Payment.amount_refunded_minor)).where(
            Payment.customer_id == customer_id, func.upper(Payment.currency) == currency.upper()
        )
    )
    return int(total or 0)


async def watch_refund_request(
    session: AsyncSession,
    ticket: Ticket,
    message: TicketMessage,
    rule: BigRefundRule,
    channels: Channels,
    oncall: OnCall | None,
    open_now: bool,
    now: datetime,
) -> bool:
    """If the message asks for a big refund, tell on-call (at night) or the ticket's thread (by day), once per
    ticket: a second "refund me!" is the same request, and the first alert is still there."""
    if ticket.customer_id is None or rule.threshold_minor <= 0:
        return False
    flags = [Flag(flag) for flag in (message.tone_verdict or {}).get("flags", ())]
    at_stake = await refundable_minor(session, ticket.customer_id, rule.currency)
    if not is_big_refund_request(message.body, flags, at_stake, rule.currency, rule):
        return False
    key = f"{AlertKind.BIG_REFUND_REQUEST}:{ticket.id}"
    routing = route(AlertKind.BIG_REFUND_REQUEST, open_now=open_now)
    details = RefundRequestAlertDetails(message.id, at_stake, rule.currency)
    if routing.to_oncall and oncall is not None and oncall.channel is not None:
        await page_about(
            session,
            oncall,
            key,
            AlertKind.BIG_REFUND_REQUEST,
            about=Subject.TICKET,
            about_id=ticket.id,
            details=details,
            also=f"💸 Also, the customer asks for a refund: {format_money(at_stake, rule.currency)} at stake.",
            now=now,
        )
    elif (support := channel_for(Topic.TICKET, channels)) is not None and not await queue.is_queued(session, key):
        record = RefundRequestReply(message.id, at_stake, rule.currency, routing.marker)
        queue.ticket_reply(session, key, ticket.id, support, now, record)
    return True
