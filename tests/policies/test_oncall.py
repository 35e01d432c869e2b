from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.policies.hours import is_open, parse_hours
from bot.policies.oncall_deadlines import (
    DEADLINE_REMINDERS,
    Reminder,
    ReminderLevel,
    deadline_reminders,
    next_reminder,
    reminder_due,
)
from bot.policies.oncall_digest import digest_due, night_window
from bot.policies.oncall_escalation import (
    URGENT_MARKER,
    AlertKind,
    EscalationPolicy,
    EscalationStep,
    Routing,
    Urgency,
    classify_alert,
    due_steps,
    escalation_plan,
    next_due,
    route,
)
from bot.policies.oncall_rotation import Rotation, handover, next_in_line, on_call, parse_rotation
from bot.policies.oncall_waiting import ResponseTargets, waiting

BERLIN = ZoneInfo("Europe/Berlin")
MIN, HOUR = timedelta(minutes=1), timedelta(hours=1)


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# A weekly rotation handing over at 09:00 Berlin time on Mondays, from Monday 2026-03-23 (CET) through the
# spring-forward change on Sunday 2026-03-29: the second handover is at 09:00 CEST, 07:00 UTC.
SPRING = parse_rotation("U1,U2,U3", "2026-03-23T09:00", "7d", "Europe/Berlin")
# From Monday 2026-10-19 (CEST) through the fall-back change on Sunday 2026-10-25.
AUTUMN = parse_rotation("U1,U2", "2026-10-19T09:00+02:00", "7d", "Europe/Berlin")
# Day and night shifts in New York across 2026-03-08 (spring forward) and 2026-11-01 (fall back).
NY_SPRING = parse_rotation("UDAY,UNIGHT", "2026-03-07T09:00", "12h", "America/New_York")
NY_AUTUMN = parse_rotation("UDAY,UNIGHT", "2026-10-31T09:00", "12h", "America/New_York")
# An ordinary winter week, Monday 2026-11-23 09:00 CET.
WEEKLY = parse_rotation("U1,U2,U3", "2026-11-23T09:00", "7d", "Europe/Berlin")


# -------------------------------------------------------------------------------------------------- rotation


def test_parse_rotation_reads_settings_text():
    rotation = parse_rotation(" U1, U2 ,U3 ", "2026-11-23T09:00+01:00", "7d", "Europe/Berlin")
    assert rotation == Rotation(("U1", "U2", "U3"), utc(2026, 11, 23, 8, 0), timedelta(days=7), (), BERLIN)
    # Without an offset the start is read in the team's zone; with one, it is that instant.
    assert parse_rotation("U1", "2026-11-23T09:00", "7d", "Europe/Berlin").starts == utc(2026, 11, 23, 8, 0)
    assert parse_rotation("U1", "2026-11-23T09:00Z", "7d", "Europe/Berlin").starts == utc(2026, 11, 23, 9, 0)
    assert parse_rotation("U1", "2026-11-23T09:00", "7d").zone == ZoneInfo("UTC")


@pytest.mark.parametrize(
    ("shift", "expected"),
    [
        ("7d", timedelta(days=7)),
        ("1w", timedelta(days=7)),
        ("12h", timedelta(hours=12)),
        ("1d", timedelta(days=1)),
        ("1d12h", timedelta(hours=36)),
        (" 90 m ", timedelta(minutes=90)),
        ("2D", timedelta(days=2)),
    ],
)
def test_parse_rotation_shift(shift, expected):
    assert parse_rotation("U1", "2026-11-23T09:00+01:00", shift).shift == expected


@pytest.mark.parametrize(
    ("people", "starts", "shift", "zone", "message"),
    [
        ("", "2026-11-23T09:00", "7d", "UTC", "the on-call rotation needs at least one Slack user id"),
        (" , ", "2026-11-23T09:00", "7d", "UTC", "the on-call rotation needs at least one Slack user id"),
        ("U1,bob", "2026-11-23T09:00", "7d", "UTC", "'bob' is not a Slack user id"),
        ("U1,U2,U1", "2026-11-23T09:00", "7d", "UTC", "U1 is listed twice"),
        ("U1", "next monday", "7d", "UTC", "bad rotation start 'next monday'"),
        ("U1", "2026-11-23T09:00", "7x", "UTC", "bad rotation shift '7x'"),
        ("U1", "2026-11-23T09:00", "0d", "UTC", "bad rotation shift '0d'"),
        ("U1", "2026-11-23T09:00", "d7", "UTC", "bad rotation shift 'd7'"),
        ("U1", "2026-11-23T09:00", "", "UTC", "bad rotation shift ''"),
        ("U1", "2026-11-23T09:00", "7d", "Mars/Olympus", "unknown timezone 'Mars/Olympus'"),
    ],
)
def test_parse_rotation_says_what_is_wrong_in_one_line(people, starts, shift, zone, message):
    with pytest.raises(ValueError, match="^" + message) as raised:
        parse_rotation(people, starts, shift, zone)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"starts": datetime(2026, 11, 23, 9, 0)}, "timezone-aware"),
        ({"shift": timedelta(0)}, "longer than zero"),
        ({"people": ("U1", "U1")}, "only once"),
        ({"overrides": ((utc(2026, 11, 24), utc(2026, 11, 24), "U9"),)}, "end after it starts"),
        ({"overrides": ((datetime(2026, 11, 24), utc(2026, 11, 25), "U9"),)}, "timezone-aware"),
    ],
)
def test_rotation_checks_itself(changes, message):
    fields = {"people": ("U1", "U2"), "starts": utc(2026, 11, 23, 8, 0)} | changes
    with pytest.raises(ValueError, match=message):
        Rotation(**fields)


@pytest.mark.parametrize(
    ("rotation", "now", "expected"),
    [
        (SPRING, utc(2026, 3, 23, 7, 59), None),  # before the rotation starts
        (SPRING, utc(2026, 3, 23, 8, 0), "U1"),  # 09:00 CET
        (SPRING, utc(2026, 3, 29, 1, 30), "U1"),  # during the change, Sunday 03:30 CEST
        (SPRING, utc(2026, 3, 30, 6, 59), "U1"),
        (SPRING, utc(2026, 3, 30, 7, 0), "U2"),  # 09:00 CEST, not 09:00 CET (08:00 UTC)
        (SPRING, utc(2026, 4, 6, 7, 0), "U3"),
        (SPRING, utc(2026, 4, 13, 6, 59), "U3"),
        (SPRING, utc(2026, 4, 13, 7, 0), "U1"),  # round again
        (AUTUMN, utc(2026, 10, 26, 7, 30), "U1"),  # 08:30 CET: not yet
        (AUTUMN, utc(2026, 10, 26, 8, 0), "U2"),  # 09:00 CET
        (AUTUMN, utc(2026, 11, 2, 8, 0), "U1"),
        # The night shift across spring forward lasts 11 hours: 21:00 EST to 09:00 EDT.
        (NY_SPRING, utc(2026, 3, 8, 1, 59), "UDAY"),
        (NY_SPRING, utc(2026, 3, 8, 2, 0), "UNIGHT"),  # 21:00 EST
        (NY_SPRING, utc(2026, 3, 8, 12, 59), "UNIGHT"),
        (NY_SPRING, utc(2026, 3, 8, 13, 0), "UDAY"),  # 09:00 EDT
        # ...and 13 hours across fall back: 21:00 EDT to 09:00 EST.
        (NY_AUTUMN, utc(2026, 11, 1, 1, 0), "UNIGHT"),  # 21:00 EDT
        (NY_AUTUMN, utc(2026, 11, 1, 13, 59), "UNIGHT"),  # 08:59 EST
        (NY_AUTUMN, utc(2026, 11, 1, 14, 0), "UDAY"),
        (Rotation((), utc(2026, 11, 23)), utc(2026, 11, 24), None),
    ],
)
def test_on_call_hands_over_at_local_time_across_dst(rotation, now, expected):
    assert on_call(rotation, now) == expected


def test_a_rotation_in_utc_hands_over_in_absolute_time():
    absolute = parse_rotation("U1,U2,U3", "2026-03-23T09:00+01:00", "7d")
    assert handover(absolute, 1) == utc(2026, 3, 30, 8, 0)  # 10:00 CEST: an hour later on the clock
    assert on_call(absolute, utc(2026, 3, 30, 7, 30)) == "U1"
    assert on_call(SPRING, utc(2026, 3, 30, 7, 30)) == "U2"


@pytest.mark.parametrize(
    ("rotation", "number", "expected"),
    [
        (SPRING, 0, utc(2026, 3, 23, 8, 0)),
        (SPRING, 1, utc(2026, 3, 30, 7, 0)),
        (NY_SPRING, 2, utc(2026, 3, 8, 13, 0)),
        (NY_AUTUMN, 1, utc(2026, 11, 1, 1, 0)),
        (NY_AUTUMN, 2, utc(2026, 11, 1, 14, 0)),
        # A daily handover at 02:30: skipped on 2026-03-29 (03:00 CEST instead), repeated on 2026-10-25 (first).
        (parse_rotation("U1", "2026-03-27T02:30", "1d", "Europe/Berlin"), 2, utc(2026, 3, 29, 1, 0)),
        (parse_rotation("U1", "2026-03-27T02:30", "1d", "Europe/Berlin"), 3, utc(2026, 3, 30, 0, 30)),
        (parse_rotation("U1", "2026-10-24T02:30", "1d", "Europe/Berlin"), 1, utc(2026, 10, 25, 0, 30)),
        (parse_rotation("U1", "2026-10-24T02:30", "1d", "Europe/Berlin"), 2, utc(2026, 10, 26, 1, 30)),
    ],
)
def test_handover(rotation, number, expected):
    assert handover(rotation, number) == expected


SWAPPED = Rotation(
    people=("U1", "U2", "U3"),
    starts=utc(2026, 11, 23, 8, 0),
    zone=BERLIN,
    overrides=(
        (utc(2026, 11, 24, 18, 0), utc(2026, 11, 25, 6, 0), "U9"),  # U9 covers Tuesday night
        (utc(2026, 11, 24, 20, 0), utc(2026, 11, 24, 22, 0), "U8"),  # ...and U8 two hours of it: listed last, wins
        (utc(2026, 11, 20, 0, 0), utc(2026, 11, 21, 0, 0), "U7"),  # before the rotation starts
    ),
)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (utc(2026, 11, 24, 17, 59), "U1"),
        (utc(2026, 11, 24, 18, 0), "U9"),
        (utc(2026, 11, 24, 20, 0), "U8"),
        (utc(2026, 11, 24, 22, 0), "U9"),
        (utc(2026, 11, 25, 5, 59), "U9"),
        (utc(2026, 11, 25, 6, 0), "U1"),  # overrides end when they say
        (utc(2026, 11, 20, 12, 0), "U7"),
        (utc(2026, 11, 21, 12, 0), None),
    ],
)
def test_overrides_win_over_the_rotation(now, expected):
    assert on_call(SWAPPED, now) == expected


@pytest.mark.parametrize(
    ("rotation", "after", "expected"),
    [
        (WEEKLY, "U1", "U2"),
        (WEEKLY, "U2", "U3"),
        (WEEKLY, "U3", "U1"),  # round again
        (WEEKLY, "U9", "U2"),  # a stand-in is followed by whoever the rotation has on call (week 2: U2)
        (parse_rotation("U1", "2026-11-23T09:00", "7d"), "U1", None),  # nobody else
        (parse_rotation("U1", "2026-11-23T09:00", "7d"), "U9", "U1"),
        (parse_rotation("U1", "2026-12-23T09:00", "7d"), "U9", "U1"),  # not started: the first in order
        (Rotation((), utc(2026, 11, 23)), "U9", None),
    ],
)
def test_next_in_line(rotation, after, expected):
    assert next_in_line(rotation, utc(2026, 12, 1, 12, 0), after) == expected


# --------------------------------------------------------------------------------------------------- routing

MARKED = Routing(to_channel=True, to_oncall=False, marker=URGENT_MARKER)
PAGED = Routing(to_channel=True, to_oncall=True, marker="")
QUIET = Routing(to_channel=True, to_oncall=False, marker="")


@pytest.mark.parametrize(
    ("kind", "by_day", "at_night"),
    [
        (AlertKind.DISPUTE_OPENED, MARKED, PAGED),
        (AlertKind.DISPUTE_DEADLINE, MARKED, PAGED),
        (AlertKind.ABUSE, MARKED, PAGED),
        (AlertKind.THREAT, MARKED, PAGED),
        (AlertKind.BIG_REFUND_REQUEST, MARKED, PAGED),
        (AlertKind.CUSTOMER_WAITING, MARKED, PAGED),
        (AlertKind.SALE, QUIET, QUIET),  # no mention, no page, day or night
        (AlertKind.TICKET, QUIET, QUIET),
    ],
)
def test_route(kind, by_day, at_night):
    assert route(kind, open_now=True) == by_day
    assert route(kind, open_now=False) == at_night
    expected = Urgency.ROUTINE if by_day == QUIET else Urgency.URGENT
    assert classify_alert(kind) is expected


def test_urgent_is_marked_clearly():
    assert URGENT_MARKER == "🚨 Urgent"


# ------------------------------------------------------------------------------------------------ escalation

T = utc(2026, 11, 28, 2, 0)  # Saturday night; U1 is on call in WEEKLY
POLICY = EscalationPolicy()


def steps(*rows: tuple[timedelta, tuple[str, ...], str]) -> tuple[EscalationStep, ...]:
    return tuple(EscalationStep(T + after, mention, label) for after, mention, label in rows)


@pytest.mark.parametrize(
    ("policy", "rotation", "owners", "first", "expected"),
    [
        (
            POLICY,
            WEEKLY,
            ("UBOSS",),
            None,
            steps(
                (0 * MIN, ("U1",), "on-call"),
                (15 * MIN, ("U2",), "next in line"),
                (30 * MIN, ("UBOSS",), "owners"),
            ),
        ),
        (
            EscalationPolicy(ack_within=5 * MIN, then_owners_after=2),
            WEEKLY,
            ("UBOSS", "UCEO"),
            None,
            steps(
                (0 * MIN, ("U1",), "on-call"),
                (5 * MIN, ("U2",), "next in line"),
                (10 * MIN, ("U3",), "next in line"),
                (15 * MIN, ("UBOSS", "UCEO"), "owners"),
            ),
        ),
        (  # never round to the first again
            EscalationPolicy(then_owners_after=5),
            WEEKLY,
            ("UBOSS",),
            None,
            steps(
                (0 * MIN, ("U1",), "on-call"),
                (15 * MIN, ("U2",), "next in line"),
                (30 * MIN, ("U3",), "next in line"),
                (45 * MIN, ("UBOSS",), "owners"),
            ),
        ),
        (
            EscalationPolicy(then_owners_after=0),
            WEEKLY,
            ("UBOSS",),
            None,
            steps((0 * MIN, ("U1",), "on-call"), (15 * MIN, ("UBOSS",), "owners")),
        ),
        (  # one person on the rotation: straight to the owners after them
            POLICY,
            parse_rotation("U1", "2026-11-23T09:00", "7d"),
            ("UBOSS",),
            None,
            steps((0 * MIN, ("U1",), "on-call"), (15 * MIN, ("UBOSS",), "owners")),
        ),
        (  # a stand-in first, then whoever the rotation has on call
            POLICY,
            WEEKLY,
            ("UBOSS",),
            "U9",
            steps(
                (0 * MIN, ("U9",), "on-call"),
                (15 * MIN, ("U1",), "next in line"),
                (30 * MIN, ("UBOSS",), "owners"),
            ),
        ),
        (  # nobody on call: the owners at once, each named once
            POLICY,
            parse_rotation("U1,U2", "2026-12-07T09:00", "7d"),
            ("UBOSS", "UCEO", "UBOSS"),
            None,
            steps((0 * MIN, ("UBOSS", "UCEO"), "owners")),
        ),
        (  # no owners configured: the plan ends with the rotation
            POLICY,
            WEEKLY,
            (),
            None,
            steps((0 * MIN, ("U1",), "on-call"), (15 * MIN, ("U2",), "next in line")),
        ),
        (POLICY, Rotation((), T), (), None, ()),
    ],
)
def test_escalation_plan(policy, rotation, owners, first, expected):
    assert escalation_plan(policy, rotation, owners, T, first) == expected


PLAN = escalation_plan(POLICY, WEEKLY, ("UBOSS",), T)


@pytest.mark.parametrize(
    ("now", "acked_at", "labels", "then"),
    [
        (T, None, ["on-call"], T + 15 * MIN),
        (T + 14 * MIN, None, ["on-call"], T + 15 * MIN),
        (T + 15 * MIN, None, ["on-call", "next in line"], T + 30 * MIN),
        (T + 30 * MIN, None, ["on-call", "next in line", "owners"], None),
        (T + 5 * HOUR, None, ["on-call", "next in line", "owners"], None),
        # Acknowledged after the second page: nothing after it, however late it is.
        (T + 5 * HOUR, T + 20 * MIN, ["on-call", "next in line"], None),
        (T + 5 * HOUR, T + 15 * MIN, ["on-call"], None),  # acknowledged as the second page fell due
        (T - MIN, None, [], T),
    ],
)
def test_due_steps_and_the_next_due_time(now, acked_at, labels, then):
    assert [step.label for step in due_steps(PLAN, now, acked_at)] == labels
    assert next_due(PLAN, now) == then


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"ack_within": timedelta(0)}, "longer than zero"), ({"then_owners_after": -1}, "cannot be negative")],
)
def test_escalation_policy_checks_itself(changes, message):
    with pytest.raises(ValueError, match=message):
        EscalationPolicy(**changes)


def test_a_threat_at_night_pages_the_person_on_call_and_escalates():
    hours = parse_hours("mon-fri 09:00-17:30", "Europe/Berlin")
    now = berlin(2026, 11, 25, 23, 40)  # Wednesday night
    routing = route(AlertKind.THREAT, open_now=is_open(hours, now))
    assert routing.to_oncall and routing.to_channel
    assert on_call(WEEKLY, now) == "U1"
    plan = escalation_plan(POLICY, WEEKLY, ("UBOSS",), now)
    assert [step.mention for step in due_steps(plan, now + 20 * MIN)] == [("U1",), ("U2",)]
    # The same threat at 10:00 is marked in its channel and pages nobody.
    assert route(AlertKind.THREAT, open_now=is_open(hours, berlin(2026, 11, 26, 10, 0))) == MARKED


# ----------------------------------------------------------------------------------------- waiting customers

T0 = utc(2026, 11, 24, 9, 0)
TARGETS = ResponseTargets()


@pytest.mark.parametrize(
    ("messages", "staff", "now", "overdue", "repeats", "urgent", "described"),
    [
        (
            [0 * HOUR],
            None,
            3 * HOUR + 59 * MIN,
            False,
            1,
            False,
            "waiting 3 h 59 min, within the 4 h first-response target",
        ),
        ([0 * HOUR], None, 4 * HOUR, False, 1, False, "waiting 4 h, within the 4 h first-response target"),
        (
            [0 * HOUR],
            None,
            5 * HOUR + 10 * MIN,
            True,
            1,
            True,
            "waiting 5 h 10 min, over the 4 h first-response target",
        ),
        (
            [0 * HOUR, 4 * HOUR, 9 * HOUR, 13 * HOUR],
            None,
            13 * HOUR + 20 * MIN,
            True,
            4,
            True,
            "4th message in 13 hours, no reply yet; waiting 13 h 20 min, over the 4 h first-response target",
        ),
        (  # after a staff reply the follow-up target applies, from the customer's next message
            [2 * HOUR, 3 * HOUR],
            1 * HOUR,
            7 * HOUR,
            False,
            2,
            False,
            "2nd message in 1 hour, no reply since our last; waiting 5 h, within the 8 h follow-up target",
        ),
        ([2 * HOUR], 1 * HOUR, 10 * HOUR + 1 * MIN, True, 1, True, "waiting 8 h 1 min, over the 8 h follow-up target"),
        (  # three messages in twenty minutes: urgent before any target is missed
            [10 * MIN, 20 * MIN, 30 * MIN],
            0 * HOUR,
            40 * MIN,
            False,
            3,
            True,
            "3rd message in 20 minutes, no reply since our last; waiting 30 min, within the 8 h follow-up target",
        ),
        ([], 1 * HOUR, 30 * HOUR, False, 0, False, "answered, nobody waiting"),
        ([0 * HOUR, 1 * HOUR], 1 * HOUR, 30 * HOUR, False, 0, False, "answered, nobody waiting"),  # not after it
        ([], None, 5 * HOUR, True, 0, True, "waiting 5 h, over the 4 h first-response target"),  # a form, no message
        (
            [0 * HOUR],
            None,
            30 * MIN / 60,
            False,
            1,
            False,
            "waiting under a minute, within the 4 h first-response target",
        ),
        ([0 * HOUR], None, 30 * HOUR, True, 1, True, "waiting 1 d 6 h, over the 4 h first-response target"),
        ([0 * HOUR], None, 48 * HOUR, True, 1, True, "waiting 2 d, over the 4 h first-response target"),
        (
            [0 * HOUR, 72 * HOUR],
            None,
            72 * HOUR,
            True,
            2,
            True,
            "2nd message in 3 days, no reply yet; waiting 3 d, over the 4 h first-response target",
        ),
    ],
)
def test_waiting(messages, staff, now, overdue, repeats, urgent, described):
    state = waiting(
        TARGETS,
        [T0 + after for after in messages],
        None if staff is None else T0 + staff,
        T0,
        T0 + now,
    )
    assert (state.overdue, state.repeats, state.urgent) == (overdue, repeats, urgent)
    assert state.describe() == described


def test_waiting_counts_from_the_oldest_unanswered_message_in_any_order():
    state = waiting(TARGETS, [T0 + 3 * HOUR, T0 + 2 * HOUR], T0 + HOUR, T0 - HOUR, T0 + 4 * HOUR)
    assert state.since == T0 + 2 * HOUR and state.latest == T0 + 3 * HOUR
    assert state.waited == 2 * HOUR and state.target == TARGETS.follow_up and not state.first_response


def test_before_any_reply_the_customer_has_waited_since_the_ticket_opened():
    state = waiting(TARGETS, [T0 + HOUR], None, T0, T0 + 2 * HOUR)
    assert state.since == T0 and state.waited == 2 * HOUR and state.first_response


def test_the_clock_runs_at_night_and_at_weekends():
    friday_night = berlin(2026, 11, 27, 23, 0)
    state = waiting(TARGETS, [friday_night], None, friday_night, berlin(2026, 11, 28, 4, 0))
    assert state.overdue and state.waited == 5 * HOUR


@pytest.mark.parametrize(
    ("targets", "urgent"),
    [
        (ResponseTargets(), True),
        (ResponseTargets(repeat_contacts=4), False),
        (ResponseTargets(repeat_contacts=0), False),  # the repeat signal turned off
    ],
)
def test_repeat_contacts_threshold(targets, urgent):
    state = waiting(targets, [T0, T0 + MIN, T0 + 2 * MIN], T0 - MIN, T0 - HOUR, T0 + 3 * MIN)
    assert state.urgent is urgent and not state.overdue


def test_targets_are_worded_as_configured():
    state = waiting(ResponseTargets(first_response=90 * MIN), [T0], None, T0, T0 + 2 * HOUR)
    assert state.describe() == "waiting 2 h, over the 1 h 30 min first-response target"


def test_the_parts_of_waiting_the_cards_show_on_their_own():
    state = waiting(TARGETS, [T0, T0 + 13 * HOUR], None, T0, T0 + 13 * HOUR + 20 * MIN)
    assert state.contacts() == "2nd message in 13 hours, no reply yet"
    assert state.target_name == "4 h first-response"
    once = waiting(TARGETS, [T0], None, T0, T0 + HOUR)
    assert once.contacts() == "" and waiting(TARGETS, [], T0, T0, T0 + HOUR).contacts() == ""


@pytest.mark.parametrize(
    ("count", "ordinal"),
    [
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (23, "23rd"),
    ],
)
def test_repeat_contacts_are_counted_in_words(count, ordinal):
    state = waiting(TARGETS, [T0 + n * MIN for n in range(count)], None, T0, T0 + HOUR)
    assert state.describe().startswith(f"{ordinal} message in ")


# ----------------------------------------------------------------------------------------- dispute deadlines

DUE = utc(2026, 12, 10, 17, 0)
HEADS_UP = Reminder(DUE - 72 * HOUR, 72 * HOUR, ReminderLevel.HEADS_UP)
SOON = Reminder(DUE - 24 * HOUR, 24 * HOUR, ReminderLevel.SOON)
FINAL = Reminder(DUE - 6 * HOUR, 6 * HOUR, ReminderLevel.FINAL)
ALL = (HEADS_UP, SOON, FINAL)


@pytest.mark.parametrize(
    ("before_due", "expected"),
    [
        (100 * HOUR, ALL),
        (72 * HOUR, ALL),  # the heads-up falls due the moment it arrives
        (30 * HOUR, (SOON, FINAL)),
        (10 * HOUR, (FINAL,)),
        (6 * HOUR, (FINAL,)),
        # Every reminder time has passed: the final one, at once, with what is left.
        (3 * HOUR, (Reminder(DUE - 3 * HOUR, 3 * HOUR, ReminderLevel.FINAL),)),
        (0 * HOUR, ()),  # too late for anything
        (-HOUR, ()),
    ],
)
def test_deadline_reminders(before_due, expected):
    assert deadline_reminders(DUE, DUE - before_due) == expected


def test_deadline_reminders_default_to_72_24_and_6_hours_and_get_louder():
    assert DEADLINE_REMINDERS == (72 * HOUR, 24 * HOUR, 6 * HOUR)
    assert [reminder.urgency for reminder in ALL] == [Urgency.ROUTINE, Urgency.URGENT, Urgency.URGENT]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (DUE - 100 * HOUR, HEADS_UP),
        (HEADS_UP.at, SOON),  # strictly after now
        (DUE - 12 * HOUR, FINAL),
        (FINAL.at, None),
        (DUE + HOUR, None),
    ],
)
def test_next_reminder(now, expected):
    assert next_reminder(ALL, now) == expected


@pytest.mark.parametrize(
    ("since", "now", "expected"),
    [
        (None, DUE - 100 * HOUR, None),
        (None, DUE - 50 * HOUR, HEADS_UP),
        (DUE - 100 * HOUR, HEADS_UP.at, HEADS_UP),
        (HEADS_UP.at, DUE - 30 * HOUR, None),
        (HEADS_UP.at, SOON.at, SOON),
        # The bot was down through two reminder times: one reminder, the loudest.
        (DUE - 50 * HOUR, DUE - 5 * HOUR, FINAL),
        (DUE - 5 * HOUR, DUE - 4 * HOUR, None),
    ],
)
def test_reminder_due(since, now, expected):
    assert reminder_due(ALL, since, now) == expected


# -------------------------------------------------------------------------------------------- morning digest

TEAM = parse_hours("mon-fri 09:00-17:30", "Europe/Berlin", "2026-12-25")
LUNCH = parse_hours("mon-fri 09:00-12:00,13:00-17:00", "Europe/Berlin")
NIGHT_SHIFT = parse_hours("fri 22:00-24:00; sat 00:00-06:00", "Europe/Berlin")
ALWAYS = parse_hours("mon-sun 00:00-24:00", "Europe/Berlin")


@pytest.mark.parametrize(
    ("hours", "last_digest", "now", "expected"),
    [
        (TEAM, berlin(2026, 11, 27, 9, 0), berlin(2026, 11, 30, 9, 5), berlin(2026, 11, 30, 9, 0)),
        (TEAM, None, berlin(2026, 11, 30, 9, 0), berlin(2026, 11, 30, 9, 0)),  # the opening minute
        (TEAM, berlin(2026, 11, 27, 17, 29), berlin(2026, 11, 30, 9, 5), berlin(2026, 11, 30, 9, 0)),
        (TEAM, berlin(2026, 11, 30, 9, 0), berlin(2026, 11, 30, 9, 5), None),  # already sent
        (TEAM, berlin(2026, 11, 27, 17, 30), berlin(2026, 11, 30, 9, 5), None),  # sent at closing time
        (TEAM, None, berlin(2026, 11, 29, 12, 0), None),  # Sunday: closed
        (TEAM, None, berlin(2026, 11, 30, 8, 59), None),
        (TEAM, berlin(2026, 11, 27, 9, 0), berlin(2026, 11, 30, 16, 0), berlin(2026, 11, 30, 9, 0)),  # late, still due
        (TEAM, berlin(2026, 3, 27, 9, 0), berlin(2026, 3, 30, 9, 1), utc(2026, 3, 30, 7, 0)),  # 09:00 CEST
        (TEAM, berlin(2026, 10, 23, 9, 0), berlin(2026, 10, 26, 9, 1), utc(2026, 10, 26, 8, 0)),  # 09:00 CET
        (TEAM, berlin(2026, 12, 24, 9, 0), berlin(2026, 12, 28, 9, 10), berlin(2026, 12, 28, 9, 0)),  # holidays
        (LUNCH, berlin(2026, 11, 24, 9, 0), berlin(2026, 11, 24, 13, 5), berlin(2026, 11, 24, 13, 0)),
        (NIGHT_SHIFT, None, berlin(2026, 11, 28, 0, 30), berlin(2026, 11, 27, 22, 0)),  # not at midnight
        (NIGHT_SHIFT, berlin(2026, 11, 27, 22, 0), berlin(2026, 11, 28, 0, 30), None),
        (ALWAYS, None, berlin(2026, 11, 30, 9, 5), None),  # never closes: no night to sum up
    ],
)
def test_digest_due(hours, last_digest, now, expected):
    assert digest_due(hours, last_digest, now) == expected


@pytest.mark.parametrize(
    ("hours", "now", "since"),
    [
        (TEAM, berlin(2026, 11, 30, 9, 5), berlin(2026, 11, 27, 17, 30)),  # the whole weekend
        (TEAM, berlin(2026, 11, 25, 9, 5), berlin(2026, 11, 24, 17, 30)),  # one night, across midnight
        (TEAM, berlin(2026, 11, 25, 3, 0), berlin(2026, 11, 24, 17, 30)),  # the night so far
        (TEAM, berlin(2026, 12, 28, 9, 10), berlin(2026, 12, 24, 17, 30)),
        (TEAM, berlin(2026, 3, 30, 9, 5), utc(2026, 3, 27, 16, 30)),  # Friday 17:30 CET
        (NIGHT_SHIFT, berlin(2026, 11, 27, 22, 5), berlin(2026, 11, 21, 6, 0)),
        (ALWAYS, berlin(2026, 11, 30, 9, 5), berlin(2026, 11, 30, 9, 5)),  # empty
    ],
)
def test_night_window(hours, now, since):
    window = night_window(hours, now)
    assert window == (since, now) and window[1].tzinfo is UTC
