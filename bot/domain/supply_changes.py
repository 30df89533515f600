"""Staff changes to supply: a purchase order's date, receipts, cancellation, on-hand units (§10).

Pure checks: each rule takes the stored value and what staff asked for and returns the new value
or a refusal that says why; nothing is written when a rule refuses.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from bot.domain.model import PoStatus, Product, PurchaseOrder

# Why: DESIGN §4 bounds quantities at 10^9 and days at 3,650; staff input gets the same bounds.
MAX_UNITS = 1_000_000_000
MAX_DAYS_AHEAD = 3_650


class RefusalReason(StrEnum):
    """Why a staff change was not made."""

    UNKNOWN = "unknown"
    CANCELLED = "cancelled"
    DATE_PAST = "date_past"
    DATE_TOO_FAR = "date_too_far"
    QUANTITY_NOT_POSITIVE = "quantity_not_positive"
    QUANTITY_NEGATIVE = "quantity_negative"
    QUANTITY_TOO_LARGE = "quantity_too_large"
    BEYOND_ORDERED = "beyond_ordered"
    RECEIVED_SHRINKS = "received_shrinks"
    FULLY_RECEIVED = "fully_received"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Refused:
    """A change not made: the reason and, where one applies, the limit it broke."""

    reason: RefusalReason
    limit: int | None = None


def move_date(po: PurchaseOrder, new_date: date, *, today: date) -> PurchaseOrder | Refused:
    """The purchase order expected on `new_date` (today or later, within MAX_DAYS_AHEAD)."""
    if po.status is PoStatus.CANCELLED:
        return Refused(RefusalReason.CANCELLED)
    if new_date < today:
        return Refused(RefusalReason.DATE_PAST)
    if new_date > today + timedelta(days=MAX_DAYS_AHEAD):
        return Refused(RefusalReason.DATE_TOO_FAR, MAX_DAYS_AHEAD)
    if new_date == po.expected_date:
        return Refused(RefusalReason.UNCHANGED)
    return replace(po, expected_date=new_date)


def receive(po: PurchaseOrder, units: int) -> PurchaseOrder | Refused:
    """A receipt of `units` more units: received_quantity grows (all of them close the order)."""
    if po.status is PoStatus.CANCELLED:
        return Refused(RefusalReason.CANCELLED)
    if po.remaining == 0:
        return Refused(RefusalReason.FULLY_RECEIVED)
    if units <= 0:
        return Refused(RefusalReason.QUANTITY_NOT_POSITIVE)
    if units > po.remaining:
        return Refused(RefusalReason.BEYOND_ORDERED, po.remaining)
    return replace(po, received_quantity=po.received_quantity + units)


def set_received(po: PurchaseOrder, total: int) -> PurchaseOrder | Refused:
    """The purchase order with `total` units received in all (the command line's --received)."""
    if po.status is PoStatus.CANCELLED:
        return Refused(RefusalReason.CANCELLED)
    if total < 0:
        return Refused(RefusalReason.QUANTITY_NEGATIVE)
    if total > po.quantity:
        return Refused(RefusalReason.BEYOND_ORDERED, po.quantity)
    if total < po.received_quantity:
        # Why: received units are on the shelf (on hand) already; a receipt is not taken back.
        return Refused(RefusalReason.RECEIVED_SHRINKS, po.received_quantity)
    if total == po.received_quantity:
        return Refused(RefusalReason.UNCHANGED)
    return replace(po, received_quantity=total)


def set_status(po: PurchaseOrder, status: PoStatus) -> PurchaseOrder | Refused:
    """The purchase order with a new status; a cancelled one stays cancelled."""
    if po.status is PoStatus.CANCELLED:
        return Refused(RefusalReason.CANCELLED)
    if status is po.status:
        return Refused(RefusalReason.UNCHANGED)
    return replace(po, status=status)


def cancel(po: PurchaseOrder) -> PurchaseOrder | Refused:
    """The purchase order cancelled: its remaining units no longer supply anyone."""
    return set_status(po, PoStatus.CANCELLED)


def set_on_hand(product: Product, units: int) -> Product | Refused:
    """The product with `units` on hand (0 to MAX_UNITS)."""
    if units < 0:
        return Refused(RefusalReason.QUANTITY_NEGATIVE)
    if units > MAX_UNITS:
        return Refused(RefusalReason.QUANTITY_TOO_LARGE, MAX_UNITS)
    if units == product.on_hand:
        return Refused(RefusalReason.UNCHANGED)
    return replace(product, on_hand=units)
