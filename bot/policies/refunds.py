"""Whether a refund can be asked for, and of how much: decided from the sale as we know it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

STRIPE_REASONS = ("requested_by_customer", "duplicate", "fraudulent")
_AMOUNT = re.compile(r"[^\d.,]*(\d[\d,]*(?:\.\d+)?|\.\d+)[^\d]*")
# Any minus sign a keyboard or a paste can give: "-700" is a mistake, never a refund of 700.
_NEGATIVE = re.compile(r"[-\u2212\u2010-\u2015\ufe63\uff0d(]")
_TYPED_LIMIT = 32
# No provider refunds more in one go (Stripe's own limit is 99,999,999 minor units); more is a slip of the finger.
MAX_REFUND_MINOR = 10**12


@dataclass(frozen=True)
class AmountDecision:
    amount_minor: int | None  # None: the whole remaining amount
    error: str | None = None


def remaining_minor(amount_minor: int | None, refunded_minor: int) -> int | None:
    """What can still be refunded; None when the sale's amount is unknown (the provider will know)."""
    return None if amount_minor is None else max(amount_minor - refunded_minor, 0)


def decide_refund_amount(
    typed: str | None, remaining: int | None, currency: str | None, decimals: int
) -> AmountDecision:
    """Read an amount as a person types it ("12.50", "$12.50"; "12,50" is refused as ambiguous).

    `decimals` is the currency's number of decimal places. Empty means the whole remaining amount. The
    answer's `error` is a sentence to show next to the field.
    """
    if remaining == 0:
        return AmountDecision(None, "This sale has been refunded in full already.")
    if typed is None or not typed.strip():
        return AmountDecision(None)
    if currency is None:
        return AmountDecision(
            None, "The sale's currency is unknown: refund it in full, or in the provider's dashboard."
        )
    if len(typed.strip()) > _TYPED_LIMIT:
        return AmountDecision(None, "Type an amount like 12.50 (a dot for decimals).")
    if _NEGATIVE.search(typed):
        return AmountDecision(None, "The amount must be more than zero.")
    match = _AMOUNT.fullmatch(typed.strip())
    if match is None or ("," in match.group(1) and "." not in match.group(1) and re.search(r",\d{1,2}$", typed)):
        return AmountDecision(None, "Type an amount like 12.50 (a dot for decimals).")
    try:
        value = Decimal(match.group(1).replace(",", ""))
    except InvalidOperation:
        return AmountDecision(None, "Type an amount like 12.50 (a dot for decimals).")
    minor = value * (10**decimals)
    if minor != minor.to_integral_value():
        return AmountDecision(None, f"{currency.upper()} has {decimals} decimal place(s).")
    amount = int(minor)
    if amount <= 0:
        return AmountDecision(None, "The amount must be more than zero.")
    if amount > MAX_REFUND_MINOR:
        return AmountDecision(None, "That amount is too large to be a refund.")
    if remaining is not None and amount > remaining:
        return AmountDecision(None, "That is more than what is left to refund.")
    if remaining is not None and amount == remaining:
        return AmountDecision(None)  # the whole rest: the same wish as leaving the field empty
    return AmountDecision(amount)
