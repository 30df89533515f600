"""The one place the application reads the time (`BACKORDER_NOW` freezes it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    """Source of the current time."""

    def now(self) -> datetime:
        """The current moment, timezone-aware."""
        ...


class SystemClock:
    """Wall-clock time."""

    def now(self) -> datetime:
        """The current moment in UTC."""
        return datetime.now(UTC)


@dataclass
class FrozenClock:
    """A clock stopped at one moment; tests and demos may move it."""

    moment: datetime

    def now(self) -> datetime:
        """The frozen moment."""
        return self.moment


def business_today(clock: Clock, timezone: ZoneInfo) -> date:
    """The business's current date."""
    return clock.now().astimezone(timezone).date()
