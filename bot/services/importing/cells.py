"""Parsing the cells of one import row; every problem is recorded against its column."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError

from bot.money import MoneyError, known_currencies, to_major, to_minor
from bot.services.importing.bounds import MAX_DIGITS, MAX_MINOR_UNITS, Bounds, day_problem
from bot.services.importing.table import Problems, Record

WHOLE = re.compile(r"^[+-]?\d+$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[\d\s().\-/]+$")
MIN_PHONE_DIGITS = 3
SHOWN_DIGITS = 30

Choice = TypeVar("Choice", bound=StrEnum)


class Cells:
    """Typed access to one row's cells; a bad cell is reported and `failed` becomes true."""

    def __init__(self, record: Record, problems: Problems) -> None:
        self.line = record.line
        self._cells = record.cells
        self._problems = problems
        self.failed = False

    def fail(self, column: str, message: str) -> None:
        """Report a problem with one cell of this row."""
        self.failed = True
        self._problems.add(self.line, column, message)

    def absent(self, fields: Mapping[str, str]) -> list[str]:
        """The fields (values) whose column (key) the file leaves out: they keep stored values."""
        return [field for column, field in fields.items() if column not in self._cells]

    def optional(self, column: str) -> str | None:
        """The cell's text, None when blank or when the column is absent."""
        return self._cells.get(column) or None

    def required(self, column: str) -> str:
        """The cell's text; a blank cell is an error."""
        value = self._cells.get(column, "")
        if not value:
            self.fail(column, "a value is required")
        return value

    def whole(self, column: str, bounds: Bounds) -> int | None:
        """An optional whole number within `bounds` (the one check every imported count passes)."""
        text = self.optional(column)
        if text is None:
            return None
        if not WHOLE.match(text):
            self.fail(column, f"{text!r} is not a whole number")
            return None
        if len(text.lstrip("+-")) > MAX_DIGITS:
            shown = _shortened(text)
            self.fail(column, f"must be between {bounds.minimum} and {bounds.maximum}, got {shown}")
            return None
        number = int(text)
        problem = bounds.problem(number)
        if problem is not None:
            self.fail(column, problem)
            return None
        return number

    def required_whole(self, column: str, bounds: Bounds) -> int:
        """A required whole number within `bounds`."""
        if not self.required(column):
            return 0
        number = self.whole(column, bounds)
        return 0 if number is None else number

    def day(self, column: str) -> date | None:
        """An optional date written YYYY-MM-DD."""
        text = self.optional(column)
        if text is None:
            return None
        try:
            if not ISO_DATE.match(text):
                raise ValueError(text)
            day = date.fromisoformat(text)
        except ValueError:
            self.fail(column, f"{text!r} is not a date like 2025-12-31")
            return None
        return self._within_days(column, day)

    def required_day(self, column: str) -> date:
        """A required date written YYYY-MM-DD."""
        if not self.required(column):
            return date.min
        return self.day(column) or date.min

    def required_moment(self, column: str, timezone: ZoneInfo) -> datetime:
        """A required ISO-8601 timestamp; without an offset it is in `timezone`."""
        text = self.required(column)
        if not text:
            return datetime.min.replace(tzinfo=timezone)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            self.fail(column, f"{text!r} is not an ISO-8601 timestamp like 2025-12-31T14:30")
            return datetime.min.replace(tzinfo=timezone)
        if self._within_days(column, moment.date()) is None:
            return datetime.min.replace(tzinfo=timezone)
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone)

    def _within_days(self, column: str, day: date) -> date | None:
        problem = day_problem(day)
        if problem is not None:
            self.fail(column, problem)
            return None
        return day

    def currency(self, column: str) -> str | None:
        """A required ISO 4217 currency code babel knows."""
        text = self.required(column)
        if not text:
            return None
        code = text.upper()
        if code not in known_currencies():
            self.fail(column, f"{text!r} is not a known ISO 4217 currency code such as USD or EUR")
            return None
        return code

    def money(self, column: str, currency: str | None) -> int:
        """A required non-negative amount in major units, as minor units of `currency`."""
        text = self.required(column)
        if not text or currency is None:
            return 0
        try:
            minor = to_minor(text, currency)
        except MoneyError as exc:
            self.fail(column, str(exc))
            return 0
        if minor < 0:
            self.fail(column, f"must not be negative, got {text}")
        elif minor > MAX_MINOR_UNITS:
            largest = to_major(MAX_MINOR_UNITS, currency)
            self.fail(column, f"must be at most {largest} {currency}, got {_shortened(text)}")
            return 0
        return minor

    def choice(self, column: str, allowed: type[Choice], default: Choice | None) -> Choice | None:
        """An enumeration value in any letter case (`Open`, `us`); blank gives `default`."""
        text = self.optional(column)
        if text is None:
            return default
        for member in allowed:
            if member.value.casefold() == text.casefold():
                return member
        names = ", ".join(member.value for member in allowed)
        self.fail(column, f"{text!r} is not one of: {names}")
        return default

    def language(self, column: str) -> str | None:
        """An optional BCP 47 language tag babel knows (e.g. de, pt-BR)."""
        text = self.optional(column)
        if text is None:
            return None
        if not known_language(text):
            self.fail(column, f"{text!r} is not a known BCP 47 language tag like de or pt-BR")
            return None
        return text

    def time_zone(self, column: str) -> str | None:
        """An optional IANA time zone name."""
        text = self.optional(column)
        if text is None:
            return None
        try:
            ZoneInfo(text)
        # Why: a zone folder ("America") is an OSError, not "not found".
        except (ZoneInfoNotFoundError, ValueError, OSError):
            self.fail(column, f"{text!r} is not an IANA time zone like Europe/Berlin")
            return None
        return text

    def email(self, column: str) -> str | None:
        """An optional e-mail address."""
        text = self.optional(column)
        if text is not None and not EMAIL.match(text):
            self.fail(column, f"{text!r} is not an e-mail address")
            return None
        return text

    def phone(self, column: str) -> str | None:
        """An optional phone number."""
        text = self.optional(column)
        if text is None:
            return None
        if not PHONE.match(text) or sum(char.isdigit() for char in text) < MIN_PHONE_DIGITS:
            self.fail(column, f"{text!r} is not a phone number")
            return None
        return text


@lru_cache(maxsize=1024)
def known_language(tag: str) -> bool:
    """Whether babel knows a BCP 47 tag (`de`, `pt-BR`); cached: a file repeats a few tags."""
    try:
        Locale.parse(tag.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return False
    return True


def _shortened(text: str) -> str:
    """A number's text, cut short when it is too long to show in one error line."""
    if len(text) <= SHOWN_DIGITS:
        return text
    return f"{text[:SHOWN_DIGITS]}... ({len(text)} characters)"
