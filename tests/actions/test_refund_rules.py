"""Refunds fall due by the consumer law of the order's jurisdiction."""

from __future__ import annotations

from datetime import date

from bot.domain.calendar import BusinessCalendar
from bot.domain.model import Jurisdiction
from bot.domain.refunds import refund_due_date

WEDNESDAY = date(2026, 12, 2)
CALENDAR = BusinessCalendar(holidays=frozenset({date(2026, 12, 8)}))


def test_a_us_refund_is_due_within_seven_business_days_skipping_weekends_and_holidays() -> None:
    due = refund_due_date(Jurisdiction.US, WEDNESDAY, calendar=CALENDAR, default_days=30)
    # Thu 3, Fri 4, Mon 7, (Tue 8 holiday), Wed 9, Thu 10, Fri 11, Mon 14.
    assert due == date(2026, 12, 14)


def test_eu_and_uk_refunds_are_due_within_fourteen_calendar_days() -> None:
    for jurisdiction in (Jurisdiction.EU, Jurisdiction.UK):
        due = refund_due_date(jurisdiction, WEDNESDAY, calendar=CALENDAR, default_days=30)
        assert due == date(2026, 12, 16)


def test_an_order_without_a_jurisdiction_uses_the_shops_default_days() -> None:
    due = refund_due_date(None, WEDNESDAY, calendar=CALENDAR, default_days=30)
    assert due == date(2027, 1, 1)
