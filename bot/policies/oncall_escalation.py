"""What is urgent, where an alert goes (the on-call person at night, the channel by day), and when an
unacknowledged alert escalates to whom.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.policies.oncall_rotation import Rotation, next_in_line, on_call

# ----------------------------------------------------------------------------------------------------- routing


class Urgency(StrEnum):
    ROUTINE = "routine"
    URGENT = "urgent"


class AlertKind(StrEnum):
    DISPUTE_OPENED = "dispute-opened"
    DISPUTE_DEADLINE = "dispute-deadline"  # a dispute update with an evidence deadline, or a deadline reminder
    ABUSE = "abuse"
    THREAT = "threat"
    BIG_REFUND_REQUEST = "big-refund-request"
    CUSTOMER_WAITING = "customer-waiting"  # past the response target, or repeat contacts (Waiting.urgent)
    SALE = "sale"
    TICKET = "ticket"


URGENT_KINDS = frozenset(
    {
        AlertKind.DISPUTE_OPENED,
        AlertKind.DISPUTE_DEADLINE,
        AlertKind.ABUSE,
        AlertKind.THREAT,
        AlertKind.BIG_REFUND_REQUEST,
        AlertKind.CUSTOMER_WAITING,
    }
)
URGENT_MARKER = "🚨 Urgent"


@dataclass(frozen=True)
class Routing:
    to_channel: bool  # the event's own channel (sales, support, disputes), as always
    to_oncall: bool  # the on-call channel, mentioning the person on call, with an Acknowledge button
    marker: str  # put in front of the channel message; "" for none


def classify_alert(kind: AlertKind) -> Urgency:
    return Urgency.URGENT if kind in URGENT_KINDS else Urgency.ROUTINE


def route(kind: AlertKind, *, open_now: bool) -> Routing:
    """Where an event goes. Every event keeps its channel message (the digest sums the night up later).

    Urgent after hours also pages on-call; urgent during hours is marked in its channel, where the team is
    anyway, and does not page; routine events never mention or page anyone.
    """
    if classify_alert(kind) is Urgency.ROUTINE:
        return Routing(to_channel=True, to_oncall=False, marker="")
    if open_now:
        return Routing(to_channel=True, to_oncall=False, marker=URGENT_MARKER)
    return Routing(to_channel=True, to_oncall=True, marker="")


# -------------------------------------------------------------------------------------------------- escalation


@dataclass(frozen=True)
class EscalationPolicy:
    ack_within: timedelta = timedelta(minutes=15)  # each step waits this long for an Acknowledge
    # How many people after the first on-call are paged, one per step, before the owners.
    then_owners_after: int = 1

    def __post_init__(self) -> None:
        if self.ack_within <= timedelta(0):
            raise ValueError("the acknowledge time must be longer than zero")
        if self.then_owners_after < 0:
            raise ValueError("the number of people paged before the owners cannot be negative")


@dataclass(frozen=True)
class EscalationStep:
    due: datetime
    mention: tuple[str, ...]  # Slack user ids
    label: str  # "on-call", "next in line" or "owners"


def escalation_plan(
    policy: EscalationPolicy,
    rotation: Rotation,
    owners: Sequence[str],
    raised_at: datetime,
    first: str | None = None,
) -> tuple[EscalationStep, ...]:
    """Who is paged, and when, until someone acknowledges: the whole plan, fixed when the alert is raised.

    Step 0 pages `first` (by default whoever is on call at `raised_at`) at once; each later step follows
    `ack_within` after the one before: the next people in line, then the owners together. With nobody on call
    the owners are paged at once. The caller stops at the first Acknowledge.
    """
    first = first or on_call(rotation, raised_at)
    steps: list[EscalationStep] = []
    if first:
        steps.append(EscalationStep(raised_at, (first,), "on-call"))
        current = first
        for _ in range(policy.then_owners_after):
            person = next_in_line(rotation, raised_at, current)
            if person is None or any(person in step.mention for step in steps):
                break
            steps.append(EscalationStep(steps[-1].due + policy.ack_within, (person,), "next in line"))
            current = person
    bosses = tuple(dict.fromkeys(owners))
    if bosses:
        due = steps[-1].due + policy.ack_within if steps else raised_at
        steps.append(EscalationStep(due, bosses, "owners"))
    return tuple(steps)


def due_steps(
    plan: Sequence[EscalationStep], now: datetime, acked_at: datetime | None = None
) -> tuple[EscalationStep, ...]:
    """The steps that should have been paged by `now` (and before the acknowledgement, if there was one)."""
    return tuple(step for step in plan if step.due <= now and (acked_at is None or step.due < acked_at))


def next_due(plan: Sequence[EscalationStep], now: datetime) -> datetime | None:
    """When the next step falls due after `now`, for a durable timer; None when the plan is used up."""
    return next((step.due for step in plan if step.due > now), None)
