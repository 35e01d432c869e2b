"""A help desk's assignment and status changes, applied to the ticket so its card follows the desk."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cards.blocks import escape
from bot.core.action_kinds import Kind
from bot.core.domain import TicketStateSeen
from bot.core.wording import desk_name
from bot.oncall.alerts import resolve_alerts
from bot.outbox import queue
from bot.outbox.queue import Subject
from bot.policies.routing import Channels, Topic, channel_for
from bot.storage.models.actions import ActionRecord, ActionStatus
from bot.storage.models.tickets import Ticket, TicketStatus

log = logging.getLogger(__name__)


class OwnActionUnderWay(Exception):
    """A desk's assignment arrived while a take-over from Slack is still being carried out in that desk."""


async def apply_ticket_state(
    session: AsyncSession, seen: TicketStateSeen, channels: Channels, source_id: int, now: datetime
) -> None:
    # Locked, so that a take-over finishing meanwhile is either seen whole (its desk user recorded) or not at all.
    ticket = await session.scalar(select(Ticket).where(Ticket.external_id == seen.ticket_key).with_for_update())
    if ticket is None:
        # Every desk event carries the ticket's messages first, so this is a ticket with none we could show.
        log.info("%s: no ticket %s to change", seen.source, seen.ticket_key)
        return
    if ticket.source_updated_at is not None and seen.at < ticket.source_updated_at:
        # Desks do not deliver in order: an older assignment or status must not undo a newer one.
        log.info("%s ticket %s: ignoring a change older than the last one applied", seen.source, seen.ticket_key)
        return
    ticket.source_updated_at = seen.at
    desk = desk_name(seen.source)
    told: list[str] = []
    if seen.assigned and seen.assignee_ref != ticket.source_assignee and await _taking_over(session, ticket.id):
        # Most likely the desk's echo of that very take-over, which tells us only the desk's user id: applied
        # once the take-over is recorded (with that id), it is recognised and changes nothing.
        raise OwnActionUnderWay(f"{seen.source} ticket {seen.ticket_key}: a take-over from Slack is under way")
    if seen.assigned and seen.assignee_ref != ticket.source_assignee:
        ticket.source_assignee = seen.assignee_ref
        # Whoever had it in Slack no longer has it in the desk: the card shows the desk's word.
        ticket.assignee_id = None
        ticket.assignee_name = seen.assignee_name if seen.assignee_ref else None
        if seen.assignee_ref:
            told.append(f"assigned to {escape(seen.assignee_name or 'a ' + desk + ' user')} in {desk}")
        else:
            told.append(f"unassigned in {desk}")
    if seen.status == TicketStatus.CLOSED and ticket.status != TicketStatus.CLOSED:
        ticket.status, ticket.closed_at, ticket.respond_by = TicketStatus.CLOSED, now, None
        await resolve_alerts(session, Subject.TICKET, ticket.id, f"the ticket was closed in {desk}", now)
        told.append(f"closed in {desk}")
    elif seen.status == TicketStatus.OPEN and ticket.status == TicketStatus.CLOSED:
        ticket.status, ticket.closed_at = TicketStatus.OPEN, None
        told.append(f"reopened in {desk}")
    if not told:
        return  # an echo of what Slack did, or nothing new
    channel = ticket.slack_channel or channel_for(Topic.TICKET, channels)
    if channel is None:
        return
    text = f"The ticket was {' and '.join(told)}."
    queue.reply(
        session,
        f"desk-state:{source_id}",
        parent=Subject.TICKET,
        parent_id=ticket.id,
        channel=channel,
        text=text,
        now=now,
    )
    await queue.update_card(session, Subject.TICKET, ticket.id, channel, now)


async def _taking_over(session: AsyncSession, ticket_id: int) -> bool:
    under_way = select(ActionRecord.id).where(
        ActionRecord.ticket_id == ticket_id,
        ActionRecord.kind == Kind.TAKE_OVER,
        ActionRecord.status.in_((ActionStatus.PENDING, ActionStatus.RUNNING)),
    )
    return await session.scalar(under_way.limit(1)) is not None
