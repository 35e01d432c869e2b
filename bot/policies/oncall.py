"""After hours: who is on call, what is urgent, when to escalate, when to remind, when the morning digest goes.

Rotation handovers happen at a local wall-clock time: people think "Monday 9:00", so a weekly rotation that
starts at 09:00 Berlin time hands over at 09:00 Berlin time all year, in summer and in winter. The shift is
added to the wall-clock time, so on a DST-change day a `12h` shift lasts 11 or 13 real hours; a handover time
the change skips or repeats follows hours.to_utc (first instant after the gap, first occurrence). With
`zone=UTC` (the default) handovers are absolute instead.

Waiting customers wait at night too: the first-response and follow-up clocks run around the clock, and business
hours only decide who hears about it (the on-call person at night, the channel by day).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.policies.hours import BusinessHours, last_closing, opened_at, to_utc

# ---------------------------------------------------------------------------------------------------- rotation

_USER_ID = re.compile(r"[UW][A-Z0-9]+")
_SHIFT_PART = re.compile(r"(\d+)\s*([wdhm])")
_SHIFT_UNITS = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}


@dataclass(frozen=True)
class Rotation:
    """People on call in turn: person 0 from `starts`, person 1 one `shift` later, and round again.

    Handovers fall at `starts`' wall-clock time in `zone` (see the module docstring). `overrides` are
    `(from, until, user id)` swaps, half-open, that win over the rotation; when two cover the same instant the
    one listed last wins. Before `starts` only overrides put anyone on call.
    """

    people: tuple[str, ...]
    starts: datetime
    shift: timedelta = timedelta(days=7)
    overrides: tuple[tuple[datetime, datetime, str], ...] = ()
    zone: tzinfo = UTC

    def __post_init__(self) -> None:
        if self.starts.utcoffset() is None:
            raise ValueError("the rotation start must be timezone-aware")
        if self.shift <= timedelta(0):
            raise ValueError("a rotation shift must be longer than zero")
        if len(set(self.people)) != len(self.people):
            raise ValueError("each person may appear only once in the rotation")
        for since, until, _person in self.overrides:
            if since.utcoffset() is None or until.utcoffset() is None:
                raise ValueError("on-call override times must be timezone-aware")
            if until <= since:
                raise ValueError("an on-call override must end after it starts")


def parse_rotation(people: str, starts: str, shift: str = "7d", zone: str = "UTC") -> Rotation:
    """A rotation from settings text: `"U1,U2,U3"`, `"2026-11-23T09:00"` (or with an offset), `"7d"`.

    `zone` is the team's timezone (an IANA name): a start without an offset is read in it, and handovers keep
    the start's wall-clock time in it. Shifts are whole weeks, days, hours or minutes: `1w`, `7d`, `12h`,
    `1d12h`. Raises ValueError with a one-line message saying what is wrong.
    """
    ids = tuple(part.strip() for part in people.split(",") if part.strip())
    if not ids:
        raise ValueError("the on-call rotation needs at least one Slack user id, e.g. 'U012AB3CD,U045EF6GH'")
    for person in ids:
        if not _USER_ID.fullmatch(person):
            raise ValueError(f"{person!r} is not a Slack user id (they look like U012AB3CD)")
        if ids.count(person) > 1:
            raise ValueError(f"{person} is listed twice in the on-call rotation")
    try:
        team_zone = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {zone!r}: use an IANA name such as Europe/Berlin") from None
    try:
        start = datetime.fromisoformat(starts.strip())
    except ValueError:
        raise ValueError(
            f"bad rotation start {starts!r}: use ISO 8601, e.g. 2026-11-23T09:00 or 2026-11-23T09:00+01:00"
        ) from None
    start = to_utc(team_zone, start) if start.tzinfo is None else start.astimezone(UTC)
    return Rotation(people=ids, starts=start, shift=_parse_shift(shift), zone=team_zone)


def on_call(rotation: Rotation, now: datetime) -> str | None:
    """Who is on call at `now`: an override covering it, else the rotation; None before it starts or if empty."""
    for since, until, person in reversed(rotation.overrides):
        if since <= now < until:
            return person
    return _scheduled(rotation, now)


def next_in_line(rotation: Rotation, now: datetime, after: str) -> str | None:
    """Who to page when `after` does not answer: the next person in the rotation's order.

    For someone outside the order (an override stand-in) that is whoever the rotation has on call at `now`.
    None when nobody else is in the rotation.
    """
    people = rotation.people
    candidate: str | None
    if after in people:
        candidate = people[(people.index(after) + 1) % len(people)]
    else:
        candidate = _scheduled(rotation, now) or (people[0] if people else None)
    return candidate if candidate != after else None


def handover(rotation: Rotation, number: int) -> datetime:
    """The instant shift `number` begins (0 is `starts`), in UTC."""
    base = rotation.starts.astimezone(rotation.zone).replace(tzinfo=None)
    return to_utc(rotation.zone, base + number * rotation.shift)


def next_shift(rotation: Rotation, person: str, now: datetime) -> datetime | None:
    """When `person`'s next scheduled shift begins after `now` (overrides aside); None if not in the rotation."""
    if person not in rotation.people or not rotation.people:
        return None
    number = 0
    if now >= rotation.starts:
        base = rotation.starts.astimezone(rotation.zone).replace(tzinfo=None)
        number = max((now.astimezone(rotation.zone).replace(tzinfo=None) - base) // rotation.shift - 1, 0)
    while handover(rotation, number) <= now or rotation.people[number % len(rotation.people)] != person:
        number += 1
    return handover(rotation, number)


def _scheduled(rotation: Rotation, now: datetime) -> str | None:
    if not rotation.people or now < rotation.starts:
        return None
    base = rotation.starts.astimezone(rotation.zone).replace(tzinfo=None)
    number = (now.astimezone(rotation.zone).replace(tzinfo=None) - base) // rotation.shift
    # The wall-clock estimate can be one off around a DST change: settle it against the real handovers.
    while handover(rotation, number + 1) <= now:
        number += 1
    while number > 0 and handover(rotation, number) > now:
        number -= 1
    return rotation.people[number % len(rotation.people)]


def _parse_shift(text: str) -> timedelta:
    compact = text.strip().lower()
    parts = _SHIFT_PART.findall(compact)
    total = sum((int(count) * _SHIFT_UNITS[unit] for count, unit in parts), timedelta(0))
    if not parts or re.sub(r"\s+", "", compact) != "".join(count + unit for count, unit in parts) or not total:
        raise ValueError(f"bad rotation shift {text!r}: use e.g. 7d, 1w, 12h or 1d12h")
    return total


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


# ---------------------------------------------------------------------------------------------- morning digest


def digest_due(hours: BusinessHours, last_digest_at: datetime | None, now: datetime) -> datetime | None:
    """The start of the current open period, when the team is on duty and no digest went out since it last
    went off duty; None otherwise. Every opening after a break counts, a lunch break included."""
    opening = opened_at(hours, now)
    closing = last_closing(hours, now)
    if opening is None or closing is None:
        return None
    if last_digest_at is not None and last_digest_at >= closing:
        return None
    return opening


def night_window(hours: BusinessHours, now: datetime) -> tuple[datetime, datetime]:
    """What the digest covers: from when the team last went off duty to `now` (empty if it never did)."""
    now = now.astimezone(UTC)
    return (last_closing(hours, now) or now, now)
