"""The alerts an action's outcome ends, asked of on-call (oncall.action_paging.ActionPaging, handed in by the
runtime): paging is on-call's business, and actions sit below it in the package graph.

Each call is written in the session it is given, the one whose transaction records the outcome (actions.steps),
so the alerts end in the same commit as the reply, the closed ticket or the dispute's answer, or not at all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models.sales import Dispute
from bot.storage.models.tickets import Ticket


class Paging(Protocol):
    async def team_replied(self, session: AsyncSession, ticket: Ticket, who: str | None, now: datetime) -> None:
        """The team answered the ticket: nobody waits, and the alerts about the customer waiting are over."""
        ...

    async def ticket_closed(self, session: AsyncSession, ticket: Ticket, now: datetime) -> None:
        """The team closed the ticket: every alert about it is over."""
        ...

    async def dispute_answered(self, session: AsyncSession, dispute: Dispute, state: str, now: datetime) -> None:
        """The dispute's answer is in at its provider (`state`): its opening and deadline alerts are over."""
        ...
