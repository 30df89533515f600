"""SQLite side of the customer actions: order state, one-transaction changes, refunds, events."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any, Literal, cast

import aiosqlite

from bot.domain.actions import (
    ActionLine,
    ActionResult,
    Decide,
    OrderChange,
    OrderState,
    RefundReason,
    RefundRecord,
)
from bot.domain.model import LineStatus, Product
from storage.audit import Change, write_changes
from storage.codec import jurisdiction_or_none, product_from, row_dict, utc_text
from storage.database import sa_connection_for  # TRANSITIONAL
from storage.eta_marks import mark_skus
from storage.events import append_event
from storage.transaction import transaction

_IN_JSON = "IN (SELECT value FROM json_each(?))"
_ORDER_ACTIONS_PREFIX = "order."


async def read_order_state(conn: aiosqlite.Connection, order_id: str) -> OrderState | None:
    """An order with its version, preference and lines, or None."""
    header = await _one(conn, "SELECT * FROM orders WHERE order_id = ?", (order_id,))
    if header is None:
        return None
    lines = await _all(
        conn, "SELECT * FROM order_lines WHERE order_id = ? ORDER BY line_no", (order_id,)
    )
    return OrderState(
        order_id=str(header["order_id"]),
        customer_id=str(header["customer_id"]),
        currency=str(header["currency"]),
        placed_at=datetime.fromisoformat(header["placed_at"]),
        jurisdiction=jurisdiction_or_none(header["jurisdiction"]),
        priority=int(header["priority"]),
        version=int(header["version"]),
        ship_complete=bool(header["ship_complete"]),
        lines=tuple(
            ActionLine(
                line_no=int(row["line_no"]),
                sku=str(row["sku"]),
                quantity=int(row["quantity"]),
                unit_price_minor=int(row["unit_price_minor"]),
                status=LineStatus(str(row["status"])),
                ship_now=bool(row["ship_now"]),
                replaces_line_no=row["replaces_line_no"],
            )
            for row in lines
        ),
    )


async def apply_order_change(
    conn: aiosqlite.Connection, order_id: str, decide: Decide, *, actor: str, at: datetime
) -> OrderChange | ActionResult:
    """Re-read the order inside BEGIN IMMEDIATE, let `decide` plan, write the plan and its audit."""
    async with transaction(conn):
        state = await read_order_state(conn, order_id)
        outcome = await decide(state)
        if not isinstance(outcome, OrderChange):
            return outcome
        before = await _order_record(conn, order_id)
        await _write(conn, order_id, outcome, at)
        after = await _order_record(conn, order_id)
        await write_changes(
            sa_connection_for(conn),  # TRANSITIONAL
            [Change(outcome.action, f"order:{order_id}", before, after)],
            actor=actor,
            at=at,
        )
        # Why: marked with the change, so a crash before the ETA refresh is caught up later.
        await mark_skus(conn, outcome.skus)
    return outcome


async def bump_order_versions(conn: aiosqlite.Connection, changes: Sequence[Change]) -> None:
    """Make buttons shown before an import of these orders stale (in the caller's transaction)."""
    order_ids = [
        change.entity.removeprefix("order:")
        for change in changes
        if change.entity.startswith("order:") and change.action.startswith(_ORDER_ACTIONS_PREFIX)
    ]
    if order_ids:
        await conn.execute(
            f"UPDATE orders SET version = version + 1 WHERE order_id {_IN_JSON}",
            (json.dumps(order_ids),),
        )


async def read_products_in_category(
    conn: aiosqlite.Connection, category: str, currency: str
) -> list[Product]:
    """Products of one category priced in one currency, by SKU."""
    rows = await _all(
        conn,
        "SELECT * FROM products WHERE category = ? AND currency = ? ORDER BY sku",
        (category, currency),
    )
    return [product_from(row) for row in rows]


async def read_refunds(
    conn: aiosqlite.Connection, order_ids: Collection[str] | None
) -> list[RefundRecord]:
    """Refund obligations, oldest first."""
    query = "SELECT * FROM refunds"
    params: tuple[str, ...] = ()
    if order_ids is not None:
        query += f" WHERE order_id {_IN_JSON}"
        params = (json.dumps(sorted(set(order_ids))),)
    return [
        RefundRecord(
            order_id=str(row["order_id"]),
            line_no=int(row["line_no"]),
            amount_minor=int(row["amount_minor"]),
            currency=str(row["currency"]),
            due_date=date.fromisoformat(row["due_date"]),
            status=cast(Literal["due", "paid"], row["status"]),
            reason=cast(RefundReason, row["reason"]),
        )
        for row in await _all(conn, query + " ORDER BY id", params)
    ]


async def _write(
    conn: aiosqlite.Connection, order_id: str, change: OrderChange, at: datetime
) -> None:
    await conn.execute(
        """UPDATE orders SET version = version + 1,
               ship_complete = COALESCE(:ship_complete, ship_complete)
           WHERE order_id = :order_id""",
        {"order_id": order_id, "ship_complete": _flag(change.ship_complete)},
    )
    await conn.executemany(
        """UPDATE order_lines SET status = COALESCE(:status, status),
               quantity = COALESCE(:quantity, quantity), ship_now = COALESCE(:ship_now, ship_now)
           WHERE order_id = :order_id AND line_no = :line_no""",
        [
            {
                "order_id": order_id,
                "line_no": edit.line_no,
                "status": edit.status.value if edit.status else None,
                "quantity": edit.quantity,
                "ship_now": _flag(edit.ship_now),
            }
            for edit in change.edits
        ],
    )
    await conn.executemany(
        """INSERT INTO order_lines (order_id, line_no, sku, quantity, unit_price_minor, status,
               ship_now, replaces_line_no, queued_at)
           VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?)""",
        [
            (
                order_id,
                line.line_no,
                line.sku,
                line.quantity,
                line.unit_price_minor,
                int(line.ship_now),
                line.replaces_line_no,
                utc_text(line.queued_at) if line.queued_at else None,
            )
            for line in change.new_lines
        ],
    )
    created = at.isoformat()
    await conn.executemany(
        """INSERT INTO refunds (order_id, line_no, amount_minor, currency, due_date, status,
               reason, created_at)
           VALUES (?, ?, ?, ?, ?, 'due', ?, ?)""",
        [
            (
                order_id,
                refund.line_no,
                refund.amount_minor,
                refund.currency,
                refund.due_date.isoformat(),
                refund.reason,
                created,
            )
            for refund in change.refunds
        ],
    )
    for event in change.events:
        await append_event(conn, event.type, order_id, event.payload, at=at)


async def _order_record(conn: aiosqlite.Connection, order_id: str) -> dict[str, Any]:
    header = await _one(
        conn, "SELECT version, ship_complete FROM orders WHERE order_id = ?", (order_id,)
    )
    lines = await _all(
        conn,
        """SELECT line_no, sku, quantity, unit_price_minor, status, ship_now, replaces_line_no,
               queued_at
           FROM order_lines WHERE order_id = ? ORDER BY line_no""",
        (order_id,),
    )
    record = row_dict(header) if header else {}
    record["lines"] = [row_dict(row) for row in lines]
    return record


def _flag(value: bool | None) -> int | None:
    return None if value is None else int(value)


async def _all(conn: aiosqlite.Connection, query: str, params: Any) -> list[sqlite3.Row]:
    async with conn.execute(query, params) as cursor:
        cursor.row_factory = sqlite3.Row
        return list(await cursor.fetchall())


async def _one(conn: aiosqlite.Connection, query: str, params: Any) -> sqlite3.Row | None:
    rows = await _all(conn, query, params)
    return rows[0] if rows else None
