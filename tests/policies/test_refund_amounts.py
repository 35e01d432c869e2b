"""Reading the amount a person types in the refund modal: only a positive amount that can be refunded passes."""

from __future__ import annotations

import pytest

from bot.policies.refunds import decide_refund_amount

POSITIVE = "The amount must be more than zero."
FORMAT = "Type an amount like 12.50 (a dot for decimals)."


@pytest.mark.parametrize(
    ("typed", "remaining", "currency", "decimals", "amount", "error"),
    [
        ("12.50", 4900, "USD", 2, 1250, None),
        ("$12.50", 4900, "USD", 2, 1250, None),
        ("", 4900, "USD", 2, None, None),  # the whole rest
        ("49.00", 4900, "USD", 2, None, None),  # the whole rest, typed out
        ("700", None, "JPY", 0, 700, None),
        ("-700", None, "JPY", 0, None, POSITIVE),
        ("¥-700", 5000, "JPY", 0, None, POSITIVE),
        ("\u2212700", 5000, "JPY", 0, None, POSITIVE),  # the typographic minus sign
        ("(700)", 5000, "JPY", 0, None, POSITIVE),  # an accountant's negative
        ("700-", 5000, "JPY", 0, None, POSITIVE),
        ("0", 5000, "JPY", 0, None, POSITIVE),
        ("0.00", 4900, "USD", 2, None, POSITIVE),
        ("NaN", 4900, "USD", 2, None, FORMAT),
        ("inf", 4900, "USD", 2, None, FORMAT),
        ("1e400", 4900, "USD", 2, None, FORMAT),
        ("9" * 400, None, "USD", 2, None, FORMAT),
        ("99999999999999", None, "USD", 2, None, "That amount is too large to be a refund."),
        ("50.00", 4900, "USD", 2, None, "That is more than what is left to refund."),
        ("12,50", 4900, "USD", 2, None, FORMAT),
        ("12.505", 4900, "USD", 2, None, "USD has 2 decimal place(s)."),
    ],
)
def test_an_amount_is_positive_and_within_what_is_left(typed, remaining, currency, decimals, amount, error):
    decision = decide_refund_amount(typed, remaining, currency, decimals)
    assert (decision.amount_minor, decision.error) == (amount, error)
