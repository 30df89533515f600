"""Wall-clock times in a time zone as instants, across DST gaps and folds."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, tzinfo


def wall_clock_instant(day: date, at: time, zone: tzinfo) -> datetime:
    """The UTC instant when clocks in `zone` show `at` on `day` (schedules, DESIGN §2).

    A time that does not exist that day (a DST gap) maps to the first instant after the gap;
    one that happens twice (a DST fold) maps to its first occurrence.
    """
    wall = datetime.combine(day, at.replace(tzinfo=None), tzinfo=zone)
    # Why: fold=0 is the first occurrence in a fold, and in a gap it lands after the gap.
    first = wall.replace(fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return first
    return _gap_end(zone, wall.replace(fold=1).astimezone(UTC), first)


def _gap_end(zone: tzinfo, before: datetime, after: datetime) -> datetime:
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
