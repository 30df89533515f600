"""When a refund falls due, by the consumer law of the order's jurisdiction."""

from __future__ import annotations

from datetime import date, timedelta

from bot.domain.calendar import BusinessCalendar
from bot.domain.model import Jurisdiction

US_BUSINESS_DAYS = 7
EU_UK_CALENDAR_DAYS = 14


def refund_due_date(
    jurisdiction: Jurisdiction | None,
    cancelled_on: date,
    *,
    calendar: BusinessCalendar,
    default_days: int,
) -> date:
    """US: 7 business days; EU and UK: 14 calendar days; otherwise the shop's default days."""
    if jurisdiction == Jurisdiction.US:
        return calendar.add_business_days(cancelled_on, US_BUSINESS_DAYS)
    if jurisdiction in (Jurisdiction.EU, Jurisdiction.UK):
        return cancelled_on + timedelta(days=EU_UK_CALENDAR_DAYS)
    return cancelled_on + timedelta(days=default_days)
