"""Writes a small shop through the store, the way the importer does."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from bot.domain.model import (
    Customer,
    LineStatus,
    Order,
    OrderLine,
    PoStatus,
    Product,
    PurchaseOrder,
)
from bot.domain.store import Store

TODAY = date(2026, 12, 2)
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


async def add_product(
    store: Store,
    sku: str,
    *,
    on_hand: int = 0,
    lead_time_days: int | None = None,
    handling_days: int | None = 0,
) -> None:
    """Insert or update one product."""
    product = Product(
        sku=sku,
        name=sku.title(),
        price_minor=1000,
        currency="EUR",
        on_hand=on_hand,
        lead_time_days=lead_time_days,
        handling_days=handling_days,
    )
    await store.upsert_products([product], actor="test", at=NOW)


async def add_order(
    store: Store,
    order_id: str,
    lines: Sequence[tuple[str, int]],
    *,
    placed_at: datetime | None = None,
    priority: int = 0,
    statuses: Sequence[LineStatus] = (),
) -> None:
    """Insert or update an order whose lines are (sku, quantity) pairs."""
    order_lines = tuple(
        OrderLine(
            order_id=order_id,
            line_no=number,
            sku=sku,
            quantity=quantity,
            unit_price_minor=1000,
            status=statuses[number - 1] if statuses else LineStatus.OPEN,
        )
        for number, (sku, quantity) in enumerate(lines, start=1)
    )
    order = Order(
        order_id=order_id,
        customer_id="C-1",
        placed_at=placed_at or NOW - timedelta(days=1),
        currency="EUR",
        priority=priority,
        lines=order_lines,
    )
    customer = Customer(customer_id="C-1", name="Ada")
    await store.upsert_orders([customer], [order], actor="test", at=NOW)


async def add_po(
    store: Store,
    po_id: str,
    sku: str,
    quantity: int,
    expected: date,
    *,
    received: int = 0,
    status: PoStatus = PoStatus.CONFIRMED,
) -> None:
    """Insert or update one purchase order."""
    purchase_order = PurchaseOrder(
        po_id=po_id,
        sku=sku,
        quantity=quantity,
        expected_date=expected,
        received_quantity=received,
        status=status,
    )
    await store.upsert_purchase_orders([purchase_order], actor="test", at=NOW)
