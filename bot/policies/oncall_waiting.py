"""Customers waiting for the team: the first-response and follow-up targets, and how long a customer has waited.

Waiting customers wait at night too: the first-response and follow-up clocks run around the clock, and business
hours only decide who hears about it (the on-call person at night, the channel by day).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

# --------------------------------------------------------------------------------------------- waiting customers


@dataclass(frozen=True)
class ResponseTargets:
    first_response: timedelta = timedelta(hours=4)  # from a new ticket to the team's first reply
    follow_up: timedelta = timedelta(hours=8)  # from a customer's message to the reply after an earlier one
    # This many customer messages without a reply make the ticket urgent; 0 turns the signal off.
    repeat_contacts: int = 3


@dataclass(frozen=True)
class Waiting:
    since: datetime | None  # the oldest customer message without a reply; None when nobody waits
    latest: datetime | None  # the newest one
    waited: timedelta
    target: timedelta  # the first-response target before any staff reply, the follow-up target after
    first_response: bool  # the team has never replied on this ticket
    overdue: bool
    repeats: int  # customer messages since the last staff reply, the first included: the 4th message is 4
    urgent: bool

    def describe(self) -> str:
        """E.g. "4th message in 13 hours, no reply yet; waiting 13 h 20 min, over the 4 h first-response target"."""
        if self.since is None or self.latest is None:
            return "answered, nobody waiting"
        parts = [contacts] if (contacts := self.contacts()) else []
        kind = "first-response" if self.first_response else "follow-up"
        if self.overdue:
            parts.append(f"waiting {_duration(self.waited)}, over the {_duration(self.target)} {kind} target")
        else:
            parts.append(f"waiting {_duration(self.waited)}, within the {_duration(self.target)} {kind} target")
        return "; ".join(parts)

    def contacts(self) -> str:
        """E.g. "4th message in 13 hours, no reply yet"; "" unless the customer wrote more than once."""
        if self.since is None or self.latest is None or self.repeats < 2:
            return ""
        reply = "no reply yet" if self.first_response else "no reply since our last"
        return f"{_ordinal(self.repeats)} message in {_span(self.latest - self.since)}, {reply}"

    @property
    def target_name(self) -> str:
        """E.g. "4 h first-response"."""
        return f"{_duration(self.target)} {'first-response' if self.first_response else 'follow-up'}"


def waiting(
    targets: ResponseTargets,
    customer_messages_since_reply: Sequence[datetime],
    last_staff_reply: datetime | None,
    opened_at: datetime,
    now: datetime,
) -> Waiting:
    """How long a ticket's customer has waited for the team, and whether that makes the ticket urgent.

    Pass every customer message since the last staff reply, the ticket's first included (`repeats` counts
    them). Before any staff reply the customer has waited since the ticket opened; after one, since their
    oldest message after it. Messages at or before the last staff reply are ignored. The clock never pauses.
    """
    messages = sorted(m for m in customer_messages_since_reply if last_staff_reply is None or m > last_staff_reply)
    first_response = last_staff_reply is None
    starts = ([opened_at] if first_response else []) + messages[:1]
    since = min(starts) if starts else None
    target = targets.first_response if first_response else targets.follow_up
    waited = now - since if since is not None else timedelta(0)
    overdue = since is not None and waited > target
    repeats = len(messages)
    return Waiting(
        since=since,
        latest=max([since, *messages]) if since is not None else None,
        waited=waited,
        target=target,
        first_response=first_response,
        overdue=overdue,
        repeats=repeats,
        urgent=overdue or (targets.repeat_contacts > 0 and repeats >= targets.repeat_contacts),
    )


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _span(length: timedelta) -> str:
    """A rough length for "in 13 hours": minutes under an hour, hours under two days, then days."""
    minutes = max(1, round(length / timedelta(minutes=1)))
    if minutes < 60:
        count, unit = minutes, "minute"
    elif minutes < 48 * 60:
        count, unit = round(minutes / 60), "hour"
    else:
        count, unit = round(minutes / (24 * 60)), "day"
    return f"{count} {unit}{'' if count == 1 else 's'}"


def _duration(length: timedelta) -> str:
    """An exact-enough length: "45 min", "5 h 10 min", "4 h", "1 d 6 h"."""
    minutes = int(length // timedelta(minutes=1))
    if minutes < 1:
        return "under a minute"
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"
