"""Money amounts: major-unit text <-> integer minor units, with babel's currency precision."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache

from babel.numbers import get_currency_precision, list_currencies

AMOUNT = re.compile(r"^-?\d+(\.\d+)?$")


class MoneyError(ValueError):
    """An amount or currency code that cannot be used."""


@cache
def known_currencies() -> frozenset[str]:
    """ISO 4217 codes babel knows."""
    return frozenset(list_currencies())


def precision(currency: str) -> int:
    """Number of minor-unit digits of a currency (EUR 2, JPY 0, KWD 3)."""
    if currency not in known_currencies():
        raise MoneyError(f"unknown currency code {currency!r}")
    return int(get_currency_precision(currency))


def to_minor(amount: str, currency: str) -> int:
    """Parse a major-unit amount such as '19.99' into minor units (1999)."""
    digits = precision(currency)
    if not AMOUNT.match(amount):
        raise MoneyError(f"{amount!r} is not a number like 19.99")
    fraction = amount.partition(".")[2]
    if len(fraction) > digits:
        if digits == 0:
            raise MoneyError(f"{amount!r} has decimals, but {currency} has no minor unit")
        raise MoneyError(f"{amount!r} has more than {digits} decimals for {currency}")
    return int(Decimal(amount).scaleb(digits))


def to_major(minor: int, currency: str) -> Decimal:
    """Minor units back to a major-unit amount (1999 -> Decimal('19.99'))."""
    return Decimal(minor).scaleb(-precision(currency))
