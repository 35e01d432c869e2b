"""On-call's part of a card: how long a customer has waited, and how an alert escalates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.oncall.alerts import plan_of
from bot.oncall.waiting import waiting_for
from bot.policies.oncall_escalation import EscalationStep
from bot.policies.oncall_waiting import ResponseTargets, Waiting
from bot.storage.models.oncall import Alert
from bot.storage.models.tickets import Ticket, TicketMessage


@dataclass(frozen=True)
class OnCallCardFacts:
    """bot.cards.facts.OnCallFacts, against this installation's response targets."""

    targets: ResponseTargets

    def waiting(self, ticket: Ticket, messages: Sequence[TicketMessage], now: datetime) -> Waiting:
        return waiting_for(ticket, messages, self.targets, now)

    def plan(self, alert: Alert) -> list[EscalationStep]:
        return plan_of(alert)
