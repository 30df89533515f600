"""The database side of the ETA engine: read each SKU's supply and demand, store computed ETAs."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    Text,
    and_,
    bindparam,
    cast,
    delete,
    exists,
    func,
    select,
    true,
    tuple_,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.eta import EtaOutcome, EtaQueue
from bot.domain.model import Confidence, LineEta, PoStatus, PurchaseOrder
from bot.domain.store import Demand, SkuBook
from storage.bulk import changed, fetch_records, fetch_rows, insert_rows, iterate_rows
from storage.codec import IN_CHUNK
from storage.eta_marks import changed_since, clear_marks, serialize_marks
from storage.schema import line_etas, order_lines, orders, products, purchase_orders
from storage.sql_functions import unindexed

_l, _o, _e = order_lines, orders, line_etas
_QUEUED = func.coalesce(_l.c.queued_at, _o.c.placed_at_utc)


def _serving_order(order: Any) -> tuple[Any, ...]:
    """A line's serving order (DESIGN §5.2), its order's columns taken from `order`; queue times
    are utc_text, which sorts in time order."""
    return (
        _l.c.ship_now.desc(),
        order.c.priority.desc(),
        func.coalesce(_l.c.queued_at, order.c.placed_at_utc),
        _l.c.order_id,
        _l.c.line_no,
    )


_SERVING_ORDER = _serving_order(_o)
_PRODUCTS = select(
    products.c.sku, products.c.on_hand, products.c.lead_time_days, products.c.handling_days
).order_by(products.c.sku)
_PURCHASE_ORDERS = (
    select(
        purchase_orders.c.sku,
        purchase_orders.c.po_id,
        purchase_orders.c.quantity,
        purchase_orders.c.received_quantity,
        purchase_orders.c.expected_date,
        purchase_orders.c.status,
        purchase_orders.c.supplier,
    )
    .where(
        purchase_orders.c.status != "cancelled",
        purchase_orders.c.quantity > purchase_orders.c.received_quantity,
    )
    .order_by(purchase_orders.c.sku, purchase_orders.c.expected_date, purchase_orders.c.po_id)
)
_DEMAND = (
    select(
        _l.c.sku,
        _l.c.order_id,
        _l.c.line_no,
        _l.c.quantity,
        _o.c.priority,
        _QUEUED.label("queued"),
        _l.c.ship_now,
    )
    .select_from(_l.join(_o, _o.c.order_id == _l.c.order_id))
    .where(_l.c.status == "open")
    .order_by(_l.c.sku, *_SERVING_ORDER)
)


def _blank(column: Any) -> Any:
    return func.coalesce(column, "")


# Why: each stored ETA comes as one text, the key of its parsed form: a long queue repeats a few.
_STORED = (
    _e.c.confidence
    + " "
    + _blank(_e.c.available_date)
    + " "
    + _blank(_e.c.ship_date)
    + " "
    + _blank(_e.c.waiting_for_po_date)
    + " "
    + _blank(cast(_e.c.lead_time_days, Text))
).label("stored")
# Why: stored ETAs come along by primary key (`unindexed` keeps SQLite's planner off the sku
# index), so a refresh needs no second pass over the SKU. Each line is led by its SKU: one query
# reads a chunk of SKUs, SKU by SKU, each in serving order (SQLite; an import's recompute covers
# thousands of SKUs).
_KEYS: BindParameter[Any] = bindparam("keys", expanding=True)
_QUEUES_OF = (
    select(_l.c.sku, _l.c.order_id, _l.c.line_no, _l.c.quantity, _STORED)
    .select_from(
        _l.join(_o, _o.c.order_id == _l.c.order_id).outerjoin(
            _e,
            and_(
                _e.c.order_id == _l.c.order_id,
                _e.c.line_no == _l.c.line_no,
                unindexed(_e.c.sku) == _l.c.sku,
            ),
        )
    )
    .where(_l.c.status == "open", _l.c.sku.in_(_KEYS))
    .order_by(_l.c.sku, *_SERVING_ORDER)
)
# Why: PostgreSQL plans `_QUEUES_OF` by its statistics, and a hot SKU's are often stale (its
# lines came after the last ANALYZE): it then probed line_etas through two indexes per line (bench
# `cancel`: over 1 s for 10,000 lines), or, with fresh ones, hashed a parallel scan of every order
# (~3x a probe per line). There the lines take their order by one primary-key probe each (a
# LATERAL subquery with LIMIT is planned per line, never joined as a whole), and the stored ETAs
# come by the sku index in a query of their own.
_LINE_ORDER = (
    select(_o.c.priority, _o.c.placed_at_utc)
    .where(_o.c.order_id == _l.c.order_id)
    .limit(1)
    .lateral("line_order")
)
_IN_QUEUE = (
    select(
        _l.c.order_id,
        _l.c.line_no,
        _l.c.quantity,
        func.row_number().over(order_by=_serving_order(_LINE_ORDER)).label("place"),
    )
    .select_from(_l.join(_LINE_ORDER, true()))
    .where(_l.c.status == "open", _l.c.sku == bindparam("sku"))
    .subquery("in_queue")
)


def _in_queue_order(column: Any) -> Any:
    return func.array_agg(aggregate_order_by(column, _IN_QUEUE.c.place))


# Why: one row of arrays, not a record per line: 10,000 asyncpg records per read outlived enough
# young collections to set off a full garbage collection every few cancels (bench `cancel`: p99
# +100-300 ms); a list of strings or ints is one object to the collector. Aggregates of one
# Agg node see the rows in the same order, so the unordered arrays of `_STORED_OF_SKU` line up.
_QUEUE_LINES = select(
    _in_queue_order(_IN_QUEUE.c.order_id),
    _in_queue_order(_IN_QUEUE.c.line_no),
    _in_queue_order(_IN_QUEUE.c.quantity),
)
_STORED_OF_SKU = select(
    func.array_agg(_e.c.order_id), func.array_agg(_e.c.line_no), func.array_agg(_STORED.element)
).where(_e.c.sku == bindparam("sku"))
_NOT_OPEN = ~exists().where(
    _l.c.order_id == line_etas.c.order_id,
    _l.c.line_no == line_etas.c.line_no,
    _l.c.sku == line_etas.c.sku,
    _l.c.status == "open",
)
_SELECT_ETAS = select(
    line_etas.c.order_id,
    line_etas.c.line_no,
    line_etas.c.sku,
    line_etas.c.available_date,
    line_etas.c.ship_date,
    line_etas.c.confidence,
    line_etas.c.waiting_for_po_date,
    line_etas.c.lead_time_days,
).where(line_etas.c.order_id.in_(_KEYS))
# Why: the per-chunk forms are built once too (an expanding IN), so SQLAlchemy and storage/bulk.py
# compile each once.
_DEMAND_OF = _DEMAND.where(_l.c.sku.in_(_KEYS))
_POS_OF = _PURCHASE_ORDERS.where(purchase_orders.c.sku.in_(_KEYS))
_PRODUCTS_OF = _PRODUCTS.where(products.c.sku.in_(_KEYS))
_DELETE_NOT_OPEN = delete(line_etas).where(line_etas.c.sku.in_(_KEYS), _NOT_OPEN)
_DELETE_OF = delete(line_etas).where(line_etas.c.sku.in_(_KEYS))
_DELETE_GONE = delete(line_etas).where(
    line_etas.c.sku == bindparam("sku"),
    tuple_(line_etas.c.order_id, line_etas.c.line_no).in_(bindparam("lines", expanding=True)),
)
_ETA_COLUMNS = (
    "order_id",
    "line_no",
    "sku",
    "available_date",
    "ship_date",
    "confidence",
    "waiting_for_po_date",
    "lead_time_days",
    "computed_on",
)


async def read_sku_books(conn: AsyncConnection, skus: Collection[str] | None) -> list[SkuBook]:
    """Supply and open demand of these SKUs (all products when None), in SKU order."""
    chunks = _chunks(skus)
    demand: dict[str, list[Demand]] = {}
    moments: dict[str, datetime] = {}
    for chunk in chunks:
        stmt, keys = (_DEMAND, None) if chunk is None else (_DEMAND_OF, {"keys": chunk})
        async for sku, order_id, line_no, quantity, priority, placed_at, ship_now in iterate_rows(
            conn, stmt, keys
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
        for book in await _read_supply(conn, chunks)
    ]


async def read_eta_queues(conn: AsyncConnection, skus: Collection[str]) -> list[EtaQueue]:
    """Supply and open lines in serving order of these SKUs, each line with its stored ETA."""
    day = _DateCache()
    queues: list[EtaQueue] = []
    for chunk in _chunks(skus):
        lines_of: dict[str, list[Any]] = {}
        if conn.dialect.name == "sqlite":
            for sku, *line in await fetch_rows(conn, _QUEUES_OF, {"keys": chunk}):
                lines_of.setdefault(sku, []).append(tuple(line))
        for supply in await _read_supply(conn, [chunk]):
            gone: list[tuple[str, int]] | None = None
            if conn.dialect.name == "postgresql":
                lines, gone = await _postgresql_queue(conn, supply.sku)
            else:
                lines = lines_of.get(supply.sku, [])
            texts = {line[3] for line in lines} - {None}
            queues.append(
                EtaQueue(supply, lines, {text: _stored_eta(text, day) for text in texts}, gone)
            )
    return queues


async def _postgresql_queue(
    conn: AsyncConnection, sku: str
) -> tuple[list[tuple[Any, ...]], list[tuple[str, int]]]:
    """`_QUEUES_OF`'s rows of one SKU (without the SKU), from two robustly planned queries (see
    `_LINE_ORDER`), and the lines whose stored ETA is the SKU's but that are not open in it."""
    params = {"sku": sku}
    ((order_ids, line_nos, texts),) = await fetch_records(conn, _STORED_OF_SKU, params)
    keys = zip(order_ids or (), line_nos or (), strict=True)
    stored = dict(zip(keys, texts or (), strict=True))
    ((order_ids, line_nos, quantities),) = await fetch_records(conn, _QUEUE_LINES, params)
    lines = [
        (order_id, line_no, quantity, stored.pop((order_id, line_no), None))
        for order_id, line_no, quantity in zip(
            order_ids or (), line_nos or (), quantities or (), strict=True
        )
    ]
    return lines, list(stored)


async def write_moved_etas(
    conn: AsyncConnection,
    etas: Sequence[LineEta],
    *,
    skus: Collection[str],
    computed_on: date,
    seen: int | None = None,
    gone: Mapping[str, Sequence[tuple[str, int]]] | None = None,
) -> int:
    """Write these ETAs and drop these SKUs' rows of lines no longer open (of a SKU in `gone`,
    the rows of those (order_id, line_no), as its read after `seen` found them; ignored without
    `seen`), in the caller's transaction; return how many.

    With `seen`, SKUs changed after that change are left alone (a newer recompute follows) and
    the recompute marks of the others are cleared, in the same transaction.
    """
    # Why: from the staleness check to commit no mark may commit (storage/eta_marks.py).
    await serialize_marks(conn)
    if seen is not None:
        stale = await changed_since(conn, skus, seen)
        skus = set(skus) - stale
        etas = [eta for eta in etas if eta.sku not in stale] if stale else etas
        await clear_marks(conn, skus, seen)
    dropped = 0
    # Why: a read's gone lines still hold at commit only for SKUs not marked after `seen`.
    gone = (gone or {}) if seen is not None else {}
    for sku in sorted(set(skus) & gone.keys()):
        lines = list(gone[sku])
        for start in range(0, len(lines), IN_CHUNK // 2):
            chunk_of = {"sku": sku, "lines": lines[start : start + IN_CHUNK // 2]}
            dropped += await changed(conn, _DELETE_GONE, chunk_of)
    for chunk in _chunks(set(skus) - gone.keys()):
        assert chunk is not None
        deleted = await conn.execute(_DELETE_NOT_OPEN, {"keys": chunk})
        dropped += max(deleted.rowcount, 0)
    if etas:
        # Why: replace, because a line moved to another SKU still has its old row under the old SKU.
        await insert_rows(
            conn, line_etas, _ETA_COLUMNS, _eta_rows(etas, computed_on.isoformat()), replace=True
        )
    return len(etas) + dropped


async def _read_supply(
    conn: AsyncConnection, chunks: Sequence[Sequence[str] | None]
) -> list[SkuBook]:
    """Products (all, or those of the chunks) with their open purchase orders, no demand."""
    day = _DateCache()
    purchase_orders_of: dict[str, list[PurchaseOrder]] = {}
    books: list[SkuBook] = []
    for chunk in chunks:
        pos, items = (_PURCHASE_ORDERS, _PRODUCTS) if chunk is None else (_POS_OF, _PRODUCTS_OF)
        keys = None if chunk is None else {"keys": chunk}
        for sku, po_id, quantity, received, expected, status, supplier in await fetch_rows(
            conn, pos, keys
        ):
            purchase_orders_of.setdefault(sku, []).append(
                PurchaseOrder(
                    po_id, sku, quantity, day(expected), received, PoStatus(status), supplier
                )
            )
        books += [
            SkuBook(sku, on_hand, lead_time, handling, purchase_orders_of.get(sku, ()), ())
            for sku, on_hand, lead_time, handling in await fetch_rows(conn, items, keys)
        ]
    return books


async def write_etas(
    conn: AsyncConnection,
    etas: Sequence[LineEta],
    *,
    skus: Collection[str] | None,
    computed_on: date,
    seen: int | None = None,
) -> None:
    """Replace the stored ETAs of these SKUs (all when None) with `etas`, in the caller's
    transaction.

    With `seen`, SKUs changed after that change keep their ETAs (read before the change, these
    would be stale; a newer recompute follows) and the recompute marks of the others are cleared.
    """
    # Why: from the staleness check to commit no mark may commit (storage/eta_marks.py).
    await serialize_marks(conn)
    stale: set[str] = set()
    if seen is not None:
        stale = await changed_since(conn, skus, seen)
        await clear_marks(conn, skus, seen)
    if skus is None and not stale:
        await conn.execute(delete(line_etas))
    elif skus is None:
        await conn.execute(
            delete(line_etas).where(
                *(line_etas.c.sku.not_in(chunk) for chunk in _chunks(stale) if chunk)
            )
        )
    else:
        for chunk in _chunks(set(skus) - stale):
            assert chunk is not None
            await conn.execute(_DELETE_OF, {"keys": chunk})
    if stale:
        etas = [eta for eta in etas if eta.sku not in stale]
    # Why: after deleting every row, nothing can collide (a plain insert, COPY on PostgreSQL);
    # otherwise a line moved from a SKU kept for staleness still has its row under that SKU.
    await insert_rows(
        conn,
        line_etas,
        _ETA_COLUMNS,
        _eta_rows(etas, computed_on.isoformat()),
        replace=skus is not None or bool(stale),
    )


async def read_line_etas(
    conn: AsyncConnection, order_ids: Collection[str]
) -> dict[tuple[str, int], LineEta]:
    """Stored ETAs of the lines of these orders, keyed by (order_id, line_no)."""
    if not order_ids:
        return {}
    day = _DateCache().maybe
    # Why: a staff change's sweep reads the ETAs of tens of thousands of lines.
    confidences = _CONFIDENCES
    etas: dict[tuple[str, int], LineEta] = {}
    for chunk in _chunks(order_ids):
        assert chunk is not None
        rows = await fetch_rows(conn, _SELECT_ETAS, {"keys": chunk})
        for order_id, line_no, sku, available, ship, confidence, waiting, lead_time in rows:
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


def _chunks(keys: Collection[str] | None) -> list[Sequence[str] | None]:
    """Sorted keys in IN-list sized chunks ([None]: no restriction)."""
    if keys is None:
        return [None]
    ordered = sorted(set(keys))
    return [ordered[start : start + IN_CHUNK] for start in range(0, len(ordered), IN_CHUNK)]
