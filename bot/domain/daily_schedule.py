"""When the daily sweep runs: a wall-clock time in the business's zone, every calendar day."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.wall_clock import wall_clock_instant

_ONE_DAY = timedelta(days=1)


def sweep_instant(day: date, zone: ZoneInfo, at: time) -> datetime:
    """The UTC instant of `day`'s run: `at` in `zone`, after a DST gap, first of a DST fold."""
    return wall_clock_instant(day, at, zone)


def due_sweep_day(now: datetime, zone: ZoneInfo, at: time, last_swept: date | None) -> date | None:
    """The business day whose run is due at `now` and not yet done after `last_swept`, or None.

    Days missed while the bot was down collapse into the latest one: a sweep settles everything
    that fell due up to its moment.
    """
    today = now.astimezone(zone).date()
    for day in (today + _ONE_DAY, today, today - _ONE_DAY):
        if sweep_instant(day, zone, at) <= now:
            return day if last_swept is None or day > last_swept else None
    return None


def next_sweep(now: datetime, zone: ZoneInfo, at: time) -> datetime:
    """The first run strictly after `now` (UTC)."""
    day = now.astimezone(zone).date() - _ONE_DAY
    while (instant := sweep_instant(day, zone, at)) <= now:
        day += _ONE_DAY
    return instant
