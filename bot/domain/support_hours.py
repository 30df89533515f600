"""Support working hours (BACKORDER_SUPPORT_HOURS, e.g. "Mon-Fri 09:00-17:00, Sat 10:00-14:00"):
whether the team is in now, until when, and when it is back (DESIGN §12 hand-off)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from bot.domain.wall_clock import wall_clock_instant

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SAMPLE = "Mon-Fri 09:00-17:00, Sat 10:00-14:00"


@dataclass(frozen=True)
class HoursWindow:
    """Opening times on some weekdays (0 = Monday): from `start` to `end` on each of them."""

    weekdays: frozenset[int]
    start: time
    end: time


@dataclass(frozen=True)
class HoursStatus:
    """Now: open until `until`, or closed and back at `back_at` (both in the business zone)."""

    open: bool
    until: datetime | None = None
    back_at: datetime | None = None


@dataclass(frozen=True)
class SupportHours:
    """The team's working hours, as wall-clock windows in the business time zone."""

    windows: tuple[HoursWindow, ...]

    @classmethod
    def parse(cls, text: str) -> SupportHours:
        """Parse comma-separated "DAYS HH:MM-HH:MM" entries; DAYS is a day ("Sat"), a range
        ("Mon-Fri", may wrap: "Fri-Mon") or days joined by "/" ("Mon/Wed"). Raises ValueError."""
        entries = [entry.strip() for entry in text.split(",")]
        if not entries or not all(entries):
            raise ValueError(f"working hours look like {_SAMPLE!r}")
        return cls(tuple(_window(entry) for entry in entries))

    def status(self, now: datetime, zone: tzinfo) -> HoursStatus:
        """Open (until when, windows that touch merged) or closed (back when) at `now`."""
        local = now.astimezone(zone)
        until = self._open_until(local, zone)
        if until is not None:
            return HoursStatus(True, until=until)
        return HoursStatus(False, back_at=self._next_start(local, zone))

    def _spans(self, day: datetime, zone: tzinfo) -> list[tuple[datetime, datetime]]:
        """The day's windows as instants, in order."""
        weekday = day.weekday()
        return sorted(
            (
                wall_clock_instant(day.date(), window.start, zone),
                wall_clock_instant(day.date(), window.end, zone),
            )
            for window in self.windows
            if weekday in window.weekdays
        )

    def _open_until(self, local: datetime, zone: tzinfo) -> datetime | None:
        until: datetime | None = None
        for start, end in self._spans(local, zone):
            if start <= local < end or (until is not None and start <= until < end):
                until = max(end, until) if until is not None else end
        return until.astimezone(zone) if until is not None else None

    def _next_start(self, local: datetime, zone: tzinfo) -> datetime:
        for offset in range(8):
            day = local + timedelta(days=offset)
            starts = [start for start, _ in self._spans(day, zone) if start > local]
            if starts:
                return min(starts).astimezone(zone)
        raise AssertionError("every parsed window opens on some weekday")


def _window(entry: str) -> HoursWindow:
    days, _, hours = entry.partition(" ")
    start_text, separator, end_text = hours.strip().partition("-")
    if not separator:
        raise ValueError(f"{entry!r}: working hours look like {_SAMPLE!r}")
    start, end = _clock_time(entry, start_text), _clock_time(entry, end_text)
    if end <= start:
        raise ValueError(f"{entry!r}: the end must be after the start on the same day")
    return HoursWindow(_weekdays(days), start, end)


def _weekdays(text: str) -> frozenset[int]:
    found: set[int] = set()
    for part in text.split("/"):
        first, dash, last = part.partition("-")
        a = _day(first)
        b = _day(last) if dash else a
        found.update((a + step) % 7 for step in range((b - a) % 7 + 1))
    return frozenset(found)


def _day(name: str) -> int:
    key = name.strip().lower()
    for names in (DAY_NAMES, FULL_DAY_NAMES):
        if key in names:
            return names.index(key)
    raise ValueError(f"{name!r} is not a weekday (Mon, Tue, Wed, Thu, Fri, Sat, Sun)")


def _clock_time(entry: str, text: str) -> time:
    """A time of day written HH:MM (e.g. 09:00); ValueError naming the entry otherwise."""
    try:
        return time.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"{entry!r}: {text.strip()!r} is not a time; write hours as HH:MM, e.g. 09:00-17:00"
        ) from None
