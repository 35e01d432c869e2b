"""What a person's Home tab shows, as plain frozen values: home.snapshot reads them from the database in one
transaction, cards.home draws them. They are defined here, beside their drawing, so that cards (below home in the
package graph) need nothing from home.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.policies.permissions import Role


@dataclass(frozen=True)
class TicketLine:
    external_id: str
    subject: str | None
    customer: str | None
    waiting: str  # "waiting 2 h 10 min, within the 4 h first-response target", or "answered, nobody waiting"
    urgent: bool
    last_message_at: datetime | None
    link: str | None


@dataclass(frozen=True)
class AlertLine:
    alert_id: int
    kind: str
    raised_at: datetime
    link: str | None


@dataclass(frozen=True)
class DisputeLine:
    provider: str
    amount_minor: int | None
    currency: str | None
    reason: str | None
    status: str | None
    due_at: datetime | None
    link: str | None
    evidence_state: str | None = None  # our answer from Slack: staged, submitted, accepted


@dataclass(frozen=True)
class OnCallLine:
    now: str | None
    next: str | None
    my_next_shift: datetime | None
    zone: str


@dataclass(frozen=True)
class Today:
    since: datetime
    sales: dict[str, Any]  # {"count": n, "totals": {currency: minor}}
    refunds: dict[str, Any]
    new_tickets: int


@dataclass(frozen=True)
class Health:
    outbox_waiting: int
    oldest_waiting: timedelta | None
    last_error: str | None
    quarantined: int = 0  # webhook events set aside as unusable (`supportbot doctor` names them)


@dataclass(frozen=True)
class RiskLine:
    customer: str
    summary: str


@dataclass(frozen=True)
class ApprovalLine:
    """A big refund waiting for a second owner."""

    approval_id: int
    amount_minor: int | None
    currency: str | None
    payment: str | None  # the provider's payment id
    provider: str | None
    customer: str | None
    requester: str
    requested_at: datetime
    expires_at: datetime
    link: str | None


@dataclass(frozen=True)
class HomeSnapshot:
    user: str
    role: Role
    now: datetime
    mine: tuple[TicketLine, ...] = ()
    mine_count: int = 0
    oncall: OnCallLine | None = None
    alerts: tuple[AlertLine, ...] = ()
    waiting: tuple[dict[str, Any], ...] = ()
    waiting_count: int = 0
    disputes: tuple[DisputeLine, ...] = ()
    disputes_count: int = 0
    today: Today | None = None
    health: Health | None = None  # owners only
    risky: tuple[RiskLine, ...] = ()  # owners only
    chart_file_id: str | None = None  # owners only: the 30-day chart, once Slack has it
    approvals: tuple[ApprovalLine, ...] = ()  # owners only: refunds waiting for a second owner
    approvals_count: int = 0
