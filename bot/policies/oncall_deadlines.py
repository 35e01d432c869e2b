"""Dispute evidence deadlines: the reminders before the evidence is due (72 h, 24 h, 6 h), louder as it nears."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.policies.oncall_escalation import Urgency

# ------------------------------------------------------------------------------------------ dispute deadlines


class ReminderLevel(StrEnum):
    HEADS_UP = "heads-up"
    SOON = "soon"
    FINAL = "final"


# How long before the evidence is due each reminder goes out, earliest first, with its level.
DEADLINE_REMINDERS = (timedelta(hours=72), timedelta(hours=24), timedelta(hours=6))
_LEVELS = (ReminderLevel.HEADS_UP, ReminderLevel.SOON, ReminderLevel.FINAL)


@dataclass(frozen=True)
class Reminder:
    at: datetime
    left: timedelta  # until the evidence is due, at `at`
    level: ReminderLevel

    @property
    def urgency(self) -> Urgency:
        """A heads-up three days out waits for the digest; "soon" and "final" page at night."""
        return Urgency.ROUTINE if self.level is ReminderLevel.HEADS_UP else Urgency.URGENT


def deadline_reminders(due: datetime, created: datetime) -> tuple[Reminder, ...]:
    """The reminders for evidence due at `due`, for a dispute that reached us at `created`, earliest first.

    Reminders whose time had passed when the dispute arrived are dropped: a dispute 10 h before its deadline
    gets only the 6 h one. If all had passed, the final one goes at once (at `created`), while time is left.
    Plan again from the update when a dispute update moves the deadline.
    """
    planned = [
        Reminder(at=due - lead, left=lead, level=level)
        for lead, level in zip(DEADLINE_REMINDERS, _LEVELS, strict=True)
        if due - lead >= created
    ]
    if not planned and created < due:
        planned = [Reminder(at=created, left=due - created, level=_LEVELS[-1])]
    return tuple(planned)


def next_reminder(reminders: Sequence[Reminder], now: datetime) -> Reminder | None:
    """The first reminder after `now`, for a durable timer; None when there are no more."""
    return next((reminder for reminder in reminders if reminder.at > now), None)


def reminder_due(reminders: Sequence[Reminder], since: datetime | None, now: datetime) -> Reminder | None:
    """The reminder to send at `now`, given the last check at `since` (None: never): the loudest that fell due
    in between, so a bot that was down sends one reminder, not a burst."""
    fallen = [r for r in reminders if r.at <= now and (since is None or r.at > since)]
    return fallen[-1] if fallen else None
