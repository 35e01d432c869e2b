"""Tone's part of a card: how a customer's tone went, and whether abuse is hidden behind a warning."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from bot.outbox.queue import is_queued
from bot.policies.tone_trend import TicketTone, ticket_tone
from bot.storage.models.tickets import TicketMessage
from bot.tone.preferences import Choice, preference
from bot.tone.watch import said_by_customer, warning_key


class ToneCardFacts:
    """bot.cards.facts.ToneFacts, from the messages' verdicts and the owner's choices."""

    def trend(self, messages: Iterable[TicketMessage]) -> TicketTone:
        return ticket_tone(said_by_customer(messages))

    async def hides_abusive(self, session: AsyncSession) -> bool:
        return await preference(session, Choice.HIDE_ABUSIVE)

    async def warned(self, session: AsyncSession, message_id: int) -> bool:
        return await is_queued(session, warning_key(message_id))
