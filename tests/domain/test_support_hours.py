"""Working hours: parsing BACKORDER_SUPPORT_HOURS, open until when, back when."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.domain.support_hours import SupportHours

BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS = SupportHours.parse("Mon-Fri 09:00-17:00, Sat 10:00-14:00")


def berlin(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in December 2026 in Berlin (1 December is a Tuesday)."""
    return datetime(2026, 12, day, hour, minute, tzinfo=BERLIN)


def test_weekday_ranges_single_days_and_lists_are_read() -> None:
    hours = SupportHours.parse("mon-wed 08:30-12:00, Fri 13:00-18:00, Sat/Sun 10:00-11:00")
    assert [sorted(window.weekdays) for window in hours.windows] == [[0, 1, 2], [4], [5, 6]]
    assert hours.windows[0].start == time(8, 30)


def test_a_range_may_wrap_over_the_weekend() -> None:
    assert sorted(SupportHours.parse("Fri-Mon 10:00-12:00").windows[0].weekdays) == [0, 4, 5, 6]


@pytest.mark.parametrize(
    "text",
    ["", "weekdays", "Mon-Fri", "Mon-Fri 9-5", "Mon-Fri 17:00-09:00", "Mon-Fry 09:00-17:00", ","],
)
def test_a_bad_value_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        SupportHours.parse(text)


def test_within_hours_the_team_is_in_until_the_window_ends() -> None:
    status = WEEKDAYS.status(berlin(2, 10), BERLIN)
    assert (status.open, status.until) == (True, berlin(2, 17))


def test_touching_windows_count_as_one() -> None:
    hours = SupportHours.parse("Mon-Fri 09:00-12:00, Mon-Fri 12:00-17:00")
    assert hours.status(berlin(2, 11), BERLIN).until == berlin(2, 17)


def test_before_opening_the_team_is_back_the_same_morning() -> None:
    status = WEEKDAYS.status(berlin(2, 7), BERLIN)
    assert (status.open, status.back_at) == (False, berlin(2, 9))


def test_on_friday_evening_the_team_is_back_on_saturday_and_after_that_on_monday() -> None:
    assert WEEKDAYS.status(berlin(4, 18), BERLIN).back_at == berlin(5, 10)
    assert WEEKDAYS.status(berlin(5, 14), BERLIN).back_at == berlin(7, 9)


def test_the_moment_is_read_in_the_business_time_zone() -> None:
    utc = datetime(2026, 12, 2, 16, 30, tzinfo=UTC)  # 17:30 in Berlin: closed
    assert not WEEKDAYS.status(utc, BERLIN).open
    assert WEEKDAYS.status(utc, UTC).open


def test_the_end_of_a_window_is_already_closed() -> None:
    assert not WEEKDAYS.status(berlin(2, 17), BERLIN).open
