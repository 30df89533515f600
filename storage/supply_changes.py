"""The database side of staff supply changes: one audited transaction each, and who waits on a
SKU."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

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
from storage.codec import (
    IN_CHUNK,
    product_from,
    product_params,
    purchase_order_from,
    purchase_order_params,
)
from storage.eta_marks import mark_skus
from storage.notices import last_notice_id
from storage.schema import line_etas, notice_log, order_lines, orders, products, purchase_orders
from storage.sql_functions import unindexed

_l, _o, _e = order_lines, orders, line_etas
_WAITING = (
    select(
        _l.c.order_id,
        _l.c.line_no,
        _o.c.customer_id,
        _l.c.quantity,
        _e.c.ship_date,
        _e.c.confidence,
    )
    .select_from(
        _l.join(_o, _o.c.order_id == _l.c.order_id).outerjoin(
            _e,
            (_e.c.order_id == _l.c.order_id)
            & (_e.c.line_no == _l.c.line_no)
            & (unindexed(_e.c.sku) == _l.c.sku),
        )
    )
    .where(_l.c.status == "open", _l.c.sku == bindparam("sku"))
    .order_by(
        _l.c.ship_now.desc(),
        _o.c.priority.desc(),
        func.coalesce(_l.c.queued_at, _o.c.placed_at_utc),
        _l.c.order_id,
        _l.c.line_no,
    )
)
_NOTICES_AFTER = (
    select(
        notice_log.c.order_id,
        notice_log.c.kind,
        notice_log.c.silence_means,
        notice_log.c.chats,
        notice_log.c.id,
    )
    .where(
        notice_log.c.id > bindparam("notice_id"),
        notice_log.c.order_id.in_(bindparam("keys", expanding=True)),
    )
    .order_by(notice_log.c.id)
)
# Why: read, decide, write: on PostgreSQL (READ COMMITTED) the row decided on is locked until
# commit, so two staff changes to one purchase order or product apply one after the other, each
# deciding on the other's result (FOR UPDATE renders nothing on SQLite, whose BEGIN IMMEDIATE
# already serializes writers).
_PURCHASE_ORDER = (
    select(purchase_orders).where(purchase_orders.c.po_id == bindparam("po_id")).with_for_update()
)
_PRODUCT = select(products).where(products.c.sku == bindparam("sku")).with_for_update()
# Why: bind names differ from column names (SQLAlchemy reserves those for VALUES/SET).
_UPDATE_PURCHASE_ORDER = (
    update(purchase_orders)
    .where(purchase_orders.c.po_id == bindparam("b_po_id"))
    .values(
        quantity=bindparam("b_quantity"),
        received_quantity=bindparam("b_received_quantity"),
        expected_date=bindparam("b_expected_date"),
        status=bindparam("b_status"),
        supplier=bindparam("b_supplier"),
    )
)
_SET_ON_HAND = (
    update(products)
    .where(products.c.sku == bindparam("b_sku"))
    .values(on_hand=bindparam("b_on_hand"))
)


async def _notice_mark(conn: AsyncConnection) -> int:
    return await last_notice_id(conn)


async def _write_changes(
    conn: AsyncConnection, changes: list[Change], *, actor: str, at: datetime
) -> None:
    await write_changes(conn, changes, actor=actor, at=at)


async def change_purchase_order(
    conn: AsyncConnection,
    po_id: str,
    rule: PurchaseOrderRule,
    *,
    action: str,
    actor: str,
    at: datetime,
) -> SupplyWrite[PurchaseOrder] | Refused:
    """Read, decide and write one purchase order with its audit row and recompute mark, in the
    caller's transaction (see `_PURCHASE_ORDER` for the isolation it needs)."""
    row = (await conn.execute(_PURCHASE_ORDER, {"po_id": po_id})).mappings().first()
    if row is None:
        return Refused(RefusalReason.UNKNOWN)
    before = purchase_order_from(row)
    after = rule(before)
    if isinstance(after, Refused):
        return after
    new = purchase_order_params(after)
    await conn.execute(_UPDATE_PURCHASE_ORDER, {f"b_{key}": value for key, value in new.items()})
    changes = [Change(action, f"purchase_order:{po_id}", purchase_order_params(before), new)]
    arrived = after.received_quantity - before.received_quantity
    if arrived > 0:
        # Why: units received are on the shelf now: they supply the queue as on-hand stock
        # (DESIGN §5.1), not as the purchase order's remaining units any more.
        changes += await _add_on_hand(conn, after.sku, arrived)
    await _write_changes(conn, changes, actor=actor, at=at)
    await mark_skus(conn, [after.sku])
    return SupplyWrite(before, after, await _notice_mark(conn))


async def _add_on_hand(conn: AsyncConnection, sku: str, units: int) -> list[Change]:
    row = (await conn.execute(_PRODUCT, {"sku": sku})).mappings().first()
    if row is None:
        return []
    before = product_from(row)
    after = product_params(before) | {"on_hand": before.on_hand + units}
    await conn.execute(_SET_ON_HAND, {"b_sku": sku, "b_on_hand": before.on_hand + units})
    return [Change("product.receipt", f"product:{sku}", product_params(before), after)]


async def change_product(
    conn: AsyncConnection,
    sku: str,
    rule: ProductRule,
    *,
    action: str,
    actor: str,
    at: datetime,
) -> SupplyWrite[Product] | Refused:
    """Read, decide and write one product with its audit row and recompute mark, in the
    caller's transaction (see `_PURCHASE_ORDER` for the isolation it needs)."""
    row = (await conn.execute(_PRODUCT, {"sku": sku})).mappings().first()
    if row is None:
        return Refused(RefusalReason.UNKNOWN)
    before = product_from(row)
    after = rule(before)
    if isinstance(after, Refused):
        return after
    await conn.execute(_SET_ON_HAND, {"b_sku": after.sku, "b_on_hand": after.on_hand})
    change = Change(action, f"product:{sku}", product_params(before), product_params(after))
    await _write_changes(conn, [change], actor=actor, at=at)
    await mark_skus(conn, [sku])
    return SupplyWrite(before, after, await _notice_mark(conn))


async def read_waiting_lines(conn: AsyncConnection, sku: str) -> list[WaitingLine]:
    """The SKU's open lines in serving order, with customers and stored ETAs."""
    rows = (await conn.execute(_WAITING, {"sku": sku})).all()
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
    conn: AsyncConnection, notice_id: int, order_ids: Collection[str]
) -> list[DecidedNotice]:
    """Notices of these orders decided after notice `notice_id`, oldest first (by id)."""
    keys = sorted(set(order_ids))
    rows: list[Any] = []
    for start in range(0, len(keys), IN_CHUNK):
        chunk = keys[start : start + IN_CHUNK]
        rows += (await conn.execute(_NOTICES_AFTER, {"notice_id": notice_id, "keys": chunk})).all()
    if len(keys) > IN_CHUNK:
        rows.sort(key=lambda row: row[4])
    return [DecidedNotice(str(row[0]), NoticeKind(row[1]), row[2], int(row[3])) for row in rows]
