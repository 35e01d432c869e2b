"""Reading the loosely typed values providers send into values our records can hold.

Two kinds of field. What people read (a name, a subject, a reason) is cut to its column with an ellipsis: a
shortened name still names the customer. What identifies something (a payment's id, a ticket's) cannot be cut
without naming something else, so one longer than its column is refused with a PayloadError, and so is an
amount that is no amount of money (infinite, fractional cents, more than a BIGINT holds). A field of the wrong
JSON type counts as missing, as it always has: a card can do without it.

Every limit comes from the model's column (`bot.storage.models.max_length`), so a migration that widens a column
widens what is accepted, and nothing here can drift from the schema.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from sqlalchemy.orm import InstrumentedAttribute

from bot.core.errors import PayloadError
from bot.core.money import to_minor
from bot.storage.models import BIGINT_MAX, max_length

ELLIPSIS = "…"
# Ids arrive as strings, or as numbers from some help desks; no id column holds anywhere near this many digits,
# and Python refuses to turn an int of more than 4,300 digits into a string.
_TOO_MANY_DIGITS = 10**1000
_T = TypeVar("_T")


def mapping(value: Any) -> dict[str, Any]:
    """A JSON object, or an empty one for anything else (null, a list, a string)."""
    return value if isinstance(value, dict) else {}


def listed(value: Any) -> list[Any]:
    """A JSON array, or an empty one for anything else."""
    return value if isinstance(value, list) else []


def text(value: Any) -> str | None:
    """A non-empty string, made storable; None for anything else."""
    if not isinstance(value, str):
        return None
    return storable(value) or None


def display_text(value: Any, column: InstrumentedAttribute[Any]) -> str | None:
    """Text people read, cut to what `column` holds, with an ellipsis to show that it was cut."""
    cleaned = text(value)
    if cleaned is None:
        return None
    limit = max_length(column)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + ELLIPSIS


def identifier(value: Any, column: InstrumentedAttribute[Any], field: str, *, numbers: bool = False) -> str | None:
    """An id, as a string; None when missing (or not a string, or a number when `numbers`).

    Raises PayloadError when it is longer than `column` holds or holds characters no database can store.
    """
    if numbers and isinstance(value, int) and not isinstance(value, bool):
        if abs(value) >= _TOO_MANY_DIGITS:
            raise PayloadError(field, "is a number too long to be an id")
        value = str(value)
    if not isinstance(value, str) or not value:
        return None
    if storable(value) != value:
        raise PayloadError(field, "holds characters that cannot be stored (NUL or a lone surrogate)")
    limit = max_length(column)
    if len(value) > limit:
        raise PayloadError(field, f"is {len(value)} characters long; ids of up to {limit} are kept")
    return value


def required(value: _T | None, field: str) -> _T:
    if value is None:
        raise PayloadError(field, "is missing")
    return value


def email(value: Any, column: InstrumentedAttribute[Any]) -> str | None:
    """An email address as sent; one longer than the column holds is no address (RFC 5321 stops at 254)."""
    cleaned = text(value)
    return cleaned if cleaned is not None and len(cleaned) <= max_length(column) else None


def currency(value: Any) -> str | None:
    """An ISO 4217 code in capitals; None for anything that is not three letters."""
    if isinstance(value, str) and len(value) == 3 and value.isascii() and value.isalpha():
        return value.upper()
    return None


def minor_amount(value: Any, field: str, *, signed: bool = False) -> int | None:
    """A count of minor units (cents), as Stripe sends amounts; None when missing or not a number at all."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            raise PayloadError(field, "is not a finite amount")
        if not value.is_integer():
            raise PayloadError(field, "is not a whole number of minor units")
        value = int(value)
    return _fitting(value, field, signed=signed)


def decimal_amount(value: Any, code: str | None, field: str, *, signed: bool = False) -> int | None:
    """A major-unit amount ("49.99", as PayPal sends amounts) in minor units; None when missing or not a number."""
    if code is None or value is None or isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    if isinstance(value, int):
        _fitting(value, field, signed=signed)  # before any conversion: a huge int would not even become a string
    try:
        amount = Decimal(value) if isinstance(value, int) else Decimal(str(value).strip())
    except InvalidOperation:
        return None  # "ten", "10.00 USD": not a number, so no amount, as if missing
    if not amount.is_finite():
        raise PayloadError(field, "is not a finite amount")
    if amount.copy_abs() > BIGINT_MAX:  # copy_abs, unlike abs(), never rounds: 1e999999999 would overflow
        raise PayloadError(field, "is more than an amount column holds")
    try:
        minor = to_minor(amount, code)
    except ArithmeticError:  # decimal's overflow and invalid-operation signals
        raise PayloadError(field, "is not an amount of money") from None
    return None if minor is None else _fitting(minor, field, signed=signed)


def _fitting(value: int, field: str, *, signed: bool) -> int:
    if value < 0 and not signed:
        raise PayloadError(field, "is negative")
    if abs(value) > BIGINT_MAX:
        raise PayloadError(field, "is more than an amount column holds")
    return value


def unix_time(value: Any) -> datetime | None:
    """Unix seconds (Stripe's times) as a UTC time; None for 0, anything else, or a time no calendar has."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def iso_time(value: Any) -> datetime | None:
    """An ISO 8601 time with a zone ("2026-11-24T01:12:00Z") in UTC; None for anything else, never an exception."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed.astimezone(UTC) if parsed.tzinfo else None
    except (ValueError, OverflowError):  # OverflowError: year 1 or 9999 moved across the date line
        return None


def storable(value: str) -> str:
    """The text with what no database can store taken out."""
    # PostgreSQL text cannot hold NUL, and UTF-8 has no lone surrogates (JSON's "\ud800" escape makes one).
    if value.isascii() and "\x00" not in value:  # most text: no surrogate can be in it, and no copy is needed
        return value
    return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
