"""Sane limits for imported numbers and dates, so none overflows SQLite or date arithmetic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

MAX_DIGITS = 18  # Why: int() refuses very long digit strings, and 10^18 is past every bound here.
MAX_MINOR_UNITS = 10**12
MAX_COUNT = 10**9
MAX_DAYS = 3650
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)


@dataclass(frozen=True, slots=True)
class Bounds:
    """The smallest and largest whole number a column accepts (DESIGN §4)."""

    minimum: int
    maximum: int

    def problem(self, number: int) -> str | None:
        """Why `number` is out of bounds, or None when it is within them."""
        if number < self.minimum:
            return f"must be at least {self.minimum}, got {number}"
        if number > self.maximum:
            return f"must be at most {self.maximum}, got {number}"
        return None


DAYS = Bounds(0, MAX_DAYS)
STOCK = Bounds(0, MAX_COUNT)
QUANTITY = Bounds(1, MAX_COUNT)
LINE_NUMBER = Bounds(1, MAX_COUNT)
PRIORITY = Bounds(-MAX_COUNT, MAX_COUNT)


def day_problem(day: date) -> str | None:
    """Why a date is out of bounds (before 1900 or after 2999), or None."""
    if FIRST_DAY <= day <= LAST_DAY:
        return None
    return f"must be between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}, got {day}"
