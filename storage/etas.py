"""SQLite side of the ETA engine: read each SKU's supply and demand, store computed ETAs."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Collection, Iterator, Sequence
from datetime import date, datetime
from typing import Any

import aiosqlite

from bot.domain.eta import EtaOutcome, EtaQueue
from bot.domain.model import Confidence, LineEta, PoStatus, PurchaseOrder
from bot.domain.store import Demand, SkuBook
from storage.eta_marks import changed_since, clear_marks
from storage.transaction import transaction

FETCH_BATCH = 20_000
# Why: one JSON parameter carries any number of keys, so big SKU sets never hit SQLite's
# variable limit and need no temp table (whose writes would open a transaction on reads).
_IN_JSON = "IN (SELECT value FROM json_each(?))"

_PRODUCTS = """
    SELECT sku, on_hand, lead_time_days, handling_days FROM products {where} ORDER BY sku"""
_PURCHASE_ORDERS = """
    SELECT sku, po_id, quantity, received_quantity, expected_date, status, supplier
      FROM purchase_orders
     WHERE status != 'cancelled' AND quantity > received_quantity {and_sku}
     ORDER BY sku, expected_date, po_id"""
_DEMAND = """
    SELECT l.sku, l.order_id, l.line_no, l.quantity, o.priority,
           COALESCE(l.queued_at, o.placed_at_utc) AS queued, l.ship_now
      FROM order_lines AS l JOIN orders AS o ON o.order_id = l.order_id
     WHERE l.status = 'open' {and_sku}
     ORDER BY l.sku, l.ship_now DESC, o.priority DESC, queued, l.order_id, l.line_no"""
# Why: stored ETAs come along by primary key (`+` keeps the planner off the sku index), so a
# refresh needs no second pass over the SKU; queue times are utc_text, which sorts in time order.
# Each stored ETA comes as one text, the key of its parsed form: a long queue repeats a few.
_QUEUE = """
    SELECT l.order_id, l.line_no, l.quantity,
           e.confidence || ' ' || IFNULL(e.available_date, '') || ' ' || IFNULL(e.ship_date, '')
           || ' ' || IFNULL(e.waiting_for_po_date, '') || ' ' || IFNULL(e.lead_time_days, '')
      FROM order_lines AS l JOIN orders AS o ON o.order_id = l.order_id
      LEFT JOIN line_etas AS e
             ON e.order_id = l.order_id AND e.line_no = l.line_no AND +e.sku = l.sku
     WHERE l.status = 'open' AND l.sku = ?
     ORDER BY l.ship_now DESC, o.priority DESC, COALESCE(l.queued_at, o.placed_at_utc),
              l.order_id, l.line_no"""
_DELETE_NOT_OPEN = f"""
    DELETE FROM line_etas
     WHERE sku {_IN_JSON}
       AND NOT EXISTS (SELECT 1 FROM order_lines AS l
                        WHERE l.order_id = line_etas.order_id AND l.line_no = line_etas.line_no
                          AND l.sku = line_etas.sku AND l.status = 'open')"""
# Why: REPLACE, because a line moved to another SKU still has its old row under the old SKU.
_INSERT_ETA = """
    INSERT OR REPLACE INTO line_etas (order_id, line_no, sku, available_date, ship_date, confidence,
                           waiting_for_po_date, lead_time_days, computed_on)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"""
_SELECT_ETAS = f"""
    SELECT order_id, line_no, sku, available_date, ship_date, confidence,
           waiting_for_po_date, lead_time_days
      FROM line_etas WHERE order_id {_IN_JSON}"""


async def read_sku_books(conn: aiosqlite.Connection, skus: Collection[str] | None) -> list[SkuBook]:
    """Supply and open demand of these SKUs (all products when None), in SKU order."""
    params: tuple[str, ...] = () if skus is None else (json.dumps(sorted(set(skus))),)
    and_line_sku = "" if skus is None else f"AND l.sku {_IN_JSON}"
    demand: dict[str, list[Demand]] = {}
    moments: dict[str, datetime] = {}
    async for sku, order_id, line_no, quantity, priority, placed_at, ship_now in _rows(
        conn, _DEMAND.format(and_sku=and_line_sku), params
    ):
        moment = moments.get(placed_at)
        if moment is None:
            moment = moments[placed_at] = datetime.fromisoformat(placed_at)
        demand.setdefault(sku, []).append(
            Demand(order_id, line_no, quantity, priority, moment, bool(ship_now))
        )
    return [
        SkuBook(
            book.sku,
            book.on_hand,
            book.lead_time_days,
            book.handling_days,
            book.purchase_orders,
            demand.get(book.sku, ()),
        )
        for book in await _read_supply(conn, params)
    ]


async def read_eta_queues(conn: aiosqlite.Connection, skus: Collection[str]) -> list[EtaQueue]:
    """Supply and open lines in serving order of these SKUs, each line with its stored ETA."""
    day = _DateCache()
    queues: list[EtaQueue] = []
    for supply in await _read_supply(conn, (json.dumps(sorted(set(skus))),)):
        lines = await _all_rows(conn, _QUEUE, (supply.sku,))
        stored = {text: _stored_eta(text, day) for text in {line[3] for line in lines} - {None}}
        queues.append(EtaQueue(supply, lines, stored))
    return queues


async def write_moved_etas(
    conn: aiosqlite.Connection,
    etas: Sequence[LineEta],
    *,
    skus: Collection[str],
    computed_on: date,
    seen: int | None = None,
) -> int:
    """Write these ETAs and drop these SKUs' rows of lines no longer open; return how many.

    With `seen`, SKUs changed after that change are left alone (a newer recompute follows) and
    the recompute marks of the others are cleared, in the same transaction.
    """
    async with transaction(conn):
        if seen is not None:
            stale = await changed_since(conn, skus, seen)
            skus = set(skus) - stale
            etas = [eta for eta in etas if eta.sku not in stale] if stale else etas
            await clear_marks(conn, skus, seen)
        async with conn.execute(_DELETE_NOT_OPEN, (json.dumps(sorted(set(skus))),)) as deleted:
            dropped = max(deleted.rowcount, 0)
        if etas:
            await conn.executemany(_INSERT_ETA, _eta_rows(etas, computed_on.isoformat()))
    return len(etas) + dropped


async def _read_supply(conn: aiosqlite.Connection, params: tuple[str, ...]) -> list[SkuBook]:
    """Products (all, or those listed in `params`) with their open purchase orders, no demand."""
    where = f"WHERE sku {_IN_JSON}" if params else ""
    and_sku = f"AND sku {_IN_JSON}" if params else ""
    day = _DateCache()
    purchase_orders: dict[str, list[PurchaseOrder]] = {}
    for sku, po_id, quantity, received, expected, status, supplier in await conn.execute_fetchall(
        _PURCHASE_ORDERS.format(and_sku=and_sku), params
    ):
        purchase_orders.setdefault(sku, []).append(
            PurchaseOrder(po_id, sku, quantity, day(expected), received, PoStatus(status), supplier)
        )
    return [
        SkuBook(sku, on_hand, lead_time, handling, purchase_orders.get(sku, ()), ())
        for sku, on_hand, lead_time, handling in await conn.execute_fetchall(
            _PRODUCTS.format(where=where), params
        )
    ]


async def write_etas(
    conn: aiosqlite.Connection,
    etas: Sequence[LineEta],
    *,
    skus: Collection[str] | None,
    computed_on: date,
    seen: int | None = None,
) -> None:
    """Replace the stored ETAs of these SKUs (all when None) with `etas`, in one transaction.

    With `seen`, SKUs changed after that change keep their ETAs (read before the change, these
    would be stale; a newer recompute follows) and the recompute marks of the others are cleared.
    """
    async with transaction(conn):
        stale: set[str] = set()
        if seen is not None:
            stale = await changed_since(conn, skus, seen)
            await clear_marks(conn, skus, seen)
        if skus is None and not stale:
            await conn.execute("DELETE FROM line_etas")
        elif skus is None:
            await conn.execute(
                f"DELETE FROM line_etas WHERE sku NOT {_IN_JSON}", (json.dumps(sorted(stale)),)
            )
        else:
            await conn.execute(
                f"DELETE FROM line_etas WHERE sku {_IN_JSON}",
                (json.dumps(sorted(set(skus) - stale)),),
            )
        if stale:
            etas = [eta for eta in etas if eta.sku not in stale]
        await conn.executemany(_INSERT_ETA, _eta_rows(etas, computed_on.isoformat()))


async def read_line_etas(
    conn: aiosqlite.Connection, order_ids: Collection[str]
) -> dict[tuple[str, int], LineEta]:
    """Stored ETAs of the lines of these orders, keyed by (order_id, line_no)."""
    if not order_ids:
        return {}
    day = _DateCache().maybe
    # Why: a staff change's sweep reads the ETAs of tens of thousands of lines.
    confidences = _CONFIDENCES
    etas: dict[tuple[str, int], LineEta] = {}
    async for order_id, line_no, sku, available, ship, confidence, waiting, lead_time in _rows(
        conn, _SELECT_ETAS, (json.dumps(sorted(set(order_ids))),)
    ):
        etas[order_id, line_no] = LineEta(
            order_id,
            line_no,
            sku,
            day(available),
            day(ship),
            confidences[confidence],
            day(waiting),
            lead_time,
        )
    return etas


_CONFIDENCES = {confidence.value: confidence for confidence in Confidence}


def _stored_eta(text: str, day: _DateCache) -> EtaOutcome:
    """Parse the one-text form of a stored ETA that the queue query builds."""
    confidence, available, ship, waiting, lead_time = text.split(" ")
    return EtaOutcome(
        day.maybe(available or None),
        day.maybe(ship or None),
        Confidence(confidence),
        day.maybe(waiting or None),
        int(lead_time) if lead_time else None,
    )


class _DateCache:
    """ISO date text to `date`, parsed once per distinct string."""

    def __init__(self) -> None:
        self._dates: dict[str, date] = {}

    def __call__(self, text: str) -> date:
        known = self._dates.get(text)
        if known is None:
            known = self._dates[text] = date.fromisoformat(text)
        return known

    def maybe(self, text: str | None) -> date | None:
        if text is None:
            return None
        known = self._dates.get(text)
        if known is None:
            known = self._dates[text] = date.fromisoformat(text)
        return known


def _eta_rows(etas: Sequence[LineEta], computed_on: str) -> Iterator[tuple[object, ...]]:
    texts: dict[date | None, str | None] = {None: None}
    for eta in etas:
        available, ship, waiting = eta.available_date, eta.ship_date, eta.waiting_for_po_date
        if available is not None and available not in texts:
            texts[available] = available.isoformat()
        if ship is not None and ship not in texts:
            texts[ship] = ship.isoformat()
        if waiting is not None and waiting not in texts:
            texts[waiting] = waiting.isoformat()
        yield (
            eta.order_id,
            eta.line_no,
            eta.sku,
            texts[available],
            texts[ship],
            str(eta.confidence),
            texts[waiting],
            eta.lead_time_days,
            computed_on,
        )


async def _all_rows(conn: aiosqlite.Connection, sql: str, params: Sequence[Any]) -> list[Any]:
    """Every plain tuple of a small query, in one round trip for the rows."""
    async with conn.execute(sql, params) as cursor:
        cursor.row_factory = None
        return list(await cursor.fetchall())


async def _rows(conn: aiosqlite.Connection, sql: str, params: Sequence[Any]) -> AsyncIterator[Any]:
    """Plain tuples of a query, fetched in large batches (few thread hops, no Row objects)."""
    cursor = await conn.cursor()
    cursor.row_factory = None
    try:
        await cursor.execute(sql, params)
        while batch := await cursor.fetchmany(FETCH_BATCH):
            for row in batch:
                yield row
    finally:
        await cursor.close()
