"""The stats reads (DESIGN §12) on SQLite and PostgreSQL: set-based aggregates, one pass per
figure family, all over one snapshot.

Backordered lines are open lines whose stored ETA is not `in_stock`, or that have none yet
(bot.domain.stats). Timestamps stored with an offset are compared through `moment()` (SQLite's
julianday(), PostgreSQL's timestamptz), which reads ISO-8601 with any offset as the same instant.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Text,
    TextClause,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncConnection

import storage.ratings as rating_tables
from bot.domain.delays import QUESTION_KINDS
from bot.domain.ratings import Csat
from bot.domain.stats import (
    BacklogTotals,
    RecentActivity,
    RefundFigures,
    SkuTotals,
)
from storage.codec import utc_text
from storage.database import Database
from storage.schema import audit_log, events, notice_log, products, purchase_orders, refunds
from storage.sql_functions import json_field, moment

# Why: the three passes over the open lines are long analytical queries kept as SQL text (the
# same on both databases) but for SQLite's planner hints: `+column` keeps SQLite off an index and
# `CROSS JOIN` fixes its join order; PostgreSQL spells neither (and plans well without them).
_HINTS = {
    "sqlite": {"plus": "+", "cross": "CROSS JOIN"},
    "postgresql": {"plus": "", "cross": "JOIN"},
}

# Why: every figure over the lines reads them in primary-key order (`+l.status` keeps the planner
# off the partial sku index, whose order would make each order and ETA lookup a random read: 5x
# slower on 1M lines); orders and stored ETAs then come along by key, nearly in sequence.
_OPEN_LINES = """
      FROM order_lines AS l
     {cross} orders AS o ON o.order_id = l.order_id
      LEFT JOIN line_etas AS e
             ON e.order_id = l.order_id AND e.line_no = l.line_no AND {plus}e.sku = l.sku
     WHERE {plus}l.status = 'open'"""
_BACKORDERED = "(e.confidence IS NULL OR e.confidence != 'in_stock')"

_SKU_TOTALS = f"""
    WITH demand AS MATERIALIZED (
        SELECT {{plus}}l.sku AS sku,
               sum(l.quantity) AS open_units,
               count(CASE WHEN {_BACKORDERED} THEN 1 END) AS lines,
               sum(CASE WHEN {_BACKORDERED} THEN l.quantity ELSE 0 END) AS units,
               min(CASE WHEN {_BACKORDERED} THEN o.placed_at_utc END) AS oldest
          {_OPEN_LINES}
         GROUP BY 1
    )
    SELECT d.sku, p.name, p.supplier, p.on_hand, d.open_units, d.lines, d.units, d.oldest,
           (SELECT min(po.expected_date) FROM purchase_orders AS po
             WHERE po.sku = d.sku AND po.status != 'cancelled'
               AND po.quantity > po.received_quantity) AS next_expected
      FROM demand AS d JOIN products AS p ON p.sku = d.sku
     WHERE d.lines > 0"""

# Why: one pass gives the headline counts and the waiting buckets. The lines come in order key
# order, so grouping them by order needs no sort and leaves a third as many rows (an order's
# customer and placing moment are one per order: min() names them for PostgreSQL's GROUP BY);
# the distinct customers are those rows grouped once more (a sort, cheaper than two DISTINCT
# counts), and only they are looked up in the small set of customers with a chat that did not
# block the bot.
_TOTALS = f"""
    WITH reachable AS MATERIALIZED (
        SELECT DISTINCT customer_id FROM chat_links
         WHERE chat_id NOT IN (SELECT chat_id FROM unreachable_chats)
    ),
    waiting AS MATERIALIZED (
        SELECT min(o.customer_id) AS customer_id, min(o.placed_at_utc) AS placed_at_utc,
               count(*) AS lines, sum(l.quantity) AS units
          {_OPEN_LINES} AND {_BACKORDERED}
         GROUP BY l.order_id
    ),
    customers AS (
        SELECT customer_id FROM waiting GROUP BY customer_id
    )
    SELECT COALESCE(sum(o.lines), 0), COALESCE(sum(o.units), 0),
           (SELECT count(*) FROM customers),
           (SELECT count(*) FROM customers
             WHERE customer_id NOT IN (SELECT customer_id FROM reachable))
           {{buckets}}
      FROM waiting AS o"""

# Why: date pairs, not a date difference per line (the larger part of the pass's time): the
# differences are taken once per distinct pair, in Python.
_DELAYS = f"""
    SELECT e.ship_date, o.promised_ship_date, count(*)
      {_OPEN_LINES} AND e.ship_date IS NOT NULL AND o.promised_ship_date IS NOT NULL
     GROUP BY 1, 2"""


def _by_dialect(sql: str) -> dict[str, TextClause]:
    return {name: text(sql.format(**hints)) for name, hints in _HINTS.items()}


_SKU_TOTALS_SQL = _by_dialect(_SKU_TOTALS)
_DELAYS_SQL = _by_dialect(_DELAYS)

_named_supplier = func.coalesce(purchase_orders.c.supplier, products.c.supplier)
_OVERDUE_BY_SUPPLIER = (
    select(_named_supplier, func.count())
    .select_from(purchase_orders.join(products, products.c.sku == purchase_orders.c.sku))
    .where(
        purchase_orders.c.status != "cancelled",
        purchase_orders.c.quantity > purchase_orders.c.received_quantity,
        purchase_orders.c.expected_date < bindparam("today", type_=Text),
    )
    .group_by(_named_supplier)
)


def _count_if(condition: Any) -> Any:
    return func.count(case((condition, literal(1))))


_EVENT_COUNTS = select(
    _count_if(events.c.type == "line.cancelled"),
    _count_if(events.c.type == "line.swapped"),
    _count_if(events.c.type == "order.split"),
    _count_if(
        and_(events.c.type == "order.cancelled", json_field(events.c.payload, "actor") == "system")
    ),
).where(moment(events.c.created_at) >= moment(bindparam("since", type_=Text)))

_QUESTIONS = sorted(kind.value for kind in QUESTION_KINDS)
_is_question = notice_log.c.kind.in_(_QUESTIONS)
# Why: a question counts as answered when the customer agreed to wait or cancelled after it
# (the two choices it offers); the system's own cancellation is no answer.
_answered = exists().where(
    audit_log.c.entity == literal("order:", Text).concat(notice_log.c.order_id),
    audit_log.c.action.in_(["notice.consent", "order.cancel"]),
    audit_log.c.actor != "system",
    moment(audit_log.c.at) >= moment(notice_log.c.decided_at),
)
_NOTICE_COUNTS = select(
    func.count(), _count_if(_is_question), _count_if(and_(_is_question, _answered))
).where(
    notice_log.c.delivery == "delivered",
    moment(notice_log.c.decided_at) >= moment(bindparam("since", type_=Text)),
)

_REFUNDS = select(
    func.count(), _count_if(refunds.c.due_date < bindparam("today", type_=Text))
).where(refunds.c.status == "due")


async def read_sku_totals(conn: AsyncConnection) -> list[SkuTotals]:
    """Every SKU with a backordered line: open demand, backordered lines and units, oldest
    placing moment (UTC) of a backordered line, next expected date of an open purchase order."""
    rows = await _rows(conn, _SKU_TOTALS_SQL[conn.dialect.name], {})
    return [
        SkuTotals(
            sku=str(sku),
            name=str(name),
            supplier=None if supplier is None else str(supplier),
            on_hand=int(on_hand),
            open_units=int(open_units),
            backordered_lines=int(lines),
            backordered_units=int(units),
            oldest_placed_at=datetime.fromisoformat(oldest) if oldest else None,
            next_expected_date=date.fromisoformat(expected) if expected else None,
        )
        for sku, name, supplier, on_hand, open_units, lines, units, oldest, expected in rows
    ]


async def read_backlog_totals(
    conn: AsyncConnection, boundaries: Sequence[datetime]
) -> BacklogTotals:
    """Backordered lines and units, customers waiting, those of them no chat reaches (no linked
    chat, or every linked chat blocked the bot), and the lines per placing interval between
    `boundaries` (newest first, UTC moments): at or after the first, each interval back, then
    before the last."""
    marks = [utc_text(boundary) for boundary in boundaries]
    columns = []
    for number in range(len(marks) + 1):
        conditions = []
        if number > 0:
            conditions.append(f"o.placed_at_utc < :b{number - 1}")
        if number < len(marks):
            conditions.append(f"o.placed_at_utc >= :b{number}")
        columns.append(
            f", COALESCE(sum(CASE WHEN {' AND '.join(conditions) or '1 = 1'} THEN o.lines END), 0)"
        )
    params = {f"b{number}": mark for number, mark in enumerate(marks)}
    sql = _TOTALS.format(buckets="".join(columns), **_HINTS[conn.dialect.name])
    query = text(sql).bindparams(*(bindparam(name, type_=Text) for name in params))
    lines, units, customers, unreachable, *counts = (await _rows(conn, query, params))[0]
    return BacklogTotals(
        int(lines),
        int(units),
        int(customers),
        int(unreachable),
        tuple(int(count) for count in counts),
    )


async def read_delay_pairs(conn: AsyncConnection) -> dict[tuple[date, date], int]:
    """Open lines with an estimated and a promised ship date, counted by that pair of dates."""
    return {
        (date.fromisoformat(ship), date.fromisoformat(promised)): int(count)
        for ship, promised, count in await _rows(conn, _DELAYS_SQL[conn.dialect.name], {})
    }


async def read_overdue_by_supplier(conn: AsyncConnection, today: date) -> dict[str | None, int]:
    """Open purchase orders (not cancelled, units to come) expected before `today`, by the
    PO's supplier, else its product's."""
    rows = await _rows(conn, _OVERDUE_BY_SUPPLIER, {"today": today.isoformat()})
    return {None if supplier is None else str(supplier): int(count) for supplier, count in rows}


async def read_recent_activity(conn: AsyncConnection, since: datetime) -> RecentActivity:
    """From the event feed: lines cancelled (any reason), lines swapped, orders split, orders
    cancelled by the delay policy; from the notice log: notices delivered, delivery questions
    delivered and answered — all at or after `since`."""
    params = {"since": since.isoformat()}
    cancelled, swapped, split, auto = (await _rows(conn, _EVENT_COUNTS, params))[0]
    sent, questions, answered = (await _rows(conn, _NOTICE_COUNTS, params))[0]
    return RecentActivity(
        cancelled_lines=int(cancelled or 0),
        swapped_lines=int(swapped or 0),
        split_orders=int(split or 0),
        notices_sent=int(sent or 0),
        questions_sent=int(questions or 0),
        notices_answered=int(answered or 0),
        auto_cancelled_orders=int(auto or 0),
    )


async def read_refund_figures(conn: AsyncConnection, today: date) -> RefundFigures:
    """Refunds still due, and those of them due before `today`."""
    due, overdue = (await _rows(conn, _REFUNDS, {"today": today.isoformat()}))[0]
    return RefundFigures(int(due), int(overdue))


async def _rows(conn: AsyncConnection, query: Any, params: dict[str, Any]) -> list[Any]:
    """Plain tuples of one aggregate query (few rows)."""
    return [tuple(row) for row in (await conn.execute(query, params)).all()]


# Why: one reader per pass over the open lines, so the three run on separate cores.
READERS = 3
# Why: on PostgreSQL too the passes run in parallel, on connections sharing one exported snapshot:
# measured on the stats bench's shop (200,000 open lines, 2 busy cores), 1.9-2.5 s (mean 2.2 s)
# against 2.2-5.3 s (mean 4.0 s) for one REPEATABLE READ connection running them in turn.
POSTGRES_READERS = 3


class StatsSnapshot:
    """The stats reads (bot.domain.stats.StatsReader) over read connections that all see the
    same snapshot; each read takes a free connection, so concurrent reads run in parallel."""

    def __init__(self, connections: Sequence[AsyncConnection]) -> None:
        self._free: asyncio.Queue[AsyncConnection] = asyncio.Queue()
        for conn in connections:
            self._free.put_nowait(conn)

    @asynccontextmanager
    async def _lease(self) -> AsyncIterator[AsyncConnection]:
        conn = await self._free.get()
        try:
            yield conn
        finally:
            self._free.put_nowait(conn)

    async def stats_sku_totals(self) -> list[SkuTotals]:
        """See `read_sku_totals`."""
        async with self._lease() as conn:
            return await read_sku_totals(conn)

    async def stats_backlog_totals(self, boundaries: Sequence[datetime]) -> BacklogTotals:
        """See `read_backlog_totals`."""
        async with self._lease() as conn:
            return await read_backlog_totals(conn, boundaries)

    async def stats_delay_pairs(self) -> dict[tuple[date, date], int]:
        """See `read_delay_pairs`."""
        async with self._lease() as conn:
            return await read_delay_pairs(conn)

    async def stats_overdue_by_supplier(self, today: date) -> dict[str | None, int]:
        """See `read_overdue_by_supplier`."""
        async with self._lease() as conn:
            return await read_overdue_by_supplier(conn, today)

    async def stats_recent_activity(self, since: datetime) -> RecentActivity:
        """See `read_recent_activity`."""
        async with self._lease() as conn:
            return await read_recent_activity(conn, since)

    async def stats_refunds(self, today: date) -> RefundFigures:
        """See `read_refund_figures`."""
        async with self._lease() as conn:
            return await read_refund_figures(conn, today)

    async def csat(self, *, since: datetime | None = None) -> Csat:
        """See `storage.ratings.csat`."""
        async with self._lease() as conn:
            return await rating_tables.csat(conn, since=since)


@asynccontextmanager
async def stats_snapshot(db: Database) -> AsyncIterator[StatsSnapshot]:
    """Read connections of the database, each in a read transaction on the same snapshot,
    returned to the pool afterwards. A SQLite database in memory: its writer alone, inside a
    write transaction.

    SQLite: while the readers begin, the store holds the write lock (BEGIN IMMEDIATE, waiting
    like any writer), so no commit lands between the first snapshot and the last; in WAL mode
    the readers then never block writers nor wait for them.
    PostgreSQL: REPEATABLE READ, READ ONLY; the first reader exports its snapshot and the others
    adopt it (`SET TRANSACTION SNAPSHOT`), so the passes run in parallel on one snapshot.
    """
    if db.dialect == "postgresql":
        async with _postgresql_readers(db, POSTGRES_READERS) as readers:
            yield StatsSnapshot(readers)
        return
    if db.engine.url.database in (None, "", ":memory:"):
        async with db.write() as conn:
            yield StatsSnapshot([conn])
        return
    async with _sqlite_readers(db) as readers:
        yield StatsSnapshot(readers)


@asynccontextmanager
async def _sqlite_readers(db: Database) -> AsyncIterator[list[AsyncConnection]]:
    async with AsyncExitStack() as stack:
        readers = [await stack.enter_async_context(db.engine.connect()) for _ in range(READERS)]
        begun: list[AsyncConnection] = []
        try:
            async with db.write():
                for reader in readers:
                    # Why: the engine leaves transactions to us (AUTOCOMMIT driver mode).
                    await reader.exec_driver_sql("BEGIN")
                    begun.append(reader)
                    # Why: a WAL read transaction takes its snapshot at its first read.
                    await reader.exec_driver_sql("SELECT count(*) FROM sqlite_schema")
            yield readers
        finally:
            for reader in begun:
                # Why: the pool does not reset connections (pool_reset_on_return=None).
                await reader.exec_driver_sql("ROLLBACK")


_SNAPSHOT_ID = re.compile(r"[0-9A-Fa-f-]+")


@asynccontextmanager
async def _postgresql_readers(db: Database, count: int) -> AsyncIterator[list[AsyncConnection]]:
    async with AsyncExitStack() as stack:
        readers: list[AsyncConnection] = []
        for _ in range(count):
            conn = await stack.enter_async_context(db.engine.connect())
            conn = await conn.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
            await stack.enter_async_context(conn.begin())
            readers.append(conn)
        if count > 1:
            snapshot = str((await readers[0].execute(_EXPORT)).scalar_one())
            if not _SNAPSHOT_ID.fullmatch(snapshot):
                raise RuntimeError(f"unexpected snapshot id {snapshot!r}")
            # Why: SET takes no bind parameters; the id is the server's own (checked above).
            adopt = text(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            for conn in readers[1:]:
                await conn.execute(adopt)
        yield readers


_EXPORT = text("SELECT pg_export_snapshot()")
