"""When a refund falls due, by the consumer law of the order's jurisdiction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from bot.domain.actions import RefundRecord
from bot.domain.alerts import DueRefund
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


@dataclass(frozen=True)
class RefundPaid:
    """A due refund now marked paid, by whom (`staff:<id>` or `cli`) and when."""

    refund: RefundRecord
    paid_by: str
    paid_at: datetime


@dataclass(frozen=True)
class RefundAlreadyPaid:
    """The refund had been marked paid before (a double tap, another staff member)."""

    refund: RefundRecord
    paid_by: str | None
    paid_at: datetime | None


class RefundStore(Protocol):
    """Persistence of refund payments."""

    async def due_refunds(self, before: date | None = None) -> list[DueRefund]:
        """Refunds with status `due` (due before `before`, when given), oldest due first."""
        ...

    async def mark_refund_paid(
        self, refund_id: int, *, actor: str, at: datetime
    ) -> RefundPaid | RefundAlreadyPaid | None:
        """Set a due refund paid (audited, `refund.paid` event) in one transaction; what it was
        when already paid; None when there is no such refund."""
        ...
