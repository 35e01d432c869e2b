from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.policies.hours import (
    MIDNIGHT,
    BusinessHours,
    is_open,
    last_closing,
    next_opening,
    opened_at,
    parse_hours,
    to_utc,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")

# Mon 2026-11-23 .. Sun 2026-11-29 is an ordinary winter week in Berlin (CET, UTC+1).
OFFICE = parse_hours("mon-fri 09:00-17:30; sat 10:00-14:00", "Europe/Berlin", "2026-12-25, 2026-12-26")
NIGHT_SHIFT = parse_hours("fri 22:00-24:00; sat 00:00-06:00", "Europe/Berlin")
ALWAYS = parse_hours("mon-sun 00:00-24:00", "Europe/Berlin")
NEVER = parse_hours("", "Europe/Berlin")


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0, *, fold: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN, fold=fold)


def new_york(year: int, month: int, day: int, hour: int = 0, minute: int = 0, *, fold: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK, fold=fold)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# ------------------------------------------------------------------------------------------------ parsing


def test_parse_hours_reads_ranges_lists_several_spans_and_holidays():
    hours = parse_hours(
        "mon-wed 09:00-12:00, 13:00-17:00; thu,fri 8:30-16:00; sun 20:00-24:00",
        "America/New_York",
        "2026-12-25, 2026-12-26 2027-01-01",
    )
    split = ((time(9), time(12)), (time(13), time(17)))
    assert hours.zone == NEW_YORK
    assert dict(hours.weekly) == {
        0: split,
        1: split,
        2: split,
        3: ((time(8, 30), time(16)),),
        4: ((time(8, 30), time(16)),),
        6: ((time(20), MIDNIGHT),),
    }
    assert hours.holidays == {date(2026, 12, 25), date(2026, 12, 26), date(2027, 1, 1)}


@pytest.mark.parametrize(
    ("spec", "days"),
    [
        ("fri-mon 10:00-11:00", {4, 5, 6, 0}),  # a range may wrap round the weekend
        ("Monday, Wednesday 10:00-11:00", {0, 2}),  # full names, any case, spaces after commas
        ("sat 10:00-11:00; SUN 10:00-11:00", {5, 6}),
        ("mon-sun 10:00-11:00", set(range(7))),
        ("", set()),  # always closed: every urgent event goes to on-call
        (" ; ", set()),
    ],
)
def test_parse_hours_days(spec, days):
    assert set(parse_hours(spec, "UTC").weekly) == days


def test_a_day_named_twice_gets_both_groups_spans_in_order():
    hours = parse_hours("mon-fri 13:00-17:00; mon 08:00-10:00", "UTC")
    assert hours.weekly[0] == ((time(8), time(10)), (time(13), time(17)))
    assert hours.weekly[1] == ((time(13), time(17)),)


@pytest.mark.parametrize(
    ("spec", "zone", "holidays", "message"),
    [
        ("moon 09:00-17:00", "UTC", "", "unknown day 'moon'"),
        ("mon-fry 09:00-17:00", "UTC", "", "unknown day 'fry'"),
        ("mon 9-17", "UTC", "", "bad time '9'"),
        ("mon 09:00-25:00", "UTC", "", "bad time '25:00'"),
        ("mon 09:60-17:00", "UTC", "", "bad time '09:60'"),
        ("mon 24:00-24:00", "UTC", "", "24:00 can only end a span"),
        ("mon 09:00", "UTC", "", "cannot read the span '09:00'"),
        ("mon 09:00-17:00-18:00", "UTC", "", "bad time '17:00-18:00'"),
        ("mon 17:00-09:00", "UTC", "", "mon: 17:00-09:00 ends before it starts"),
        ("tue 09:00-09:00", "UTC", "", "tue: 09:00-09:00 ends before it starts"),
        ("mon 09:00-12:00,11:00-13:00", "UTC", "", "mon: 09:00-12:00 overlaps the span from 11:00"),
        ("sun 20:00-24:00,22:00-23:00", "UTC", "", "sun: 20:00-24:00 overlaps the span from 22:00"),
        ("09:00-17:00", "UTC", "", "cannot read '09:00-17:00'"),
        ("mon", "UTC", "", "cannot read 'mon'"),
        ("mon-fri 09:00-17:00", "Mars/Olympus", "", "unknown timezone 'Mars/Olympus'"),
        ("mon-fri 09:00-17:00", "", "", "unknown timezone ''"),
        ("mon-fri 09:00-17:00", "UTC", "2026-13-01", "bad holiday date '2026-13-01'"),
        ("mon-fri 09:00-17:00", "UTC", "2026-12-25, 25.12.2026", "bad holiday date '25.12.2026'"),
        ("mon-fri 09:00-17:00", "UTC", "20261225", "bad holiday date '20261225'"),
    ],
)
def test_parse_hours_says_what_is_wrong_in_one_line(spec, zone, holidays, message):
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(")) as raised:
        parse_hours(spec, zone, holidays)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("weekly", "message"),
    [
        ({7: ((time(9), time(17)),)}, "weekday 7 must be 0"),
        ({0: ((time(22), time(6)),)}, "a span cannot cross midnight"),
        ({0: ((time(9, tzinfo=UTC), time(17)),)}, "without a timezone"),
    ],
)
def test_business_hours_built_directly_are_checked_too(weekly, message):
    with pytest.raises(ValueError, match=message):
        BusinessHours(BERLIN, weekly)


def test_business_hours_are_immutable_and_sorted():
    hours = BusinessHours(BERLIN, {0: ((time(13), time(17)), (time(9), time(12))), 1: ()})
    assert dict(hours.weekly) == {0: ((time(9), time(12)), (time(13), time(17)))}
    with pytest.raises(TypeError):
        hours.weekly[2] = ()  # type: ignore[index]


# --------------------------------------------------------------------------------------- wall clock to UTC


@pytest.mark.parametrize(
    ("zone", "wall", "expected"),
    [
        (BERLIN, datetime(2026, 11, 24, 9, 0), utc(2026, 11, 24, 8, 0)),  # CET
        (BERLIN, datetime(2026, 7, 1, 9, 0), utc(2026, 7, 1, 7, 0)),  # CEST
        # Spring forward, Berlin 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00 UTC).
        (BERLIN, datetime(2026, 3, 29, 1, 59), utc(2026, 3, 29, 0, 59)),
        (BERLIN, datetime(2026, 3, 29, 2, 0), utc(2026, 3, 29, 1, 0)),
        (BERLIN, datetime(2026, 3, 29, 2, 30), utc(2026, 3, 29, 1, 0)),  # skipped: the first instant after
        (BERLIN, datetime(2026, 3, 29, 3, 0), utc(2026, 3, 29, 1, 0)),
        (BERLIN, datetime(2026, 3, 29, 3, 30), utc(2026, 3, 29, 1, 30)),
        # Fall back, Berlin 2026-10-25: 03:00 CEST goes back to 02:00 CET; 02:30 happens twice.
        (BERLIN, datetime(2026, 10, 25, 2, 30), utc(2026, 10, 25, 0, 30)),  # the first occurrence (CEST)
        (BERLIN, datetime(2026, 10, 25, 2, 30, fold=1), utc(2026, 10, 25, 0, 30)),  # fold is ignored
        (BERLIN, datetime(2026, 10, 25, 3, 0), utc(2026, 10, 25, 2, 0)),
        # New York 2026-03-08: 02:00 EST jumps to 03:00 EDT (07:00 UTC).
        (NEW_YORK, datetime(2026, 3, 8, 2, 30), utc(2026, 3, 8, 7, 0)),
        (NEW_YORK, datetime(2026, 3, 8, 3, 30), utc(2026, 3, 8, 7, 30)),
        # New York 2026-11-01: 02:00 EDT goes back to 01:00 EST; 01:30 happens twice.
        (NEW_YORK, datetime(2026, 11, 1, 1, 30), utc(2026, 11, 1, 5, 30)),
        (NEW_YORK, datetime(2026, 11, 1, 2, 30), utc(2026, 11, 1, 7, 30)),
        (UTC, datetime(2026, 3, 29, 2, 30), utc(2026, 3, 29, 2, 30)),
    ],
)
def test_to_utc(zone, wall, expected):
    assert to_utc(zone, wall) == expected


# ------------------------------------------------------------------------------------------------ is_open


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (berlin(2026, 11, 24, 9, 0), True),  # Tuesday: the opening minute is open
        (berlin(2026, 11, 24, 8, 59), False),
        (berlin(2026, 11, 24, 17, 29), True),
        (berlin(2026, 11, 24, 17, 30), False),  # closing time is closed
        (berlin(2026, 11, 24, 0, 0), False),  # midnight
        (berlin(2026, 11, 23, 23, 59), False),
        (berlin(2026, 11, 28, 10, 0), True),  # Saturday's short day
        (berlin(2026, 11, 28, 14, 0), False),
        (berlin(2026, 11, 29, 12, 0), False),  # Sunday
        (berlin(2026, 12, 25, 12, 0), False),  # Friday, a holiday
        (berlin(2026, 12, 26, 11, 0), False),  # Saturday, a holiday
        (berlin(2026, 12, 24, 12, 0), True),
        (utc(2026, 11, 24, 8, 0), True),  # 09:00 CET
        (utc(2026, 11, 24, 7, 59), False),
        (new_york(2026, 11, 24, 3, 0), True),  # any aware time works: 09:00 in Berlin
        # The same UTC time of day either side of a DST change: 07:00 UTC is 08:00 CET, then 09:00 CEST.
        (utc(2026, 3, 27, 7, 0), False),
        (utc(2026, 3, 30, 7, 0), True),
        (utc(2026, 10, 23, 15, 29), True),  # 17:29 CEST
        (utc(2026, 10, 26, 16, 29), True),  # 17:29 CET
        (utc(2026, 10, 26, 16, 30), False),
    ],
)
def test_is_open(now, expected):
    assert is_open(OFFICE, now) is expected


def test_naive_now_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        is_open(OFFICE, datetime(2026, 11, 24, 9, 0))


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (berlin(2026, 11, 27, 21, 59), False),
        (berlin(2026, 11, 27, 22, 0), True),
        (berlin(2026, 11, 27, 23, 59), True),
        (berlin(2026, 11, 28, 0, 0), True),  # midnight inside the shift
        (berlin(2026, 11, 28, 5, 59), True),
        (berlin(2026, 11, 28, 6, 0), False),
        (berlin(2026, 11, 29, 1, 0), False),  # Sunday night has no shift
    ],
)
def test_an_overnight_shift_is_two_spans(now, expected):
    assert is_open(NIGHT_SHIFT, now) is expected


# --------------------------------------------------------------------------------- next_opening, opened_at


@pytest.mark.parametrize(
    ("hours", "now", "expected"),
    [
        (OFFICE, berlin(2026, 11, 24, 10, 15), utc(2026, 11, 24, 9, 15)),  # open: now
        (OFFICE, berlin(2026, 11, 24, 7, 0), berlin(2026, 11, 24, 9, 0)),
        (OFFICE, berlin(2026, 11, 24, 17, 30), berlin(2026, 11, 25, 9, 0)),  # closing time: tomorrow
        (OFFICE, berlin(2026, 11, 24, 0, 0), berlin(2026, 11, 24, 9, 0)),  # midnight
        (OFFICE, berlin(2026, 11, 27, 18, 0), berlin(2026, 11, 28, 10, 0)),  # Friday night: Saturday
        (OFFICE, berlin(2026, 11, 28, 15, 0), berlin(2026, 11, 30, 9, 0)),  # Saturday afternoon: Monday
        (OFFICE, berlin(2026, 12, 24, 18, 0), berlin(2026, 12, 28, 9, 0)),  # Fri and Sat are holidays
        # Across DST: Monday's 09:00 is an hour earlier in UTC after spring forward, later after fall back.
        (OFFICE, berlin(2026, 3, 28, 15, 0), utc(2026, 3, 30, 7, 0)),
        (OFFICE, berlin(2026, 10, 24, 15, 0), utc(2026, 10, 26, 8, 0)),
        (NIGHT_SHIFT, berlin(2026, 11, 28, 3, 0), utc(2026, 11, 28, 2, 0)),
        (NIGHT_SHIFT, berlin(2026, 11, 28, 6, 0), berlin(2026, 12, 4, 22, 0)),
        (ALWAYS, berlin(2026, 11, 28, 3, 0), utc(2026, 11, 28, 2, 0)),
    ],
)
def test_next_opening(hours, now, expected):
    opening = next_opening(hours, now)
    assert opening == expected and opening.tzinfo is UTC


@pytest.mark.parametrize(
    ("spec", "zone", "now", "expected"),
    [
        # Spring forward: Berlin 02:30 does not exist on 2026-03-29, so Sunday opens at 03:00 CEST.
        ("sun 02:30-05:00", "Europe/Berlin", berlin(2026, 3, 28, 12, 0), utc(2026, 3, 29, 1, 0)),
        # A span wholly inside the gap does not happen that day: the next Sunday it does.
        ("sun 02:00-02:30", "Europe/Berlin", berlin(2026, 3, 28, 12, 0), utc(2026, 4, 5, 0, 0)),
        # Fall back: 02:30 happens twice on 2026-10-25; the team opens at the first.
        ("sun 02:30-04:00", "Europe/Berlin", berlin(2026, 10, 24, 12, 0), utc(2026, 10, 25, 0, 30)),
        ("sun 02:30-05:00", "America/New_York", new_york(2026, 3, 7, 12, 0), utc(2026, 3, 8, 7, 0)),
        ("sun 01:30-03:00", "America/New_York", new_york(2026, 10, 31, 12, 0), utc(2026, 11, 1, 5, 30)),
        # New York office hours either side of its changes: 09:00 EST is 14:00 UTC, 09:00 EDT 13:00 UTC.
        ("mon-fri 09:00-17:00", "America/New_York", new_york(2026, 3, 6, 18, 0), utc(2026, 3, 9, 13, 0)),
        ("mon-fri 09:00-17:00", "America/New_York", new_york(2026, 10, 30, 18, 0), utc(2026, 11, 2, 14, 0)),
    ],
)
def test_next_opening_on_dst_change_days(spec, zone, now, expected):
    assert next_opening(parse_hours(spec, zone), now) == expected


@pytest.mark.parametrize(
    ("spec", "zone", "inside", "outside"),
    [
        # Fall back in Berlin: open 02:30 CEST (00:30 UTC) to 04:00 CET (03:00 UTC), two and a half hours.
        (
            "sun 02:30-04:00",
            "Europe/Berlin",
            [utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 2, 59)],
            [utc(2026, 10, 25, 3, 0)],
        ),
        # Spring forward in New York: 01:00 EST (06:00 UTC) to 04:00 EDT (08:00 UTC), two hours.
        (
            "sun 01:00-04:00",
            "America/New_York",
            [utc(2026, 3, 8, 6, 0), utc(2026, 3, 8, 7, 59)],
            [utc(2026, 3, 8, 8, 0)],
        ),
        # Fall back in New York: 00:00 EDT (04:00 UTC) to 02:00 EST (07:00 UTC), three hours.
        (
            "sun 00:00-02:00",
            "America/New_York",
            [utc(2026, 11, 1, 4, 0), utc(2026, 11, 1, 6, 59)],
            [utc(2026, 11, 1, 7, 0)],
        ),
    ],
)
def test_spans_on_dst_change_days_last_the_real_time_between_their_ends(spec, zone, inside, outside):
    hours = parse_hours(spec, zone)
    assert all(is_open(hours, now) for now in inside)
    assert not any(is_open(hours, now) for now in outside)


def test_a_schedule_with_no_opening_within_a_year_raises():
    with pytest.raises(ValueError, match="no opening in the next 366 days"):
        next_opening(NEVER, utc(2026, 11, 24, 12, 0))


@pytest.mark.parametrize(
    ("hours", "now", "expected"),
    [
        (OFFICE, berlin(2026, 11, 24, 12, 0), utc(2026, 11, 24, 8, 0)),
        (OFFICE, berlin(2026, 11, 24, 18, 0), None),
        (NIGHT_SHIFT, berlin(2026, 11, 28, 3, 0), berlin(2026, 11, 27, 22, 0)),  # began the evening before
        (
            parse_hours("mon-fri 09:00-12:00,13:00-17:00", "Europe/Berlin"),
            berlin(2026, 11, 24, 14, 0),
            berlin(2026, 11, 24, 13, 0),
        ),
    ],
)
def test_opened_at(hours, now, expected):
    assert opened_at(hours, now) == expected


# ---------------------------------------------------------------------------------------------- last_closing


@pytest.mark.parametrize(
    ("hours", "now", "expected"),
    [
        (OFFICE, berlin(2026, 11, 30, 8, 0), berlin(2026, 11, 28, 14, 0)),  # Monday morning: Saturday
        (OFFICE, berlin(2026, 11, 24, 10, 0), berlin(2026, 11, 23, 17, 30)),  # open: the evening before
        (OFFICE, berlin(2026, 11, 24, 17, 30), berlin(2026, 11, 24, 17, 30)),  # the closing minute
        (OFFICE, berlin(2026, 11, 24, 0, 0), berlin(2026, 11, 23, 17, 30)),  # midnight
        (OFFICE, berlin(2026, 12, 28, 9, 30), berlin(2026, 12, 24, 17, 30)),  # after the Christmas holidays
        (OFFICE, berlin(2026, 3, 30, 9, 30), utc(2026, 3, 28, 13, 0)),  # Saturday 14:00 CET, before the change
        # The night shift ends at 06:00 on Saturday, not at midnight in between.
        (NIGHT_SHIFT, berlin(2026, 11, 28, 3, 0), berlin(2026, 11, 21, 6, 0)),
        (NIGHT_SHIFT, berlin(2026, 11, 28, 7, 0), berlin(2026, 11, 28, 6, 0)),
        (ALWAYS, berlin(2026, 11, 28, 7, 0), None),
        (NEVER, berlin(2026, 11, 28, 7, 0), None),
    ],
)
def test_last_closing(hours, now, expected):
    assert last_closing(hours, now) == expected


def test_a_holiday_closes_its_half_of_a_night_shift():
    hours = parse_hours("fri 22:00-24:00; sat 00:00-06:00", "Europe/Berlin", "2026-11-28")
    assert is_open(hours, berlin(2026, 11, 27, 23, 0))
    assert not is_open(hours, berlin(2026, 11, 28, 1, 0))
    assert last_closing(hours, berlin(2026, 11, 28, 1, 0)) == berlin(2026, 11, 28, 0, 0)
