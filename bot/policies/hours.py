"""Business hours: when the team is on duty, in its own timezone, with holidays.

A schedule is a week of opening spans in local wall-clock time. A span never crosses midnight: it ends within
its own day or exactly at its end (`24:00`, stored as `time(0, 0)`), so a night shift is two spans, e.g.
`fri 22:00-24:00; sat 00:00-06:00`. Spans that touch, across midnight too, make one open period: that team goes
off duty at 06:00 on Saturday, not at midnight. A holiday closes its local date all day, the early-morning half
of a night shift included.

Instants in are aware datetimes (any zone); instants out are in UTC. Wall-clock times become instants through
zoneinfo with one rule, which also settles DST: a local time means the earliest instant whose local reading is
at or after it. A time skipped by a spring-forward change (02:30 in Berlin on 2026-03-29) is therefore the
first instant after the gap (03:00 CEST), and a time repeated by a fall-back change is its first occurrence
(fold=0).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Span = tuple[time, time]

MIDNIGHT = time(0, 0)  # as the end of a span: 24:00, the end of its day
# How far the search for an opening (or a closing) looks before it gives up: a year and a day.
SEARCH_DAYS = 366

_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAYS = {
    **{name: number for number, name in enumerate(_DAY_NAMES)},
    **{name: number for number, name in enumerate(("monday", "tuesday", "wednesday", "thursday"))},
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
_GROUP = re.compile(r"(?P<days>[A-Za-z][A-Za-z,\-\s]*?)\s+(?P<spans>\d.*)")
_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class BusinessHours:
    """When the team is on duty. `weekly` maps a weekday (0 = Monday) to its opening spans in local time."""

    zone: ZoneInfo
    weekly: Mapping[int, tuple[Span, ...]]
    holidays: frozenset[date] = frozenset()  # local dates, closed all day

    def __post_init__(self) -> None:
        for day, spans in self.weekly.items():
            if day not in range(7):
                raise ValueError(f"weekday {day!r} must be 0 (Monday) to 6 (Sunday)")
            _check_day(_DAY_NAMES[day], spans)
        tidy = {day: tuple(sorted(spans)) for day, spans in sorted(self.weekly.items()) if spans}
        object.__setattr__(self, "weekly", MappingProxyType(tidy))
        object.__setattr__(self, "holidays", frozenset(self.holidays))


def parse_hours(spec: str, zone: str, holidays: str = "") -> BusinessHours:
    """Business hours from settings text, e.g. `"mon-fri 09:00-12:00,13:00-17:30; sat 10:00-14:00"`.

    Groups are separated by `;`. Days are mon..sun (or full names), as ranges (`mon-fri`, `fri-mon` wraps
    round the weekend) or lists (`mon,wed`); several spans a day are separated by `,`; `24:00` may end a span.
    A day named twice gets the spans of both groups; days never named are closed. Holidays are local dates,
    `"2026-12-25, 2026-12-26"`. Raises ValueError with a one-line message saying what is wrong.
    """
    weekly: dict[int, list[Span]] = {}
    for group in (part.strip() for part in spec.split(";")):
        if not group:
            continue
        match = _GROUP.fullmatch(group)
        if not match:
            raise ValueError(f"cannot read {group!r}: write days then hours, like 'mon-fri 09:00-17:00'")
        spans = [_parse_span(text) for text in re.sub(r"\s+", "", match["spans"]).split(",")]
        for day in _parse_days(re.sub(r"\s+", "", match["days"])):
            weekly.setdefault(day, []).extend(spans)
    return BusinessHours(
        zone=_parse_zone(zone),
        weekly={day: tuple(spans) for day, spans in weekly.items()},
        holidays=_parse_holidays(holidays),
    )


def to_utc(zone: tzinfo, wall: datetime) -> datetime:
    """The earliest instant whose reading in `zone` is at or after the naive local time `wall`, in UTC.

    An existing time is itself (the first occurrence when a fall-back change repeats it); a time skipped by a
    spring-forward change is the change itself, the first instant after the gap.
    """
    wall = wall.replace(tzinfo=None)
    first = wall.replace(tzinfo=zone, fold=0)
    if _reading(first.astimezone(UTC), zone) == wall:
        return first.astimezone(UTC)
    # In a gap the two folds straddle the change (they use the offsets before and after it): find it.
    bounds = sorted((first.astimezone(UTC), wall.replace(tzinfo=zone, fold=1).astimezone(UTC)))
    low, high = 0, int((bounds[1] - bounds[0]).total_seconds())
    while high - low > 1:
        middle = (low + high) // 2
        if _reading(bounds[0] + timedelta(seconds=middle), zone) >= wall:
            high = middle
        else:
            low = middle
    return bounds[0] + timedelta(seconds=high)


def is_open(hours: BusinessHours, now: datetime) -> bool:
    today = _local_date(hours, now)
    return any(
        opens <= now < closes for day in (-1, 0, 1) for opens, closes in _day_periods(hours, today + timedelta(day))
    )


def opened_at(hours: BusinessHours, now: datetime) -> datetime | None:
    """When the current open period began (spans that touch count as one), or None when closed now."""
    for opens, closes in _periods(hours, now, backwards=True):
        if opens <= now:
            return opens if now < closes else None
    return None


def next_opening(hours: BusinessHours, now: datetime) -> datetime:
    """`now` when open; otherwise the next instant the team comes on duty, skipping holidays.

    Raises ValueError when there is none within SEARCH_DAYS (an empty week, or a year of holidays).
    """
    for opens, closes in _periods(hours, now):
        if now < closes:
            return max(opens, now.astimezone(UTC))
    raise ValueError(f"the business hours have no opening in the next {SEARCH_DAYS} days")


def last_closing(hours: BusinessHours, now: datetime) -> datetime | None:
    """When the team last went off duty at or before `now`: when open, the closing before this period began.

    None when it has not closed within SEARCH_DAYS (an empty week, or a team that never closes).
    """
    for _opens, closes in _periods(hours, now, backwards=True):
        if closes <= now:
            return closes
    return None


def _check_day(name: str, spans: tuple[Span, ...]) -> None:
    for start, end in spans:
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError(f"{name}: opening times are local wall-clock times, without a timezone")
        if end != MIDNIGHT and end <= start:
            raise ValueError(
                f"{name}: {_hhmm(start)}-{_hhmm(end, end=True)} ends before it starts; a span cannot cross "
                f"midnight, so split a night shift in two, e.g. 'fri 22:00-24:00; sat 00:00-06:00'"
            )
    ordered = sorted(spans)
    for (start, end), (later, _) in itertools.pairwise(ordered):
        if end == MIDNIGHT or later < end:
            raise ValueError(f"{name}: {_hhmm(start)}-{_hhmm(end, end=True)} overlaps the span from {_hhmm(later)}")


def _parse_days(text: str) -> list[int]:
    days: list[int] = []
    for item in text.lower().split(","):
        first, dash, last = item.partition("-")
        start = _day_number(first)
        stop = _day_number(last) if dash else start
        days.extend((start + step) % 7 for step in range((stop - start) % 7 + 1))
    return days


def _day_number(name: str) -> int:
    if name not in _DAYS:
        raise ValueError(f"unknown day {name!r}: use mon, tue, wed, thu, fri, sat or sun")
    return _DAYS[name]


def _parse_span(text: str) -> Span:
    start, dash, end = text.partition("-")
    if not dash or not start or not end:
        raise ValueError(f"cannot read the span {text!r}: write it as HH:MM-HH:MM, e.g. 09:00-17:30")
    return _parse_time(start, end=False), _parse_time(end, end=True)


def _parse_time(text: str, *, end: bool) -> time:
    match = _TIME.fullmatch(text)
    hour, minute = (int(match[1]), int(match[2])) if match else (-1, -1)
    if (hour, minute) == (24, 0):
        if not end:
            raise ValueError("24:00 can only end a span; a day starts at 00:00")
        return MIDNIGHT
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ValueError(f"bad time {text!r}: use 24-hour HH:MM, e.g. 09:00 or 17:30 (24:00 to end at midnight)")
    return time(hour, minute)


def _parse_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {name!r}: use an IANA name such as Europe/Berlin") from None


def _parse_holidays(text: str) -> frozenset[date]:
    days = set()
    for item in re.split(r"[\s,;]+", text.strip()):
        if not item:
            continue
        try:
            if not _DATE.fullmatch(item):
                raise ValueError
            days.add(date.fromisoformat(item))
        except ValueError:
            raise ValueError(f"bad holiday date {item!r}: use YYYY-MM-DD, e.g. 2026-12-25") from None
    return frozenset(days)


def _hhmm(moment: time, *, end: bool = False) -> str:
    return "24:00" if end and moment == MIDNIGHT else moment.strftime("%H:%M")


def _reading(instant: datetime, zone: tzinfo) -> datetime:
    """What a wall clock in `zone` shows at `instant`, as a naive datetime."""
    return instant.astimezone(zone).replace(tzinfo=None)


def _local_date(hours: BusinessHours, now: datetime) -> date:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("`now` must be timezone-aware")
    return now.astimezone(hours.zone).date()


def _day_periods(hours: BusinessHours, day: date) -> list[tuple[datetime, datetime]]:
    """The open periods of one local date, in UTC; empty on holidays."""
    if day in hours.holidays:
        return []
    periods = []
    for start, end in hours.weekly.get(day.weekday(), ()):
        opens = to_utc(hours.zone, datetime.combine(day, start))
        closes = to_utc(hours.zone, datetime.combine(day + timedelta(1) if end == MIDNIGHT else day, end))
        if opens < closes:  # a span wholly inside a spring-forward gap does not happen that day
            periods.append((opens, closes))
    return periods


def _periods(hours: BusinessHours, now: datetime, *, backwards: bool = False) -> Iterator[tuple[datetime, datetime]]:
    """Open periods from a day before `now` onwards (or a day after it backwards), touching spans merged.

    A period still open at the far end of the search (SEARCH_DAYS away) is cut there.
    """
    today = _local_date(hours, now)
    step = -1 if backwards else 1
    pending: tuple[datetime, datetime] | None = None
    for offset in range(SEARCH_DAYS + 3):
        periods = _day_periods(hours, today + timedelta(days=step * (offset - 1)))
        for opens, closes in reversed(periods) if backwards else periods:
            if pending is None:
                pending = (opens, closes)
            elif not backwards and opens <= pending[1]:
                pending = (pending[0], max(pending[1], closes))
            elif backwards and closes >= pending[0]:
                pending = (min(pending[0], opens), pending[1])
            else:
                yield pending
                pending = (opens, closes)
    if pending is not None:
        yield pending
