"""Money: Decimal + ISO 4217 currency in the domain, integer minor units in storage.

Integers in storage keep the schema portable (SQLite has no exact decimal type) and sums exact.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import get_currency_precision, list_currencies

# Codes that are ISO 4217 but withdrawn; babel lists them for historical data.
_WITHDRAWN = {"CNH", "CNX", "XAU", "XAG", "XPD", "XPT", "XTS", "XXX"}


@lru_cache(maxsize=1)
def known_currencies() -> frozenset[str]:
    return frozenset(c for c in list_currencies() if c not in _WITHDRAWN)


def is_known_currency(code: str) -> bool:
    return code in known_currencies()


@lru_cache(maxsize=512)
def exponent(currency: str) -> int:
    return int(get_currency_precision(currency))


def parse_amount(text: str) -> Decimal:
    """Parse '1,234.50' or '1234.5' into Decimal; raises ValueError with a plain reason."""
    cleaned = str(text).strip().replace(",", "").replace("¥", "").replace("$", "").replace("￥", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {text!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not an amount: {text!r}")
    return value


def to_minor(amount: Decimal, currency: str) -> int:
    """Decimal → integer minor units. Raises ValueError if it has more decimals than the currency."""
    exp = exponent(currency)
    scaled = amount.scaleb(exp)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} has more than {exp} decimals for {currency}")
    return int(scaled)


def from_minor(minor: int, currency: str) -> Decimal:
    return (Decimal(minor).scaleb(-exponent(currency))).quantize(
        Decimal(1).scaleb(-exponent(currency)), rounding=ROUND_HALF_UP
    )


def format_money(minor: int, currency: str) -> str:
    """Plain text amount for SMS bodies: '1,234.50元' (CNY) or '$1,234.50' (USD) or '1,234.50 EUR'."""
    value = from_minor(minor, currency)
    text = f"{value:,.{exponent(currency)}f}"
    if currency == "CNY":
        return f"{text}元"
    if currency == "USD":
        return f"${text}"
    return f"{text} {currency}"
