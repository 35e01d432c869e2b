from __future__ import annotations

import math
from dataclasses import FrozenInstanceError, replace
from typing import Any

import pytest

from bot.policies.risk import (
    CustomerRecord,
    Risk,
    RiskLevel,
    RiskThresholds,
    Signal,
    SignalKind,
    assess_risk,
    support_cost_minor,
)

DEFAULTS = RiskThresholds()
# At the defaults one customer message costs 10 minutes at $30.00 an hour: $5.00.
MESSAGE_COST = 500


def record(**changes) -> CustomerRecord:
    """A customer who paid $100.00 and has given the team nothing to worry about."""
    quiet = CustomerRecord(
        paid={"USD": 10_000},
        refunded={},
        refunds=0,
        disputes=0,
        unanswered_contacts=0,
        customer_messages=0,
        abusive_messages=0,
    )
    return replace(quiet, **changes)


def signal_of(risk: Risk, kind: str) -> Signal | None:
    found = [signal for signal in risk.signals if signal.kind == kind]
    assert len(found) <= 1
    return found[0] if found else None


def state_of(risk: Risk, kind: str) -> str:
    signal = signal_of(risk, kind)
    return "none" if signal is None else "crossed" if signal.crossed else "soft"


def test_a_quiet_customer_is_low_risk_with_nothing_to_show() -> None:
    risk = assess_risk(record(customer_messages=2))
    assert risk == Risk(RiskLevel.LOW, (), 2 * MESSAGE_COST, consider_parting=False)
    assert risk.summary() == ""


@pytest.mark.parametrize(
    ("kind", "facts", "thresholds", "expected"),
    [
        # Disputes: one is already serious.
        ("disputes", {"disputes": 0}, {}, "none"),
        ("disputes", {"disputes": 1}, {}, "crossed"),
        ("disputes", {"disputes": 2}, {}, "crossed"),
        ("disputes", {"disputes": 1}, {"disputes": 2}, "soft"),
        ("disputes", {"disputes": 2}, {"disputes": 2}, "crossed"),
        ("disputes", {"disputes": 3}, {"disputes": 2}, "crossed"),
        # Refunds across providers: a serial refunder from two; one is a heads-up.
        ("serial_refunder", {"refunds": 0}, {}, "none"),
        ("serial_refunder", {"refunds": 1}, {}, "soft"),
        ("serial_refunder", {"refunds": 2}, {}, "crossed"),
        ("serial_refunder", {"refunds": 3}, {}, "crossed"),
        ("serial_refunder", {"refunds": 2}, {"refunds": 3}, "soft"),
        ("serial_refunder", {"refunds": 3}, {"refunds": 3}, "crossed"),
        # Abusive messages.
        ("abusive", {"abusive_messages": 0}, {}, "none"),
        ("abusive", {"abusive_messages": 1}, {}, "soft"),
        ("abusive", {"abusive_messages": 2}, {}, "crossed"),
        ("abusive", {"abusive_messages": 3}, {}, "crossed"),
        ("abusive", {"abusive_messages": 1}, {"abusive_messages": 1}, "crossed"),
        # Unanswered contacts: one message waiting is ordinary; a heads-up one short of the threshold.
        ("unanswered", {"unanswered_contacts": 0}, {}, "none"),
        ("unanswered", {"unanswered_contacts": 1}, {}, "none"),
        ("unanswered", {"unanswered_contacts": 2}, {}, "soft"),
        ("unanswered", {"unanswered_contacts": 3}, {}, "crossed"),
        ("unanswered", {"unanswered_contacts": 4}, {}, "crossed"),
        ("unanswered", {"unanswered_contacts": 3}, {"unanswered_contacts": 5}, "none"),
        ("unanswered", {"unanswered_contacts": 4}, {"unanswered_contacts": 5}, "soft"),
        ("unanswered", {"unanswered_contacts": 1}, {"unanswered_contacts": 2}, "soft"),
        ("unanswered", {"unanswered_contacts": 1}, {"unanswered_contacts": 1}, "crossed"),
        # Support cost against the $100.00 paid: 20 messages cost exactly $100.00, which is not above it.
        ("costly", {"customer_messages": 19}, {}, "none"),
        ("costly", {"customer_messages": 20}, {}, "none"),
        ("costly", {"customer_messages": 21}, {}, "crossed"),
        ("costly", {"customer_messages": 40}, {"cost_ratio": 2.0}, "none"),
        ("costly", {"customer_messages": 41}, {"cost_ratio": 2.0}, "crossed"),
        ("costly", {"customer_messages": 10}, {"cost_ratio": 0.5}, "none"),
        ("costly", {"customer_messages": 11}, {"cost_ratio": 0.5}, "crossed"),
        ("costly", {"customer_messages": 11}, {"minutes_per_message": 5.0}, "none"),
        ("costly", {"customer_messages": 21}, {"hourly_cost_minor": 1500}, "none"),
    ],
)
def test_each_signal_below_at_and_above_its_threshold(kind, facts, thresholds, expected) -> None:
    assert state_of(assess_risk(record(**facts), RiskThresholds(**thresholds)), kind) == expected


@pytest.mark.parametrize(
    ("facts", "text"),
    [
        ({"disputes": 1}, "1 dispute"),
        ({"disputes": 2}, "2 disputes"),
        ({"refunds": 1}, "1 refund across Stripe and PayPal"),
        ({"refunds": 3}, "3 refunds across Stripe and PayPal"),
        ({"abusive_messages": 1}, "1 abusive message"),
        ({"abusive_messages": 2}, "2 abusive messages"),
        ({"unanswered_contacts": 3}, "3 messages without a reply"),
        ({"customer_messages": 10, "paid": {"USD": 1900}}, "support cost ~$50.00 vs $19.00 paid"),
    ],
)
def test_signal_texts_read_as_a_person_would_say_them(facts, text) -> None:
    (signal,) = assess_risk(record(**facts)).signals
    assert signal.text == text


def test_signal_kinds_are_the_documented_strings() -> None:
    everything = record(disputes=1, refunds=2, abusive_messages=2, unanswered_contacts=3, customer_messages=30)
    kinds = [signal.kind for signal in assess_risk(everything).signals]
    assert kinds == ["disputes", "serial_refunder", "abusive", "costly", "unanswered"]  # most serious first
    assert set(kinds) == set(SignalKind)


def test_crossed_signals_come_before_heads_ups() -> None:
    risk = assess_risk(record(disputes=1, unanswered_contacts=3, refunds=1), RiskThresholds(disputes=2))
    assert [(s.kind, s.crossed) for s in risk.signals] == [
        ("unanswered", True),
        ("disputes", False),
        ("serial_refunder", False),
    ]


@pytest.mark.parametrize(
    ("facts", "thresholds", "level", "parting"),
    [
        ({"disputes": 1}, {}, RiskLevel.WATCH, False),  # one crossed signal of the two needed
        ({"disputes": 1, "abusive_messages": 2}, {}, RiskLevel.HIGH, True),
        ({"refunds": 2, "unanswered_contacts": 3}, {}, RiskLevel.HIGH, True),
        ({"disputes": 1, "abusive_messages": 2}, {"signals_to_part": 3}, RiskLevel.WATCH, False),
        ({"disputes": 1, "abusive_messages": 2, "refunds": 2}, {"signals_to_part": 3}, RiskLevel.HIGH, True),
        ({"disputes": 1}, {"signals_to_part": 1}, RiskLevel.HIGH, True),
        # Heads-ups are shown but never counted towards parting.
        ({"disputes": 1, "refunds": 1, "abusive_messages": 1, "unanswered_contacts": 2}, {}, RiskLevel.WATCH, False),
        (
            {"refunds": 1, "abusive_messages": 1, "unanswered_contacts": 2},
            {"signals_to_part": 1},
            RiskLevel.WATCH,
            False,
        ),
    ],
)
def test_parting_ways_is_suggested_only_from_enough_crossed_signals(facts, thresholds, level, parting) -> None:
    risk = assess_risk(record(**facts), RiskThresholds(**thresholds))
    assert (risk.level, risk.consider_parting) == (level, parting)


def test_parting_can_be_switched_off_and_then_nothing_is_high() -> None:
    everything = record(disputes=3, refunds=5, abusive_messages=5, unanswered_contacts=9, customer_messages=99)
    risk = assess_risk(everything, RiskThresholds(signals_to_part=0))
    assert all(signal.crossed for signal in risk.signals) and len(risk.signals) == 5
    assert (risk.level, risk.consider_parting) == (RiskLevel.WATCH, False)
    assert "consider parting ways" not in risk.summary()


@pytest.mark.parametrize("signals_to_part", [0, 1, 2, 3])
@pytest.mark.parametrize("refunds", [0, 2, 3])
def test_one_refund_and_nothing_else_never_suggests_parting(signals_to_part: int, refunds: int) -> None:
    risk = assess_risk(
        record(refunds=1, refunded={"USD": 10_000}),
        RiskThresholds(refunds=refunds, signals_to_part=signals_to_part),
    )
    assert not risk.consider_parting
    assert risk.level in (RiskLevel.LOW, RiskLevel.WATCH)
    assert not any(signal.crossed for signal in risk.signals)


def test_a_refund_threshold_of_one_is_refused_because_one_refund_is_not_a_pattern() -> None:
    with pytest.raises(ValueError, match="one refund is not a pattern"):
        RiskThresholds(refunds=1)


@pytest.mark.parametrize(
    ("threshold", "facts", "kind"),
    [
        ("disputes", {"disputes": 5}, "disputes"),
        ("refunds", {"refunds": 5}, "serial_refunder"),
        ("abusive_messages", {"abusive_messages": 5}, "abusive"),
        ("unanswered_contacts", {"unanswered_contacts": 5}, "unanswered"),
        ("cost_ratio", {"customer_messages": 500}, "costly"),
        ("cost_ratio", {"customer_messages": 500, "paid": {}}, "costly"),  # never paid, too
        ("minutes_per_message", {"customer_messages": 500}, "costly"),
        ("hourly_cost_minor", {"customer_messages": 500}, "costly"),
    ],
)
def test_a_threshold_of_zero_turns_its_signal_off(threshold: str, facts, kind: str) -> None:
    assert state_of(assess_risk(record(**facts)), kind) == "crossed"
    assert state_of(assess_risk(record(**facts), RiskThresholds(**{threshold: 0})), kind) == "none"


@pytest.mark.parametrize(
    ("messages", "minutes", "hourly", "cost"),
    [
        (0, 10.0, 3000, 0),
        (1, 10.0, 3000, 500),
        (3, 10.0, 3000, 1500),
        (1, 7.5, 3000, 375),
        (1, 1.0, 100, 2),  # 1.67 rounds up
        (1, 0.4, 100, 1),  # 0.67
        (3, 1.0, 10, 1),  # exactly 0.5: half up, as money is rounded
        (1, 1.0, 10, 0),  # 0.17
        (7, 0.0, 3000, 0),
        (7, 10.0, 0, 0),
    ],
)
def test_support_cost_is_staff_time_priced_at_the_hourly_cost(messages, minutes, hourly, cost) -> None:
    thresholds = RiskThresholds(minutes_per_message=minutes, hourly_cost_minor=hourly)
    assert support_cost_minor(messages, thresholds) == cost
    assert assess_risk(record(customer_messages=messages), thresholds).support_cost_minor == cost


def test_support_cost_is_reported_even_when_the_costly_signal_is_off() -> None:
    risk = assess_risk(record(customer_messages=100), RiskThresholds(cost_ratio=0))
    assert risk.support_cost_minor == 100 * MESSAGE_COST
    assert risk.signals == ()


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        # Paid only in other currencies: nothing to compare the dollar cost with.
        ({"paid": {"EUR": 1900}}, None),
        ({"paid": {"EUR": 1900, "GBP": 500}}, None),
        # Dollars and euros: the comparison leaves the euros out, so it is a heads-up, not counted.
        (
            {"paid": {"USD": 1000, "EUR": 10_000}},
            ("support cost ~$50.00 vs $10.00 paid (+ €100.00 not compared)", False),
        ),
        # Euros all refunded: the customer kept only dollars, so the comparison is complete.
        (
            {"paid": {"USD": 1000, "EUR": 10_000}, "refunded": {"EUR": 10_000}},
            ("support cost ~$50.00 vs $10.00 paid", True),
        ),
        # Refunds in the main currency count against what was paid.
        (
            {"paid": {"USD": 10_000}, "refunded": {"USD": 9000}},
            ("support cost ~$50.00 vs $10.00 paid after refunds", True),
        ),
        # Dollars all refunded but euros kept: nothing comparable.
        ({"paid": {"USD": 1000, "EUR": 10_000}, "refunded": {"USD": 1000}}, None),
        # Currency codes in another case are the same currency.
        ({"paid": {"usd": 1000}}, ("support cost ~$50.00 vs $10.00 paid", True)),
    ],
)
def test_cost_is_compared_only_with_what_was_paid_in_the_main_currency(facts, expected) -> None:
    signal = signal_of(assess_risk(record(customer_messages=10, **facts)), "costly")
    assert (signal and (signal.text, signal.crossed)) == expected


def test_an_incomplete_cost_comparison_does_not_count_towards_parting() -> None:
    risk = assess_risk(record(customer_messages=10, abusive_messages=2, paid={"USD": 1000, "EUR": 10_000}))
    assert state_of(risk, "costly") == "soft"
    assert (risk.level, risk.consider_parting) == (RiskLevel.WATCH, False)


@pytest.mark.parametrize(
    ("currency", "paid", "hourly", "text"),
    [
        ("EUR", {"EUR": 1900, "USD": 0}, 3000, "support cost ~€50.00 vs €19.00 paid"),
        ("JPY", {"JPY": 1000}, 3000, "support cost ~¥5,000 vs ¥1,000 paid"),
        ("SEK", {"SEK": 10_000}, 30_000, "support cost ~500.00 SEK vs 100.00 SEK paid"),
    ],
)
def test_cost_is_computed_and_shown_in_the_shops_main_currency(currency, paid, hourly, text) -> None:
    risk = assess_risk(
        record(currency=currency, paid=paid, customer_messages=10), RiskThresholds(hourly_cost_minor=hourly)
    )
    assert signal_of(risk, "costly") == Signal("costly", text, crossed=True)


@pytest.mark.parametrize(
    ("paid", "refunded", "messages", "expected"),
    [
        ({}, {}, 1, None),  # a question before buying is not held against anyone
        ({}, {}, 6, None),  # exactly one hour of support
        ({}, {}, 7, "support cost ~$35.00, never paid"),
        ({"USD": 0}, {}, 7, "support cost ~$35.00, never paid"),
        ({"USD": 1000}, {"USD": 1000}, 6, None),
        ({"USD": 1000}, {"USD": 1000}, 7, "support cost ~$35.00, all refunded"),
        ({"EUR": 1000}, {"EUR": 1000}, 7, "support cost ~$35.00, all refunded"),
    ],
)
def test_a_customer_who_kept_nothing_is_costly_after_an_hour_of_support(paid, refunded, messages, expected) -> None:
    risk = assess_risk(record(paid=paid, refunded=refunded, customer_messages=messages))
    signal = signal_of(risk, "costly")
    assert (signal and signal.text) == expected
    assert signal is None or signal.crossed


@pytest.mark.parametrize(
    ("facts", "summary"),
    [
        ({}, ""),
        ({"refunds": 1}, "🟡 Watch: 1 refund across Stripe and PayPal"),
        ({"disputes": 1, "unanswered_contacts": 2}, "🟡 Watch: 1 dispute · 2 messages without a reply"),
        (
            {"refunds": 3, "abusive_messages": 2},
            "🔴 High risk: 3 refunds across Stripe and PayPal · 2 abusive messages · consider parting ways",
        ),
        (
            {"refunds": 3, "abusive_messages": 1, "customer_messages": 21},
            "🔴 High risk: 3 refunds across Stripe and PayPal · support cost ~$105.00 vs $100.00 paid"
            " · 1 abusive message · consider parting ways",
        ),
    ],
)
def test_summary_is_one_line_for_a_card(facts, summary: str) -> None:
    assert assess_risk(record(**facts)).summary() == summary


def test_the_defaults_are_the_ones_the_owner_is_promised() -> None:
    assert DEFAULTS == RiskThresholds(
        unanswered_contacts=3,
        refunds=2,
        disputes=1,
        abusive_messages=2,
        cost_ratio=1.0,
        minutes_per_message=10.0,
        hourly_cost_minor=3000,
        signals_to_part=2,
    )
    assert assess_risk(record(disputes=1)) == assess_risk(record(disputes=1), DEFAULTS)


def test_the_owner_can_loosen_every_threshold() -> None:
    facts = record(disputes=1, refunds=2, abusive_messages=2, unanswered_contacts=3, customer_messages=21)
    assert assess_risk(facts).level is RiskLevel.HIGH
    lenient = RiskThresholds(
        unanswered_contacts=10,
        refunds=10,
        disputes=10,
        abusive_messages=10,
        cost_ratio=10.0,
        signals_to_part=5,
    )
    risk = assess_risk(facts, lenient)
    assert [(s.kind, s.crossed) for s in risk.signals] == [
        ("disputes", False),
        ("serial_refunder", False),
        ("abusive", False),
    ]
    assert (risk.level, risk.consider_parting) == (RiskLevel.WATCH, False)


@pytest.mark.parametrize(
    "field",
    [
        "unanswered_contacts",
        "refunds",
        "disputes",
        "abusive_messages",
        "cost_ratio",
        "minutes_per_message",
        "hourly_cost_minor",
        "signals_to_part",
    ],
)
def test_a_negative_threshold_is_refused(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        RiskThresholds(**{field: -1})


@pytest.mark.parametrize("value", [math.nan, math.inf])
@pytest.mark.parametrize("field", ["cost_ratio", "minutes_per_message"])
def test_a_threshold_that_is_not_a_finite_number_is_refused(field: str, value: float) -> None:
    threshold: dict[str, Any] = {field: value}  # a float field, though mypy cannot tell which
    with pytest.raises(ValueError, match=field):
        RiskThresholds(**threshold)


@pytest.mark.parametrize(
    "field", ["refunds", "disputes", "unanswered_contacts", "customer_messages", "abusive_messages"]
)
def test_a_negative_count_in_the_record_is_refused(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        record(**{field: -1})


@pytest.mark.parametrize(
    ("value", "field"),
    [
        (DEFAULTS, "refunds"),
        (record(), "disputes"),
        (Signal("disputes", "1 dispute", crossed=True), "crossed"),
        (assess_risk(record()), "level"),
    ],
)
def test_everything_is_frozen(value, field: str) -> None:
    with pytest.raises(FrozenInstanceError):
        setattr(value, field, None)
