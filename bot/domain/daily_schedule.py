"""When the daily sweep runs: a wall-clock time in the business's zone, every calendar day."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_ONE_DAY = timedelta(days=1)


def sweep_instant(day: date, zone: ZoneInfo, at: time) -> datetime:
    """The UTC instant of `day`'s run at wall-clock `at` in `zone` (DESIGN §2 schedules).

    A wall-clock time that does not exist that day (a DST gap) runs at the first instant after
    the gap; one that happens twice (a DST fold) runs at its first occurrence only.
    """
    wall = datetime.combine(day, at.replace(tzinfo=None), tzinfo=zone)
    # Why: fold=0 is the first occurrence in a fold, and in a gap it lands after the gap.
    first = wall.replace(fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return first
    return _gap_end(zone, wall.replace(fold=1).astimezone(UTC), first)


def _gap_end(zone: ZoneInfo, before: datetime, after: datetime) -> datetime:
    """The first instant in (before, after] with `after`'s UTC offset: where the clock jumped."""
    target = after.astimezone(zone).utcoffset()
    # Why: whole POSIX seconds, as tzdata transitions are; the search then ends on one exactly.
    low, high = math.floor(before.timestamp()), math.ceil(after.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == target:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


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
