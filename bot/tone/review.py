"""People correcting the bot's tone verdicts: recorded, audited, shown in Slack, and kept for retraining."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import audit
from bot.actions.audit import Outcome
from bot.actions.record import Actor
from bot.cards.text import mention
from bot.core.erasure import ERASED
from bot.core.errors import UsageError
from bot.outbox import queue
from bot.outbox.queue import Subject, is_queued, message_key
from bot.policies.routing import Channels, Topic, channel_for
from bot.policies.tone import Tone
from bot.storage.models.tickets import Ticket, TicketMessage
from bot.tone.watch import warning_key


@dataclass(frozen=True)
class Reviewed:
    changed: bool
    notice: str  # for the person who clicked, and only them


async def review_tone(
    session: AsyncSession, message_id: int, abusive: bool, actor: Actor, now: datetime, channels: Channels
) -> Reviewed:
    """Record that a person judged a customer's message abusive (or not), and redraw what showed it."""
    message = await session.get(TicketMessage, message_id, with_for_update=True)
    if message is None or message.sender != "customer" or message.tone is None:
        raise UsageError("That is not a customer's message the bot has on record.")
    classified = Tone((message.tone_verdict or {}).get("tone", message.tone))
    wanted = Tone.ABUSIVE if abusive else (classified if classified is not Tone.ABUSIVE else Tone.FRUSTRATED)
    verdict = "abusive" if abusive else "not abusive"
    if message.tone == wanted and message.tone_corrected_by:
        return Reviewed(False, f"<@{message.tone_corrected_by}> already marked this message {verdict}.")
    message.tone, message.tone_corrected_by, message.tone_corrected_at = wanted, actor.id, now
    ticket = await session.get_one(Ticket, message.ticket_id)
    if support := channel_for(Topic.TICKET, channels):
        await _redraw(session, ticket, message, support, now, actor, verdict, confirmed=wanted == classified)
    entry = audit.Entry(
        actor_id=actor.id,
        actor_name=actor.name,
        action="tone-review",
        outcome=Outcome.SUCCEEDED,
        subject=f"a message in ticket {ticket.external_id}",
        customer_id=ticket.customer_id,
        ticket_id=ticket.id,
        parameters={"message_id": message.id, "classified": classified.value, "judged": wanted.value},
    )
    await audit.append(session, entry, now)
    return Reviewed(True, f"Marked {verdict}. Thank you: corrections are kept to retrain the classifier.")


async def _redraw(
    session: AsyncSession,
    ticket: Ticket,
    message: TicketMessage,
    channel: str,
    now: datetime,
    actor: Actor,
    verdict: str,
    *,
    confirmed: bool,
) -> None:
    shown_in_thread = await is_queued(session, message_key(message.id))
    if shown_in_thread:
        queue.update_reply(
            session, message_key(message.id), parent=Subject.TICKET, parent_id=ticket.id, channel=channel, now=now
        )
    if await is_queued(session, warning_key(message.id)):
        queue.update_reply(
            session, warning_key(message.id), parent=Subject.TICKET, parent_id=ticket.id, channel=channel, now=now
        )
    elif not confirmed:
        where = "a message in this thread" if shown_in_thread else "the message that opened this ticket"
        text = f"{'🛑' if verdict == 'abusive' else '✅'} {mention(actor.id)} marked {where} *{verdict}*."
        queue.reply(
            session,
            f"tone-review:{message.id}:{uuid.uuid4().hex}",
            parent=Subject.TICKET,
            parent_id=ticket.id,
            channel=channel,
            text=text,
            now=now,
        )
    await queue.update_card(session, Subject.TICKET, ticket.id, channel, now)


async def reviewed_messages(session: AsyncSession) -> AsyncIterator[dict[str, Any]]:
    """Every message a person judged, as a training row (text, tone, flags) for scripts/train_tone.py --extra."""
    # An erased body (a forgotten customer, retention) teaches nothing and must not be learnt as a tone.
    judged = TicketMessage.tone_corrected_by.is_not(None) & (TicketMessage.body != ERASED)
    query = select(TicketMessage).where(judged).order_by(TicketMessage.id)
    for message in await session.scalars(query):
        yield {
            "text": message.body,
            "tone": message.tone,
            "flags": (message.tone_verdict or {}).get("flags", []),
            "classified": (message.tone_verdict or {}).get("tone"),
            "judged_at": message.tone_corrected_at.isoformat() if message.tone_corrected_at else None,
        }
