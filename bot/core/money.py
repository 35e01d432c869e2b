"""Amounts in the currency's minor unit, as providers count them, and how a person reads them."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# ISO 4217 currencies whose minor unit is not the cent; every other currency has two decimals.
_ZERO_DECIMAL = frozenset("BIF CLP DJF GNF ISK JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split())
_THREE_DECIMAL = frozenset("BHD IQD JOD KWD LYD OMR TND".split())
_SYMBOLS = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "INR": "₹",
    "CAD": "CA$",
    "AUD": "A$",
    "NZD": "NZ$",
    "BRL": "R$",
    "KRW": "₩",
}


def exponent(currency: str) -> int:
    code = currency.upper()
    if code in _ZERO_DECIMAL:
        return 0
    return 3 if code in _THREE_DECIMAL else 2


def to_minor(value: str | int | float | Decimal | None, currency: str | None) -> int | None:
    """A major-unit amount such as PayPal's "49.99" in minor units, or None when it is not a number."""
    if value is None or currency is None:
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    if not amount.is_finite():
        return None
    return int((amount * (10 ** exponent(currency))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_money(amount_minor: int | None, currency: str | None) -> str:
    """ "$1,234.56", "¥5,000", "1,234.50 SEK"; "amount unknown" when the provider did not say."""
    if amount_minor is None or not currency:
        return "amount unknown"
    code = currency.upper()
    places = exponent(code)
    major = Decimal(amount_minor) / (10**places)
    sign = "-" if major < 0 else ""
    number = f"{abs(major):,.{places}f}"
    symbol = _SYMBOLS.get(code)
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {code}"


def format_totals(totals: dict[str, int]) -> str:
    """Totals in several currencies side by side; sums across currencies would mean nothing."""
    if not totals:
        return "nothing yet"
    return " · ".join(format_money(totals[code], code) for code in sorted(totals))
