"""The customer actions' tables: order state, one-transaction changes, refunds, events."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Text, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.actions import (
    ActionLine,
    ActionResult,
    Decide,
    OrderChange,
    OrderState,
    RefundRecord,
)
from bot.domain.model import LineStatus, Product
from storage.audit import Change, write_changes
from storage.bulk import key_chunks
from storage.codec import IN_CHUNK, jurisdiction_or_none, product_from, refund_from, utc_text
from storage.database import Database
from storage.eta_marks import mark_skus
from storage.events import append_events
from storage.schema import order_lines, orders, products, refunds
from storage.sql_functions import in_keys

_ORDER_ACTIONS_PREFIX = "order."

_HEADER = select(orders).where(orders.c.order_id == bindparam("oid"))
# Why: the row every change of an order writes (its version); locking it first makes deciders
# of one order take turns on PostgreSQL. SQLite renders no FOR UPDATE: BEGIN IMMEDIATE already
# runs one write transaction at a time.
_LOCKED_HEADER = _HEADER.with_for_update()
_LINES = (
    select(order_lines)
    .where(order_lines.c.order_id == bindparam("oid"))
    .order_by(order_lines.c.line_no)
)
_RECORD_HEADER = select(orders.c.version, orders.c.ship_complete).where(
    orders.c.order_id == bindparam("oid")
)
_RECORD_LINES = (
    select(
        order_lines.c.line_no,
        order_lines.c.sku,
        order_lines.c.quantity,
        order_lines.c.unit_price_minor,
        order_lines.c.status,
        order_lines.c.ship_now,
        order_lines.c.replaces_line_no,
        order_lines.c.queued_at,
    )
    .where(order_lines.c.order_id == bindparam("oid"))
    .order_by(order_lines.c.line_no)
)
_BUMP = (
    update(orders)
    .where(orders.c.order_id == bindparam("oid"))
    .values(
        version=orders.c.version + 1,
        ship_complete=func.coalesce(
            bindparam("new_ship_complete", type_=Integer), orders.c.ship_complete
        ),
    )
)
_EDIT_LINE = (
    update(order_lines)
    .where(
        order_lines.c.order_id == bindparam("oid"),
        order_lines.c.line_no == bindparam("edited_line"),
    )
    .values(
        status=func.coalesce(bindparam("new_status", type_=Text), order_lines.c.status),
        quantity=func.coalesce(bindparam("new_quantity", type_=Integer), order_lines.c.quantity),
        ship_now=func.coalesce(bindparam("new_ship_now", type_=Integer), order_lines.c.ship_now),
    )
)
_NEW_LINE = insert(order_lines).values(status="open")
_NEW_REFUND = insert(refunds).values(status="due")


async def read_order_state(
    conn: AsyncConnection, order_id: str, *, lock: bool = False
) -> OrderState | None:
    """An order with its version, preference and lines, or None; with `lock`, the order row is
    locked until the transaction ends (PostgreSQL; inside a write transaction only)."""
    params = {"oid": order_id}
    header = (await conn.execute(_LOCKED_HEADER if lock else _HEADER, params)).mappings().first()
    if header is None:
        return None
    lines = (await conn.execute(_LINES, params)).mappings().all()
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
    db: Database, order_id: str, decide: Decide, *, actor: str, at: datetime
) -> OrderChange | ActionResult:
    """In one write transaction: re-read the order (locked), let `decide` plan, write the plan
    and its audit; what `decide` returned."""
    async with db.write() as conn:
        # Why: decide-then-write must see the order as it is when written. SQLite: the write
        # transaction is serializable (BEGIN IMMEDIATE). PostgreSQL runs READ COMMITTED: the order
        # row is locked FOR UPDATE before it is read, so a concurrent change of the same order
        # (another tap, another device, a staff change or an import, which all update this row)
        # waits until this one commits, then decides on what it wrote.
        state = await read_order_state(conn, order_id, lock=True)
        outcome = await decide(state)
        if not isinstance(outcome, OrderChange):
            return outcome
        before = await _order_record(conn, order_id)
        await _write(conn, order_id, outcome, at)
        after = await _order_record(conn, order_id)
        await write_changes(
            conn,
            [Change(outcome.action, f"order:{order_id}", before, after)],
            actor=actor,
            at=at,
        )
        # Why: marked with the change, so a crash before the ETA refresh is caught up later.
        await mark_skus(conn, outcome.skus)
    return outcome


_BUMP_VERSIONS = (
    update(orders)
    .where(in_keys(orders.c.order_id, "order_ids"))
    .values(version=orders.c.version + 1)
)


async def bump_order_versions(conn: AsyncConnection, changes: Sequence[Change]) -> None:
    """Make buttons shown before an import of these orders stale (in the caller's transaction)."""
    order_ids = sorted(
        {
            change.entity.removeprefix("order:")
            for change in changes
            if change.entity.startswith("order:")
            and change.action.startswith(_ORDER_ACTIONS_PREFIX)
        }
    )
    for chunk in key_chunks(conn, order_ids):
        await conn.execute(_BUMP_VERSIONS, {"order_ids": chunk})


async def read_products_in_category(
    conn: AsyncConnection, category: str, currency: str
) -> list[Product]:
    """Products of one category priced in one currency, by SKU."""
    rows = (
        await conn.execute(
            select(products)
            .where(products.c.category == category, products.c.currency == currency)
            .order_by(products.c.sku)
        )
    ).mappings()
    return [product_from(row) for row in rows]


async def read_refunds(
    conn: AsyncConnection, order_ids: Collection[str] | None
) -> list[RefundRecord]:
    """Refund obligations, oldest first (of these orders; all when None)."""
    query = select(refunds).order_by(refunds.c.id)
    if order_ids is None:
        rows = list((await conn.execute(query)).mappings())
    else:
        keys = sorted(set(order_ids))
        rows = []
        for start in range(0, len(keys), IN_CHUNK):
            chunk = keys[start : start + IN_CHUNK]
            rows += (await conn.execute(query.where(refunds.c.order_id.in_(chunk)))).mappings()
        rows.sort(key=lambda row: int(row["id"]))
    return [refund_from(row) for row in rows]


async def _write(conn: AsyncConnection, order_id: str, change: OrderChange, at: datetime) -> None:
    await conn.execute(_BUMP, {"oid": order_id, "new_ship_complete": _flag(change.ship_complete)})
    if change.edits:
        await conn.execute(
            _EDIT_LINE,
            [
                {
                    "oid": order_id,
                    "edited_line": edit.line_no,
                    "new_status": edit.status.value if edit.status else None,
                    "new_quantity": edit.quantity,
                    "new_ship_now": _flag(edit.ship_now),
                }
                for edit in change.edits
            ],
        )
    if change.new_lines:
        await conn.execute(
            _NEW_LINE,
            [
                {
                    "order_id": order_id,
                    "line_no": line.line_no,
                    "sku": line.sku,
                    "quantity": line.quantity,
                    "unit_price_minor": line.unit_price_minor,
                    "ship_now": int(line.ship_now),
                    "replaces_line_no": line.replaces_line_no,
                    "queued_at": utc_text(line.queued_at) if line.queued_at else None,
                }
                for line in change.new_lines
            ],
        )
    created = at.isoformat()
    if change.refunds:
        await conn.execute(
            _NEW_REFUND,
            [
                {
                    "order_id": order_id,
                    "line_no": refund.line_no,
                    "amount_minor": refund.amount_minor,
                    "currency": refund.currency,
                    "due_date": refund.due_date.isoformat(),
                    "reason": refund.reason,
                    "created_at": created,
                }
                for refund in change.refunds
            ],
        )
    await append_events(
        conn, [(event.type, order_id, event.payload) for event in change.events], at=at
    )


async def _order_record(conn: AsyncConnection, order_id: str) -> dict[str, Any]:
    params = {"oid": order_id}
    header = (await conn.execute(_RECORD_HEADER, params)).mappings().first()
    lines = (await conn.execute(_RECORD_LINES, params)).mappings()
    record: dict[str, Any] = dict(header) if header else {}
    record["lines"] = [dict(row) for row in lines]
    return record


def _flag(value: bool | None) -> int | None:
    return None if value is None else int(value)
