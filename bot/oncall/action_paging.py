"""The alerts an action done from Slack ends: a ticket answered or closed, a dispute answered at its provider."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.oncall.alerts import resolve_alerts
from bot.oncall.waiting import team_replied
from bot.outbox.queue import Subject
from bot.policies.oncall_escalation import AlertKind
from bot.storage.models.sales import Dispute
from bot.storage.models.tickets import Ticket


class ActionPaging:
    """bot.actions.paging.Paging: written in the action's session, so the alerts end with the outcome's commit."""

    async def team_replied(self, session: AsyncSession, ticket: Ticket, who: str | None, now: datetime) -> None:
        await team_replied(session, ticket, who, now)

    async def ticket_closed(self, session: AsyncSession, ticket: Ticket, now: datetime) -> None:
        await resolve_alerts(session, Subject.TICKET, ticket.id, "the ticket was closed", now)

    async def dispute_answered(self, session: AsyncSession, dispute: Dispute, state: str, now: datetime) -> None:
        kinds = (AlertKind.DISPUTE_OPENED, AlertKind.DISPUTE_DEADLINE)
        await resolve_alerts(session, Subject.DISPUTE, dispute.id, f"the dispute was {state}", now, kinds=kinds)
