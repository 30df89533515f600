"""Quiet hours: when non-urgent messages wait until morning in the customer's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from bot.domain.wall_clock import wall_clock_instant


@dataclass(frozen=True)
class QuietHours:
    """A nightly window (it may wrap midnight) in which non-urgent messages are held."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        """Parse "HH:MM-HH:MM" (e.g. "21:00-08:00"); raises ValueError on bad input."""
        start, separator, end = text.strip().partition("-")
        if not separator:
            raise ValueError(f"quiet hours must look like 21:00-08:00, not {text!r}")
        return cls(time.fromisoformat(start.strip()), time.fromisoformat(end.strip()))

    def contains(self, moment: time) -> bool:
        """True when a local wall-clock time falls inside the window."""
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def release_at(self, moment: datetime, zone: tzinfo) -> datetime | None:
        """When (UTC) a message held at `moment` may go out in `zone`, or None when not quiet."""
        local = moment.astimezone(zone)
        if not self.contains(local.time().replace(tzinfo=None)):
            return None
        day = local.date()
        if local.time().replace(tzinfo=None) >= self.end:
            day += timedelta(days=1)
        return wall_clock_instant(day, self.end, zone)
