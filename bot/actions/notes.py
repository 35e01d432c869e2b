"""Confirming an internal note from Slack: recorded as an action like a reply, carried out in the ticket's desk."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import kinds
from bot.actions.answers import Answer, report_of
from bot.actions.record import Actor, Ask, ask
from bot.actions.submission import Submission
from bot.cards.outcomes import already_text
from bot.core.action_kinds import Kind
from bot.core.errors import UsageError
from bot.storage.models.tickets import Ticket


async def confirm_note(session: AsyncSession, submission: Submission, actor: Actor, now: datetime) -> Answer:
    body = (submission.text("body") or "").strip()
    if not body:
        return Answer(errors={"body": "Write the note first."})
    ticket = await session.get(Ticket, submission.context.ticket_id or 0)
    if ticket is None or ticket.source is None:
        raise UsageError("That ticket is no longer on record, or did not come from a help desk.")
    request = Ask(
        Kind.NOTE,
        kinds.note_key(ticket.id, submission.draft_id(now)),
        f"ticket {ticket.external_id}",
        {"body": body},
        customer_id=ticket.customer_id,
        ticket_id=ticket.id,
        report=report_of(submission.context),
    )
    asked = await ask(session, request, actor, now)
    return Answer(recorded=True) if asked.fresh else Answer(notice=already_text(asked.action))
