"""What a card shows that another feature works out, handed in by the runtime (in `cards.subjects.Drawing`).

Cards draw: how long a customer has waited and how an alert escalates are on-call's to say
(`oncall.card_facts.OnCallCardFacts`), a ticket's tone and whether the owner hides abuse are tone's
(`tone.card_facts.ToneCardFacts`). Asking through these keeps cards below both in the package graph.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.policies.oncall_escalation import EscalationStep
from bot.policies.oncall_waiting import Waiting
from bot.policies.tone_trend import TicketTone
from bot.storage.models.oncall import Alert
from bot.storage.models.tickets import Ticket, TicketMessage


class OnCallFacts(Protocol):
    def waiting(self, ticket: Ticket, messages: Sequence[TicketMessage], now: datetime) -> Waiting:
        """How long the ticket's customer has waited by `now`, from its messages (oldest first)."""
        ...

    def plan(self, alert: Alert) -> list[EscalationStep]:
        """Who the alert pages next, and when, as planned when it was raised."""
        ...


class ToneFacts(Protocol):
    def trend(self, messages: Iterable[TicketMessage]) -> TicketTone:
        """How the customer's tone went over these messages (others' messages are left out)."""
        ...

    async def hides_abusive(self, session: AsyncSession) -> bool:
        """Whether the owner chose to hide abusive messages behind a warning."""
        ...

    async def warned(self, session: AsyncSession, message_id: int) -> bool:
        """Whether the team was warned about this message in its thread."""
        ...
