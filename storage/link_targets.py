"""Reads for `link --all`: each customer with an open order, and that customer's newest one."""

from __future__ import annotations

import aiosqlite

from bot.domain.model import Customer
from storage.codec import customer_from


async def read_link_targets(conn: aiosqlite.Connection) -> list[tuple[Customer, str]]:
    """(customer, newest open order id) for every customer with an open line, by customer id."""
    async with conn.execute(
        """SELECT c.*, (SELECT o.order_id FROM orders AS o
                        WHERE o.customer_id = c.customer_id AND EXISTS (
                            SELECT 1 FROM order_lines AS l
                            WHERE l.order_id = o.order_id AND l.status = 'open')
                        ORDER BY o.placed_at_utc DESC, o.order_id DESC LIMIT 1) AS newest_open
           FROM customers AS c
           WHERE newest_open IS NOT NULL
           ORDER BY c.customer_id"""
    ) as cursor:
        rows = await cursor.fetchall()
    return [(customer_from(row), str(row["newest_open"])) for row in rows]
