"""SQLite side of overdue supply: which SKUs have late purchase orders, whose orders wait."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import date

import aiosqlite

_OVERDUE_SKUS = """
    SELECT DISTINCT sku FROM purchase_orders
     WHERE status != 'cancelled' AND quantity > received_quantity AND expected_date < ?
     ORDER BY sku"""
_ORDER_CUSTOMERS = """
    SELECT order_id, customer_id FROM orders WHERE order_id IN (SELECT value FROM json_each(?))"""


async def read_overdue_skus(conn: aiosqlite.Connection, today: date) -> list[str]:
    """SKUs with a non-cancelled purchase order expected before `today` and units to come."""
    return [str(row[0]) for row in await conn.execute_fetchall(_OVERDUE_SKUS, (today.isoformat(),))]


async def read_order_customers(
    conn: aiosqlite.Connection, order_ids: Collection[str]
) -> dict[str, str]:
    """The customer_id of each of these orders, by order_id."""
    if not order_ids:
        return {}
    rows = await conn.execute_fetchall(_ORDER_CUSTOMERS, (json.dumps(sorted(set(order_ids))),))
    return {str(order_id): str(customer_id) for order_id, customer_id in rows}
