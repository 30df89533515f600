"""Use cases: refunds still owed, and staff marking one paid (DESIGN §6, §12)."""

from __future__ import annotations

from datetime import date, datetime

from bot.domain.alerts import DueRefund
from bot.domain.refunds import RefundAlreadyPaid, RefundPaid, RefundStore


async def due_refunds(store: RefundStore) -> list[DueRefund]:
    """Every refund still owed (status `due`), oldest due date first."""
    return await store.due_refunds()


async def overdue_refunds(store: RefundStore, *, today: date) -> list[DueRefund]:
    """Refunds still owed whose due date is before `today` (the business date)."""
    return await store.due_refunds(before=today)


async def mark_refund_paid(
    store: RefundStore, refund_id: int, *, actor: str, now: datetime
) -> RefundPaid | RefundAlreadyPaid | None:
    """Mark a due refund paid in one transaction: status `paid`, an audit row with `actor`
    (`staff:<id>` or `cli`) and the previous status, and a `refund.paid` event for the shop's
    feed. A refund already paid is left as it is and says by whom and when (a double tap, two
    staff members); None when there is no such refund."""
    return await store.mark_refund_paid(refund_id, actor=actor, at=now)
