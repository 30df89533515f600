"""Builders for ETA allocation tests: a SKU's book written the way a planner would describe it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from bot.domain.model import PoStatus, PurchaseOrder
from bot.domain.store import Demand, SkuBook

# A Wednesday, so that "today + a few days" stays clear of weekends unless a test wants one.
TODAY = date(2026, 12, 2)
SKU = "MUG-RED"


def po(
    po_id: str,
    quantity: int,
    expected: date,
    *,
    received: int = 0,
    status: PoStatus = PoStatus.CONFIRMED,
) -> PurchaseOrder:
    """A purchase order for the test SKU."""
    return PurchaseOrder(
        po_id=po_id,
        sku=SKU,
        quantity=quantity,
        expected_date=expected,
        received_quantity=received,
        status=status,
    )


def line(
    order_id: str,
    quantity: int,
    *,
    line_no: int = 1,
    priority: int = 0,
    placed_days_ago: int = 10,
    released: bool = False,
) -> Demand:
    """An open order line for the test SKU, placed some days before TODAY."""
    placed_at = datetime(2026, 12, 2, 9, 0, tzinfo=UTC) - timedelta(days=placed_days_ago)
    return Demand(
        order_id=order_id,
        line_no=line_no,
        quantity=quantity,
        priority=priority,
        placed_at=placed_at,
        released=released,
    )


def book(
    *,
    on_hand: int = 0,
    purchase_orders: Sequence[PurchaseOrder] = (),
    demand: Sequence[Demand] = (),
    lead_time_days: int | None = None,
    handling_days: int | None = 0,
) -> SkuBook:
    """A SKU's supply and open demand."""
    return SkuBook(
        sku=SKU,
        on_hand=on_hand,
        lead_time_days=lead_time_days,
        handling_days=handling_days,
        purchase_orders=tuple(purchase_orders),
        demand=tuple(demand),
    )
