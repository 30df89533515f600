"""The database side of overdue supply: which SKUs have late purchase orders, whose orders wait."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.codec import IN_CHUNK
from storage.schema import orders, purchase_orders

_OVERDUE_SKUS = (
    select(purchase_orders.c.sku)
    .distinct()
    .where(
        purchase_orders.c.status != "cancelled",
        purchase_orders.c.quantity > purchase_orders.c.received_quantity,
        purchase_orders.c.expected_date < bindparam("today"),
    )
    .order_by(purchase_orders.c.sku)
)
_ORDER_CUSTOMERS = select(orders.c.order_id, orders.c.customer_id).where(
    orders.c.order_id.in_(bindparam("keys", expanding=True))
)


async def read_overdue_skus(conn: AsyncConnection, today: date) -> list[str]:
    """SKUs with a non-cancelled purchase order expected before `today` and units to come."""
    result = await conn.execute(_OVERDUE_SKUS, {"today": today.isoformat()})
    return [str(sku) for sku in result.scalars()]


async def read_order_customers(conn: AsyncConnection, order_ids: Collection[str]) -> dict[str, str]:
    """The customer_id of each of these orders, by order_id."""
    keys = sorted(set(order_ids))
    customers: dict[str, str] = {}
    for start in range(0, len(keys), IN_CHUNK):
        chunk = {"keys": keys[start : start + IN_CHUNK]}
        for order_id, customer_id in (await conn.execute(_ORDER_CUSTOMERS, chunk)).all():
            customers[str(order_id)] = str(customer_id)
    return customers
