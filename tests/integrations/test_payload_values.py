"""Reading provider values against the columns that keep them: pure tables, no HTTP, no database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.core.errors import PayloadError
from bot.integrations.values import decimal_amount, display_text, identifier, iso_time, minor_amount, unix_time
from bot.storage.models import BIGINT_MAX, max_length
from bot.storage.models.customers import Customer
from bot.storage.models.tickets import Ticket


def test_limits_come_from_the_model_columns() -> None:
    assert (max_length(Customer.name), max_length(Ticket.subject), max_length(Ticket.external_id)) == (200, 500, 255)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("Ann", "Ann"),
        ("N" * 200, "N" * 200),
        ("N" * 201, "N" * 199 + "…"),
        ("Ann\x00 Example", "Ann Example"),
        ("\ud800Ann", "?Ann"),
        ("", None),
        ("\x00", None),
        (42, None),
        (None, None),
    ],
)
def test_display_text_is_cut_to_its_column_with_an_ellipsis(value: Any, shown: str | None) -> None:
    assert display_text(value, Customer.name) == shown


@pytest.mark.parametrize(
    ("value", "kept"), [("T-1", "T-1"), (7, "7"), ("T" * 255, "T" * 255), ("", None), (True, None)]
)
def test_an_id_that_fits_is_kept_as_text(value: Any, kept: str | None) -> None:
    assert identifier(value, Ticket.external_id, "ticket.id", numbers=True) == kept


@pytest.mark.parametrize(
    "value", ["T" * 256, 10**300, 10**5000, "T\x00"], ids=["long", "300-digits", "5000-digits", "nul"]
)
def test_an_id_that_does_not_fit_is_refused_naming_the_field(value: Any) -> None:
    with pytest.raises(PayloadError, match=r"ticket\.id"):
        identifier(value, Ticket.external_id, "ticket.id", numbers=True)


@pytest.mark.parametrize(
    ("value", "minor"),
    [(4900, 4900), (4900.0, 4900), (0, 0), (BIGINT_MAX, BIGINT_MAX), (None, None), ("4900", None), (True, None)],
)
def test_minor_amounts_that_are_amounts(value: Any, minor: int | None) -> None:
    assert minor_amount(value, "amount") == minor


@pytest.mark.parametrize("value", [float("inf"), float("nan"), 49.5, 1e20, BIGINT_MAX + 1, -1])
def test_minor_amounts_that_are_no_amount_are_refused(value: Any) -> None:
    with pytest.raises(PayloadError, match="`amount`"):
        minor_amount(value, "amount")


@pytest.mark.parametrize(
    ("value", "code", "minor"),
    [("49.99", "USD", 4999), ("-0.01", "USD", -1), ("500", "JPY", 500), ("ten", "USD", None), ("1", None, None)],
)
def test_decimal_amounts(value: Any, code: str | None, minor: int | None) -> None:
    assert decimal_amount(value, code, "amount", signed=True) == minor


@pytest.mark.parametrize(
    "value",
    ["1e400", "Infinity", "NaN", "9" * 1000, "1e999999999", 10**5000, float("inf")],
    ids=["1e400", "Infinity", "NaN", "1000-nines", "huge-exponent", "5000-digits", "inf"],
)
def test_decimal_amounts_that_are_no_amount_are_refused(value: Any) -> None:
    with pytest.raises(PayloadError):
        decimal_amount(value, "USD", "amount")


@pytest.mark.parametrize("value", [0, -5, 1e400, 10**30, float("nan"), True, "1795000000"])
def test_times_no_calendar_has_are_missing(value: Any) -> None:
    assert unix_time(value) is None


def test_iso_times_at_the_edges_of_the_calendar_are_missing_not_errors() -> None:
    assert iso_time("0001-01-01T00:00:00+14:00") is None
    assert iso_time("2026-11-24T01:12:00+01:00") == datetime(2026, 11, 24, 0, 12, tzinfo=UTC)
