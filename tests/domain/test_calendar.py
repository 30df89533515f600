"""Business days: weekends and public holidays (DESIGN §5.4)."""

from __future__ import annotations

from datetime import date

import holidays

from bot.domain.calendar import BusinessCalendar

FRIDAY = date(2026, 12, 4)
SATURDAY = date(2026, 12, 5)
MONDAY = date(2026, 12, 7)


def test_weekends_are_not_business_days() -> None:
    calendar = BusinessCalendar()
    assert calendar.is_business_day(FRIDAY)
    assert not calendar.is_business_day(SATURDAY)
    assert not calendar.is_business_day(date(2026, 12, 6))
    assert calendar.is_business_day(MONDAY)


def test_one_handling_day_from_a_friday_ships_on_monday() -> None:
    assert BusinessCalendar().ship_date(FRIDAY, 1) == MONDAY


def test_zero_handling_days_on_a_saturday_ships_on_monday() -> None:
    assert BusinessCalendar().ship_date(SATURDAY, 0) == MONDAY


def test_zero_handling_days_on_a_business_day_ships_the_same_day() -> None:
    assert BusinessCalendar().ship_date(FRIDAY, 0) == FRIDAY


def test_handling_days_skip_a_weekend_and_a_us_public_holiday() -> None:
    calendar = BusinessCalendar(holidays=holidays.country_holidays("US"))
    # Wed 23 Dec 2026 + 2 business days: Thu 24th, (Fri 25th Christmas, weekend), Mon 28th.
    assert calendar.ship_date(date(2026, 12, 23), 2) == date(2026, 12, 28)


def test_a_german_holiday_is_a_day_off_only_with_the_german_calendar() -> None:
    whit_monday = date(2026, 5, 25)
    german = BusinessCalendar(holidays=holidays.country_holidays("DE"))
    assert not german.is_business_day(whit_monday)
    assert BusinessCalendar().is_business_day(whit_monday)
    assert german.ship_date(date(2026, 5, 22), 1) == date(2026, 5, 26)


def test_adding_negative_business_days_goes_back_over_the_weekend() -> None:
    assert BusinessCalendar().add_business_days(MONDAY, -1) == FRIDAY


def test_a_memoised_answer_matches_a_fresh_one() -> None:
    calendar = BusinessCalendar(holidays=frozenset({MONDAY}))
    first = calendar.ship_date(FRIDAY, 1)
    assert calendar.ship_date(FRIDAY, 1) == first == date(2026, 12, 8)


def test_calendars_with_the_same_holidays_are_equal_whatever_they_have_memoised() -> None:
    used = BusinessCalendar(holidays=frozenset({MONDAY}))
    used.ship_date(FRIDAY, 3)
    assert used == BusinessCalendar(holidays=frozenset({MONDAY}))
    assert used != BusinessCalendar()
