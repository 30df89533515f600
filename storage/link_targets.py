"""Reads for `link --all`: each customer with an open order, and that customer's newest one."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.model import Customer
from storage.codec import OPEN, customer_from
from storage.schema import customers, order_lines, orders
from storage.sql_functions import bytewise

_newest_open = (
    select(orders.c.order_id)
    .where(
        orders.c.customer_id == customers.c.customer_id,
        exists().where(order_lines.c.order_id == orders.c.order_id, order_lines.c.status == OPEN),
    )
    .order_by(orders.c.placed_at_utc.desc(), bytewise(orders.c.order_id).desc())
    .limit(1)
    .scalar_subquery()
)
_targets = select(customers, _newest_open.label("newest_open")).subquery("targets")
_LINK_TARGETS = (
    select(_targets)
    .where(_targets.c.newest_open.is_not(None))
    .order_by(bytewise(_targets.c.customer_id))
)


async def read_link_targets(conn: AsyncConnection) -> list[tuple[Customer, str]]:
    """(customer, newest open order id) for every customer with an open line, by customer id."""
    rows = (await conn.execute(_LINK_TARGETS)).mappings()
    return [(customer_from(row), str(row["newest_open"])) for row in rows]
