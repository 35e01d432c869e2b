"""How risky a customer is for the support team, for cards and /customer: a suggestion, never a decision.

Five signals, most serious first: disputes, refunds across Stripe and PayPal (a serial refunder), abusive
messages, support that cost more than the customer brought, and messages waiting for a reply. Each compares a
fact from the database with a threshold the owner configures. At or over its threshold a signal is *crossed*;
below it, a non-zero count is a softer heads-up that is shown but never counted (one refund, one abusive
message, or one message short of the unanswered threshold). Enough crossed signals and the policy suggests
parting ways; a human always decides.

A threshold of 0 turns its signal off (and `signals_to_part = 0` turns the suggestion off). Support cost is
estimated in the shop's main currency only: amounts in other currencies cannot be converted here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from bot.core.money import format_money


class RiskLevel(StrEnum):
    LOW = "low"
    WATCH = "watch"
    HIGH = "high"


class SignalKind(StrEnum):
    UNANSWERED = "unanswered"
    SERIAL_REFUNDER = "serial_refunder"
    DISPUTES = "disputes"
    ABUSIVE = "abusive"
    COSTLY = "costly"


@dataclass(frozen=True)
class RiskThresholds:
    """What the owner tolerates; every field is >= 0, and 0 turns that signal (or the suggestion) off."""

    # Customer messages since the team last replied, across the customer's open tickets.
    unanswered_contacts: int = 3
    # Refunds across Stripe and PayPal: a serial refunder from this many. Never 1: one refund is not a pattern.
    refunds: int = 2
    # Disputes (chargebacks): one is already serious.
    disputes: int = 1
    # Messages classified abusive, after staff corrections.
    abusive_messages: int = 2
    # Estimated support cost / net paid, above which support costs more than the customer brought.
    cost_ratio: float = 1.0
    # Staff time one customer message costs, for the cost estimate.
    minutes_per_message: float = 10.0
    # What an hour of support costs, in minor units of the shop's main currency.
    hourly_cost_minor: int = 3000
    # How many crossed signals make the policy suggest parting ways.
    signals_to_part: int = 2

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"risk threshold {field.name} must be a number >= 0 (0 turns it off), not {value!r}")
        if self.refunds == 1:
            raise ValueError("risk threshold refunds must be 0 (off) or at least 2: one refund is not a pattern")


@dataclass(frozen=True)
class CustomerRecord:
    """The facts the caller gathered from the database."""

    paid: Mapping[str, int]  # currency -> gross minor units paid
    refunded: Mapping[str, int]  # currency -> minor units refunded
    refunds: int
    disputes: int
    unanswered_contacts: int
    customer_messages: int  # all messages the customer has sent in tickets
    abusive_messages: int
    currency: str = "USD"  # the shop's main currency; the support cost is computed in it

    def __post_init__(self) -> None:
        for name in ("refunds", "disputes", "unanswered_contacts", "customer_messages", "abusive_messages"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} cannot be negative")


@dataclass(frozen=True)
class Signal:
    kind: str  # a SignalKind
    text: str  # short, for a person reading Slack: "3 refunds across Stripe and PayPal"
    crossed: bool  # True: over the threshold, counts towards parting; False: a heads-up, shown only


@dataclass(frozen=True)
class Risk:
    level: RiskLevel
    signals: tuple[Signal, ...]  # crossed ones first, each group most serious first
    support_cost_minor: int  # in the record's main currency
    consider_parting: bool  # a suggestion only: a human decides

    def summary(self) -> str:
        """One line for a card; empty when there is nothing to say."""
        if not self.signals and not self.consider_parting:
            return ""
        parts = [signal.text for signal in self.signals]
        if self.consider_parting:
            parts.append("consider parting ways")
        return f"{_HEADINGS[self.level]}: " + " · ".join(parts)


_HEADINGS = {RiskLevel.LOW: "🟢 Low risk", RiskLevel.WATCH: "🟡 Watch", RiskLevel.HIGH: "🔴 High risk"}


def assess_risk(record: CustomerRecord, thresholds: RiskThresholds = RiskThresholds()) -> Risk:
    """The customer's risk: its signals, the estimated support cost, and whether to suggest parting ways.

    HIGH exactly when parting is suggested (at least `signals_to_part` crossed signals); WATCH when anything at
    all is shown; LOW otherwise.
    """
    cost = support_cost_minor(record.customer_messages, thresholds)
    found = [
        _count_signal(SignalKind.DISPUTES, record.disputes, thresholds.disputes, _plural(record.disputes, "dispute")),
        _count_signal(
            SignalKind.SERIAL_REFUNDER,
            record.refunds,
            thresholds.refunds,
            f"{_plural(record.refunds, 'refund')} across Stripe and PayPal",
        ),
        _count_signal(
            SignalKind.ABUSIVE,
            record.abusive_messages,
            thresholds.abusive_messages,
            _plural(record.abusive_messages, "abusive message"),
        ),
        _costly_signal(record, thresholds, cost),
        _unanswered_signal(record.unanswered_contacts, thresholds.unanswered_contacts),
    ]
    signals = [signal for signal in found if signal is not None]
    signals.sort(key=lambda signal: not signal.crossed)  # stable: each group keeps the order of seriousness
    crossed = sum(signal.crossed for signal in signals)
    parting = thresholds.signals_to_part > 0 and crossed >= thresholds.signals_to_part
    level = RiskLevel.HIGH if parting else RiskLevel.WATCH if signals else RiskLevel.LOW
    return Risk(level, tuple(signals), cost, parting)


def support_cost_minor(customer_messages: int, thresholds: RiskThresholds) -> int:
    """Staff time the customer's messages took, priced at the hourly cost; rounded half up to a minor unit."""
    hours = Decimal(customer_messages) * Decimal(str(thresholds.minutes_per_message)) / 60
    return int((hours * thresholds.hourly_cost_minor).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _count_signal(kind: SignalKind, count: int, threshold: int, text: str) -> Signal | None:
    """Crossed from `threshold` on; any count below it is a heads-up; a threshold of 0 is off."""
    if threshold == 0 or count == 0:
        return None
    return Signal(kind, text, crossed=count >= threshold)


def _unanswered_signal(count: int, threshold: int) -> Signal | None:
    """One message waiting is ordinary: the heads-up comes only one message short of the threshold."""
    if threshold == 0 or count == 0 or count < threshold - 1:
        return None
    return Signal(SignalKind.UNANSWERED, f"{_plural(count, 'message')} without a reply", crossed=count >= threshold)


def _costly_signal(record: CustomerRecord, thresholds: RiskThresholds, cost: int) -> Signal | None:
    """Support that cost more than the customer brought, judged in the main currency only.

    - Money kept in the main currency: costly above `cost_ratio` times it. When the customer also kept money in
      other currencies, which cannot be converted here, the comparison is incomplete: a heads-up, not counted.
    - Money kept only in other currencies: nothing to compare with, no signal.
    - Nothing kept anywhere (never paid, or all refunded): costly once the cost passes one hour of support, so a
      single question before buying is not held against anyone.
    """
    if thresholds.cost_ratio == 0 or cost == 0:
        return None
    main = record.currency.upper()
    net = _net(record)
    spent = format_money(cost, main)
    kept = net.pop(main, 0)
    others = {code: amount for code, amount in net.items() if amount > 0}
    if kept > 0:
        if cost <= kept * thresholds.cost_ratio:
            return None
        refunded = any(code.upper() == main and amount for code, amount in record.refunded.items())
        text = f"support cost ~{spent} vs {format_money(kept, main)} paid" + (" after refunds" if refunded else "")
        if others:
            text += " (+ " + " + ".join(format_money(others[code], code) for code in sorted(others)) + " not compared)"
        return Signal(SignalKind.COSTLY, text, crossed=not others)
    if others or cost <= thresholds.hourly_cost_minor:
        return None
    why = "all refunded" if any(amount > 0 for amount in record.paid.values()) else "never paid"
    return Signal(SignalKind.COSTLY, f"support cost ~{spent}, {why}", crossed=True)


def _net(record: CustomerRecord) -> dict[str, int]:
    """Paid minus refunded per currency, codes upper-cased so that "usd" and "USD" are one currency."""
    net: dict[str, int] = {}
    for code, amount in record.paid.items():
        net[code.upper()] = net.get(code.upper(), 0) + amount
    for code, amount in record.refunded.items():
        net[code.upper()] = net.get(code.upper(), 0) - amount
    return net


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
