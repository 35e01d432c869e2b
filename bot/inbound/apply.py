"""Applying what a provider told us: update the records and record what Slack should show, in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.buyers.lookups import start_lookup, start_lookups_for_new
from bot.cards.replies import dispute_change_text
from bot.core.domain import (
    CustomerRef,
    DisputeSeen,
    DomainEvent,
    RefundSeen,
    SaleSeen,
    TicketMessageSeen,
    TicketStateSeen,
)
from bot.inbound.desk_state import apply_ticket_state
from bot.inbound.new_sales import record_new_sales
from bot.oncall.alerts import OnCall
from bot.oncall.disputes import page_dispute_news, settle_dispute_alerts
from bot.oncall.refund_requests import watch_refund_request
from bot.oncall.waiting import WaitWatch, customer_wrote, customer_wrote_since, team_replied
from bot.outbox import queue
from bot.outbox.queue import Subject
from bot.outbox.records import RefundReply, TicketMessageReply
from bot.policies.hours import BusinessHours, is_open
from bot.policies.oncall_waiting import ResponseTargets
from bot.policies.refund_requests import BigRefundRule
from bot.policies.routing import Channels, Topic, channel_for
from bot.storage.models.sales import Dispute, Payment
from bot.storage.models.tickets import Ticket, TicketMessage, TicketStatus
from bot.storage.store import find_payment, record_refund, record_sale, resolve_customer
from bot.tone.watch import judge_message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Applier:
    channels: Channels
    oncall: OnCall | None = None
    hours: BusinessHours | None = None
    targets: ResponseTargets = field(default_factory=ResponseTargets)
    big_refund: BigRefundRule | None = None
    # Whether PayPal can be asked who paid (its API credentials are set): then a sale that named nobody is searched.
    find_buyers: bool = False

    def _open(self, now: datetime) -> bool:
        return self.hours is not None and is_open(self.hours, now)

    async def apply(self, session: AsyncSession, event: DomainEvent, source_id: int, now: datetime) -> None:
        match event:
            case SaleSeen():
                await self._sale(session, event, source_id, now)
            case RefundSeen():
                await self._refund(session, event, source_id, now)
            case DisputeSeen():
                await self._dispute(session, event, source_id, now)
            case TicketMessageSeen():
                await self._ticket_message(session, event, now)
            case TicketStateSeen():
                await apply_ticket_state(session, event, self.channels, source_id, now)

    async def apply_sales(self, session: AsyncSession, sales: Sequence[tuple[int, SaleSeen]], now: datetime) -> None:
        """`apply` for each of `sales` (with the id of the inbound event telling of it) in turn, with the same
        outcome, in a few statements for the whole run (bot/inbound/new_sales.py) rather than a few for each sale."""
        channel = channel_for(Topic.SALE, self.channels)
        rest = list(sales)
        while rest:
            recorded = await record_new_sales(session, rest, now)
            if self.find_buyers:
                found = [(new.payment_id, new.sale.provider, new.payer_email, new.sale.order_key) for new in recorded]
                await start_lookups_for_new(session, found, now)
            if channel is not None:
                await queue.post_cards(session, Subject.SALE, [new.payment_id for new in recorded], channel, now)
            rest = rest[len(recorded) :]
            if rest:
                # Not a plain new sale (see new_sales.py): applied alone, as ever, before the rest are planned.
                source_id, sale = rest.pop(0)
                await self._sale(session, sale, source_id, now)

    async def _sale(self, session: AsyncSession, sale: SaleSeen, source_id: int, now: datetime) -> Payment:
        recorded = await record_sale(session, sale, now, event_id=source_id)
        payment = recorded.payment
        if self.find_buyers:
            await start_lookup(session, payment, sale.order_key, now)
        channel = channel_for(Topic.SALE, self.channels)
        if channel is None:
            return payment
        if recorded.created:
            queue.post_card(session, Subject.SALE, payment.id, channel, now)
        elif recorded.changed:
            await self._redraw_sale(session, payment, channel, now)
        return payment

    async def _redraw_sale(self, session: AsyncSession, payment: Payment, channel: str, now: datetime) -> None:
        # A sale folded into a rush digest has no card of its own: the digest shows it.
        if payment.digest_id is not None:
            await queue.update_card(session, Subject.DIGEST, payment.digest_id, channel, now)
        else:
            await queue.update_card(session, Subject.SALE, payment.id, channel, now)

    async def _refund(self, session: AsyncSession, refund: RefundSeen, source_id: int, now: datetime) -> None:
        payment = await find_payment(session, refund.provider, refund.payment_key, refund.charge_id)
        if payment is None:
            # Refund news can overtake the sale's; the sale is announced from what the refund tells of it.
            payment = await self._sale(session, refund.sale or _unseen_sale(refund), source_id, now)
        recorded = await record_refund(
            session,
            payment,
            refund.refund_key,
            amount_minor=refund.amount_minor,
            currency=refund.currency,
            reason=refund.reason,
            at=refund.at,
            provider_total_minor=refund.total_refunded_minor,
        )
        if recorded is None:
            return
        channel = channel_for(Topic.SALE, self.channels)
        if channel is None:
            return
        queue.reply(
            session,
            f"refund:{recorded.id}:reply",
            parent=Subject.SALE,
            parent_id=payment.id,
            channel=channel,
            text="",
            now=now,
            record=RefundReply(recorded.id),
        )
        await self._redraw_sale(session, payment, channel, now)

    async def _dispute(self, session: AsyncSession, seen: DisputeSeen, source_id: int, now: datetime) -> None:
        dispute = await session.scalar(
            select(Dispute).where(Dispute.provider == seen.provider, Dispute.provider_dispute_id == seen.dispute_key)
        )
        payment = await find_payment(session, seen.provider, seen.payment_key, seen.charge_id)
        customer = await resolve_customer(session, seen.customer, now) if seen.customer else None
        created = dispute is None
        if dispute is None:
            dispute = Dispute(
                provider=seen.provider,
                provider_dispute_id=seen.dispute_key,
                opened_at=seen.at,
                updated_at=seen.at,
            )
            session.add(dispute)
        elif seen.at < dispute.updated_at:
            # Providers do not deliver in order; an older picture must not overwrite a newer one.
            log.info("dispute %s: ignoring %s older than what we have", seen.dispute_key, seen.change)
            return
        before = _dispute_state(dispute)
        dispute.payment_id = dispute.payment_id or (payment.id if payment else None)
        dispute.customer_id = (
            dispute.customer_id or (payment.customer_id if payment else None) or (customer.id if customer else None)
        )
        for name in (
            "amount_minor",
            "currency",
            "reason",
            "status",
            "stage",
            "evidence_due_at",
            "provider_url",
        ):
            value = getattr(seen, name)
            if value is not None:
                setattr(dispute, name, value)
        dispute.updated_at = max(dispute.updated_at, seen.at)
        await session.flush()
        if not created and dispute.status != before["status"]:
            await settle_dispute_alerts(session, dispute, now)
        if self.oncall is not None:
            new_deadline = not created and dispute.evidence_due_at != before["evidence_due_at"]
            await page_dispute_news(
                session,
                dispute,
                opened=created,
                new_deadline=new_deadline,
                oncall=self.oncall,
                open_now=self._open(now),
                now=now,
            )
        channel = channel_for(Topic.DISPUTE, self.channels)
        if channel is None:
            return
        if created:
            queue.post_card(session, Subject.DISPUTE, dispute.id, channel, now)
            if payment is not None and (sales := channel_for(Topic.SALE, self.channels)):
                await self._redraw_sale(session, payment, sales, now)
            return
        text = dispute_change_text(seen.change, before, _dispute_state(dispute), seen.outcome)
        queue.reply(
            session,
            f"dispute-event:{source_id}",
            parent=Subject.DISPUTE,
            parent_id=dispute.id,
            channel=channel,
            text=text,
            now=now,
        )
        await queue.update_card(session, Subject.DISPUTE, dispute.id, channel, now)
        # The sale card marks the dispute with its status: keep that mark current too.
        sale = payment or (await session.get(Payment, dispute.payment_id) if dispute.payment_id else None)
        if sale is not None and (sales := channel_for(Topic.SALE, self.channels)):
            await self._redraw_sale(session, sale, sales, now)

    async def _ticket_message(self, session: AsyncSession, seen: TicketMessageSeen, now: datetime) -> None:
        customer = await resolve_customer(session, seen.customer, now)
        ticket = await session.scalar(select(Ticket).where(Ticket.external_id == seen.ticket_key))
        created = ticket is None
        if ticket is None:
            ticket = Ticket(
                external_id=seen.ticket_key,
                subject=seen.subject,
                opened_at=seen.at,
                status=TicketStatus.OPEN,
                customer_id=customer.id if customer else None,
                callback_url=seen.callback_url,
                source=seen.source,
                source_ref=seen.source_ref,
            )
            session.add(ticket)
            await session.flush()
        else:
            ticket.subject = ticket.subject or seen.subject
            ticket.customer_id = ticket.customer_id or (customer.id if customer else None)
            ticket.callback_url = seen.callback_url or ticket.callback_url
        duplicate = await session.scalar(
            select(TicketMessage.id).where(
                TicketMessage.ticket_id == ticket.id, TicketMessage.external_id == seen.message_key
            )
        )
        if duplicate is not None:
            return
        message = TicketMessage(
            ticket_id=ticket.id,
            external_id=seen.message_key,
            sender=seen.sender,
            author=seen.author,
            body=seen.body,
            sent_at=seen.at,
        )
        session.add(message)
        await session.flush()
        channel = channel_for(Topic.TICKET, self.channels)
        if channel is not None and created:
            queue.post_card(session, Subject.TICKET, ticket.id, channel, now)
        elif channel is not None:
            record = TicketMessageReply(message.id)
            queue.ticket_reply(session, queue.message_key(message.id), ticket.id, channel, now, record)
            await queue.update_card(session, Subject.TICKET, ticket.id, channel, now)
        if message.sender != "customer":
            if not await customer_wrote_since(session, ticket.id, message.sent_at):
                await team_replied(session, ticket, message.author, now)
            return
        open_now = self._open(now)
        # After the message's own reply, so that a warning follows the message it is about.
        await judge_message(session, ticket, message, self.channels, now, self.oncall, open_now)
        if self.big_refund is not None:
            rule = self.big_refund
            await watch_refund_request(session, ticket, message, rule, self.channels, self.oncall, open_now, now)
        await customer_wrote(session, ticket, WaitWatch(self.targets, self.channels, self.oncall), open_now, now)


def _unseen_sale(refund: RefundSeen) -> SaleSeen:
    return SaleSeen(
        provider=refund.provider,
        payment_key=refund.payment_key or f"refund:{refund.refund_key}",
        at=refund.at,
        customer=CustomerRef(),
        currency=refund.currency,
    )


def _dispute_state(dispute: Dispute) -> dict[str, object]:
    return {
        "status": dispute.status,
        "amount_minor": dispute.amount_minor,
        "currency": dispute.currency,
        "reason": dispute.reason,
        "evidence_due_at": dispute.evidence_due_at,
        "stage": dispute.stage,
    }
