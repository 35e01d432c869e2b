"""Amounts in minor units, and how a person reads them."""

from __future__ import annotations

import pytest

from bot.core.money import exponent, format_money, format_totals, to_minor


@pytest.mark.parametrize(
    ("currency", "places"),
    [("USD", 2), ("usd", 2), ("EUR", 2), ("JPY", 0), ("jpy", 0), ("KRW", 0), ("CLP", 0), ("KWD", 3), ("BHD", 3)],
)
def test_exponent(currency: str, places: int) -> None:
    assert exponent(currency) == places


@pytest.mark.parametrize(
    ("value", "currency", "minor"),
    [
        ("49.99", "USD", 4999),
        ("0.48", "USD", 48),
        ("500", "JPY", 500),
        ("1.234", "KWD", 1234),
        ("10", "EUR", 1000),
        (10, "EUR", 1000),
        (0.1, "USD", 10),
        ("0.005", "USD", 1),  # half up, as money is rounded
        ("0.004", "USD", 0),
        ("2.5", "JPY", 3),
        ("-0.01", "USD", -1),
        ("1e2", "USD", 10000),
        (" 12.30 ", "USD", 1230),
    ],
)
def test_to_minor(value: object, currency: str, minor: int) -> None:
    assert to_minor(value, currency) == minor  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "currency"),
    [
        (None, "USD"),
        ("10.00", None),
        ("", "USD"),
        ("ten", "USD"),
        ("NaN", "USD"),
        ("Infinity", "USD"),
        ("-inf", "USD"),
    ],
)
def test_to_minor_is_none_for_what_is_not_an_amount(value: object, currency: str | None) -> None:
    assert to_minor(value, currency) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [
        (123456, "USD", "$1,234.56"),
        (4900, "usd", "$49.00"),
        (0, "USD", "$0.00"),
        (5, "EUR", "€0.05"),
        (5000, "JPY", "¥5,000"),
        (100_000_000, "KRW", "₩100,000,000"),
        (123450, "SEK", "1,234.50 SEK"),
        (1234, "KWD", "1.234 KWD"),
        (-500, "EUR", "-€5.00"),
        (-123450, "SEK", "-1,234.50 SEK"),
        (199, "GBP", "£1.99"),
        (2500, "CAD", "CA$25.00"),
        (None, "USD", "amount unknown"),
        (100, None, "amount unknown"),
        (100, "", "amount unknown"),
    ],
)
def test_format_money(minor: int | None, currency: str | None, text: str) -> None:
    assert format_money(minor, currency) == text


def test_format_totals_side_by_side_in_a_stable_order() -> None:
    assert format_totals({}) == "nothing yet"
    assert format_totals({"USD": 4900}) == "$49.00"
    assert format_totals({"USD": 4900, "EUR": 1000, "JPY": 500}) == "€10.00 · ¥500 · $49.00"


@pytest.mark.parametrize(
    ("value", "currency", "text"),
    [("49.99", "USD", "$49.99"), ("5000", "JPY", "¥5,000"), ("1.234", "KWD", "1.234 KWD"), ("0.01", "EUR", "€0.01")],
)
def test_a_provider_amount_reads_as_it_was_sent(value: str, currency: str, text: str) -> None:
    assert format_money(to_minor(value, currency), currency) == text
