"""Customers waiting for the team: the response timer on each ticket, and what the team hears when one waits
too long or writes again and again.

A ticket's `respond_by` is its durable timer: set when a customer starts waiting, cleared when the team
replies, and claimed (set to None by a conditional update) by whichever process flags the ticket as overdue.
Flagging is keyed by the waiting stretch (when the customer started waiting), so a stretch is flagged once
however many messages, timers and processes see it; a new stretch after a reply can be flagged again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.oncall.alerts import OnCall, alert_key, page_about, resolve_alerts
from bot.outbox import queue
from bot.outbox.queue import Subject
from bot.outbox.records import WaitingReply
from bot.policies.oncall_escalation import AlertKind, route
from bot.policies.oncall_waiting import ResponseTargets, Waiting, waiting
from bot.policies.routing import Channels, Topic, channel_for
from bot.storage.models.oncall import WaitingAlertDetails
from bot.storage.models.tickets import Ticket, TicketMessage, TicketStatus
from bot.storage.store import ticket_messages


@dataclass(frozen=True)
class WaitWatch:
    """What deciding about a waiting customer needs beyond the ticket: targets, and who to tell."""

    targets: ResponseTargets
    channels: Channels
    oncall: OnCall | None


def waiting_for(ticket: Ticket, messages: Sequence[TicketMessage], targets: ResponseTargets, now: datetime) -> Waiting:
    """How long the ticket's customer has waited, from its messages; a closed ticket has nobody waiting."""
    if ticket.status == TicketStatus.CLOSED:
        return waiting(targets, [], ticket.opened_at, ticket.opened_at, now)
    staff = [m.sent_at for m in messages if m.sender != "customer"]
    customer = [m.sent_at for m in messages if m.sender == "customer"]
    return waiting(targets, customer, max(staff, default=None), ticket.opened_at, now)


async def ticket_waiting(session: AsyncSession, ticket: Ticket, targets: ResponseTargets, now: datetime) -> Waiting:
    return waiting_for(ticket, await ticket_messages(session, ticket.id), targets, now)


def stretch_key(ticket_id: int, since: datetime) -> str:
    """Names one waiting stretch of one ticket: the alert and the channel note about it share it."""
    return f"{AlertKind.CUSTOMER_WAITING}:{ticket_id}:{int(since.timestamp())}"


async def customer_wrote(
    session: AsyncSession, ticket: Ticket, watch: WaitWatch, open_now: bool, now: datetime
) -> Waiting:
    """A customer's message arrived: start (or keep) the response timer, and flag the ticket if it is urgent now
    (a repeat contact, or a message that reached us after the target had passed)."""
    state = await ticket_waiting(session, ticket, watch.targets, now)
    ticket.respond_by = None if state.since is None or state.overdue else state.since + state.target
    if state.urgent:
        await flag_waiting(session, ticket, state, watch, open_now, now)
    return state


async def customer_wrote_since(session: AsyncSession, ticket_id: int, at: datetime) -> bool:
    """Whether a customer message is newer than `at`: a reply delivered late does not answer it."""
    later = select(TicketMessage.id).where(
        TicketMessage.ticket_id == ticket_id, TicketMessage.sender == "customer", TicketMessage.sent_at > at
    )
    return await session.scalar(later.limit(1)) is not None


async def team_replied(session: AsyncSession, ticket: Ticket, who: str | None, now: datetime) -> None:
    """The team answered: nobody waits, and alerts about the customer waiting are over."""
    ticket.respond_by = None
    await resolve_alerts(
        session,
        Subject.TICKET,
        ticket.id,
        f"{who or 'the team'} replied",
        now,
        kinds=(AlertKind.CUSTOMER_WAITING, AlertKind.BIG_REFUND_REQUEST),
    )


async def flag_waiting(
    session: AsyncSession, ticket: Ticket, state: Waiting, watch: WaitWatch, open_now: bool, now: datetime
) -> None:
    """Tell whoever should know that this customer waits too long: on-call at night, the ticket's channel by day
    (with the urgent marker). Once per waiting stretch; a later trigger redraws the alert in place."""
    if state.since is None:
        return
    support = channel_for(Topic.TICKET, watch.channels)
    routing = route(AlertKind.CUSTOMER_WAITING, open_now=open_now)
    key = stretch_key(ticket.id, state.since)
    oncall = watch.oncall
    if routing.to_oncall and oncall is not None and oncall.channel is not None:
        alert = await page_about(
            session,
            oncall,
            key,
            AlertKind.CUSTOMER_WAITING,
            about=Subject.TICKET,
            about_id=ticket.id,
            details=WaitingAlertDetails(ticket.id, state.since),
            also=f"⏰ Also, the customer is waiting: {state.describe()}.",
            now=now,
        )
        if alert is not None and alert.key == key and alert.raised_at < now:
            # Raised by an earlier trigger of this stretch: show the newer count where the alert already is.
            queue.update_reply(
                session, alert_key(alert.id), parent=Subject.ALERT, parent_id=alert.id, channel=oncall.channel, now=now
            )
    elif support is not None and not await queue.is_queued(session, key):
        record = WaitingReply(ticket.id, state.since, routing.marker)
        queue.ticket_reply(session, key, ticket.id, support, now, record)
    if support is not None:
        await queue.update_card(session, Subject.TICKET, ticket.id, support, now)


async def tickets_past_target(session: AsyncSession, now: datetime) -> list[int]:
    return list(
        await session.scalars(
            select(Ticket.id)
            .where(Ticket.respond_by <= now, Ticket.status != TicketStatus.CLOSED)
            .order_by(Ticket.respond_by)
        )
    )


async def target_passed(session: AsyncSession, ticket_id: int, watch: WaitWatch, open_now: bool, now: datetime) -> bool:
    """The timer of one ticket ran out: claim it, and flag the ticket if its customer is still waiting."""
    ticket = await session.get(Ticket, ticket_id, populate_existing=True)
    if ticket is None or ticket.respond_by is None or ticket.respond_by > now:
        return False
    claimed = await session.execute(
        update(Ticket).where(Ticket.id == ticket.id, Ticket.respond_by == ticket.respond_by).values(respond_by=None)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False  # another process flagged it, or the team replied meanwhile
    state = await ticket_waiting(session, ticket, watch.targets, now)
    if not state.urgent:
        return False
    await flag_waiting(session, ticket, state, watch, open_now, now)
    return True
