"""SQLite side of staff supply changes: one audited transaction each, and who waits on a SKU."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import date, datetime

import aiosqlite

from bot.domain.delays import NoticeKind
from bot.domain.model import Confidence, Product, PurchaseOrder
from bot.domain.supply_changes import RefusalReason, Refused
from bot.domain.supply_store import (
    DecidedNotice,
    ProductRule,
    PurchaseOrderRule,
    SupplyWrite,
    WaitingLine,
)
from storage.audit import Change, write_changes
from storage.codec import product_from, product_params, purchase_order_from, purchase_order_params
from storage.database import sa_connection_for  # TRANSITIONAL
from storage.eta_marks import mark_skus
from storage.notices import last_notice_id
from storage.transaction import transaction

_WAITING = """
    SELECT l.order_id, l.line_no, o.customer_id, l.quantity, e.ship_date, e.confidence
      FROM order_lines AS l JOIN orders AS o ON o.order_id = l.order_id
      LEFT JOIN line_etas AS e
             ON e.order_id = l.order_id AND e.line_no = l.line_no AND +e.sku = l.sku
     WHERE l.status = 'open' AND l.sku = ?
     ORDER BY l.ship_now DESC, o.priority DESC, COALESCE(l.queued_at, o.placed_at_utc),
              l.order_id, l.line_no"""
_NOTICES_AFTER = """
    SELECT order_id, kind, silence_means, chats FROM notice_log
     WHERE id > ? AND order_id IN (SELECT value FROM json_each(?)) ORDER BY id"""


async def _notice_mark(conn: aiosqlite.Connection) -> int:
    return await last_notice_id(sa_connection_for(conn))  # TRANSITIONAL


async def change_purchase_order(
    conn: aiosqlite.Connection,
    po_id: str,
    rule: PurchaseOrderRule,
    *,
    action: str,
    actor: str,
    at: datetime,
) -> SupplyWrite[PurchaseOrder] | Refused:
    """Read, decide and write one purchase order with its audit row and recompute mark."""
    async with transaction(conn):
        async with conn.execute("SELECT * FROM purchase_orders WHERE po_id = ?", (po_id,)) as cur:
            row = await cur.fetchone()
        if row is None:
            return Refused(RefusalReason.UNKNOWN)
        before = purchase_order_from(row)
        after = rule(before)
        if isinstance(after, Refused):
            return after
        new = purchase_order_params(after)
        await conn.execute(
            """UPDATE purchase_orders SET quantity = :quantity,
                   received_quantity = :received_quantity, expected_date = :expected_date,
                   status = :status, supplier = :supplier
                WHERE po_id = :po_id""",
            new,
        )
        changes = [Change(action, f"purchase_order:{po_id}", purchase_order_params(before), new)]
        arrived = after.received_quantity - before.received_quantity
        if arrived > 0:
            # Why: units received are on the shelf now: they supply the queue as on-hand stock
            # (DESIGN §5.1), not as the purchase order's remaining units any more.
            changes += await _add_on_hand(conn, after.sku, arrived)
        await write_changes(sa_connection_for(conn), changes, actor=actor, at=at)  # TRANSITIONAL
        await mark_skus(conn, [after.sku])
        return SupplyWrite(before, after, await _notice_mark(conn))


async def _add_on_hand(conn: aiosqlite.Connection, sku: str, units: int) -> list[Change]:
    async with conn.execute("SELECT * FROM products WHERE sku = ?", (sku,)) as cur:
        row = await cur.fetchone()
    if row is None:
        return []
    before = product_from(row)
    await conn.execute("UPDATE products SET on_hand = on_hand + ? WHERE sku = ?", (units, sku))
    after = product_params(before) | {"on_hand": before.on_hand + units}
    return [Change("product.receipt", f"product:{sku}", product_params(before), after)]


async def change_product(
    conn: aiosqlite.Connection,
    sku: str,
    rule: ProductRule,
    *,
    action: str,
    actor: str,
    at: datetime,
) -> SupplyWrite[Product] | Refused:
    """Read, decide and write one product with its audit row and recompute mark."""
    async with transaction(conn):
        async with conn.execute("SELECT * FROM products WHERE sku = ?", (sku,)) as cur:
            row = await cur.fetchone()
        if row is None:
            return Refused(RefusalReason.UNKNOWN)
        before = product_from(row)
        after = rule(before)
        if isinstance(after, Refused):
            return after
        await conn.execute(
            "UPDATE products SET on_hand = ? WHERE sku = ?", (after.on_hand, after.sku)
        )
        change = Change(action, f"product:{sku}", product_params(before), product_params(after))
        await write_changes(sa_connection_for(conn), [change], actor=actor, at=at)  # TRANSITIONAL
        await mark_skus(conn, [sku])
        return SupplyWrite(before, after, await _notice_mark(conn))


async def read_waiting_lines(conn: aiosqlite.Connection, sku: str) -> list[WaitingLine]:
    """The SKU's open lines in serving order, with customers and stored ETAs."""
    async with conn.execute(_WAITING, (sku,)) as cursor:
        cursor.row_factory = None
        rows = await cursor.fetchall()
    days: dict[str, date] = {}
    waiting = []
    for order_id, line_no, customer_id, quantity, ship, confidence in rows:
        day = None
        if ship is not None:
            day = days.get(ship)
            if day is None:
                day = days[ship] = date.fromisoformat(ship)
        waiting.append(
            WaitingLine(
                order_id,
                line_no,
                customer_id,
                quantity,
                day,
                Confidence(confidence) if confidence else None,
            )
        )
    return waiting


async def read_notices_after(
    conn: aiosqlite.Connection, notice_id: int, order_ids: Collection[str]
) -> list[DecidedNotice]:
    """Notices of these orders decided after notice `notice_id`, oldest first."""
    if not order_ids:
        return []
    keys = json.dumps(sorted(set(order_ids)))
    async with conn.execute(_NOTICES_AFTER, (notice_id, keys)) as cursor:
        rows = await cursor.fetchall()
    return [DecidedNotice(str(row[0]), NoticeKind(row[1]), row[2], int(row[3])) for row in rows]
