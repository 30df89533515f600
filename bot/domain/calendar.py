"""Business days: weekends and public holidays are days off (DESIGN §5.4)."""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field
from datetime import date, timedelta

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5


@dataclass(frozen=True)
class BusinessCalendar:
    """Which days a shop ships on; answers are memoised per instance."""

    holidays: Container[date] = frozenset()
    _business_days: dict[date, bool] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _ship_dates: dict[tuple[date, int], date] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def is_business_day(self, day: date) -> bool:
        """True unless the day is a Saturday, a Sunday or a holiday."""
        known = self._business_days.get(day)
        if known is None:
            known = day.weekday() < _SATURDAY and day not in self.holidays
            self._business_days[day] = known
        return known

    def add_business_days(self, day: date, count: int) -> date:
        """The `count`-th business day after `day` (before it when negative; `day` itself for 0)."""
        step = _ONE_DAY if count >= 0 else -_ONE_DAY
        remaining = abs(count)
        while remaining:
            day += step
            if self.is_business_day(day):
                remaining -= 1
        return day

    def next_business_day_on_or_after(self, day: date) -> date:
        """The first business day on or after `day`."""
        while not self.is_business_day(day):
            day += _ONE_DAY
        return day

    def ship_date(self, available: date, handling_days: int) -> date:
        """The day a line ships when its units are available on `available`."""
        key = (available, handling_days)
        known = self._ship_dates.get(key)
        if known is None:
            if handling_days <= 0:
                known = self.next_business_day_on_or_after(available)
            else:
                known = self.add_business_days(available, handling_days)
            self._ship_dates[key] = known
        return known
