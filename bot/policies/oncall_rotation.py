"""Who is on call: a rotation of people, its handovers at a local wall-clock time, and who is next in line.

Rotation handovers happen at a local wall-clock time: people think "Monday 9:00", so a weekly rotation that
starts at 09:00 Berlin time hands over at 09:00 Berlin time all year, in summer and in winter. The shift is
added to the wall-clock time, so on a DST-change day a `12h` shift lasts 11 or 13 real hours; a handover time
the change skips or repeats follows hours.to_utc (first instant after the gap, first occurrence). With
`zone=UTC` (the default) handovers are absolute instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.policies.hours import to_utc

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
