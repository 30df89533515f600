"""SQLite side of the stats (DESIGN §12): set-based aggregates, one pass per figure family.

Backordered lines are open lines whose stored ETA is not `in_stock`, or that have none yet
(bot.domain.stats). Timestamps stored with an offset are compared through julianday(), which
reads ISO-8601 with any offset as the same instant.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

import aiosqlite

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
from storage.transaction import transaction

# Why: every figure over the lines reads them in primary-key order (`+l.status` keeps the planner
# off the partial sku index, whose order would make each order and ETA lookup a random read: 5x
# slower on 1M lines); orders and stored ETAs then come along by key, nearly in sequence.
_OPEN_LINES = """
      FROM order_lines AS l
     CROSS JOIN orders AS o ON o.order_id = l.order_id
      LEFT JOIN line_etas AS e
             ON e.order_id = l.order_id AND e.line_no = l.line_no AND +e.sku = l.sku
     WHERE +l.status = 'open'"""
_BACKORDERED = "(e.confidence IS NULL OR e.confidence != 'in_stock')"

_SKU_TOTALS = f"""
    WITH demand AS MATERIALIZED (
        SELECT +l.sku AS sku,
               sum(l.quantity) AS open_units,
               sum({_BACKORDERED}) AS lines,
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
# order, so grouping them by order needs no sort and leaves a third as many rows; the distinct
# customers are those rows grouped once more (a sort, cheaper than two DISTINCT counts), and only
# they are looked up in the small set of customers with a chat that did not block the bot.
_TOTALS = f"""
    WITH reachable AS MATERIALIZED (
        SELECT DISTINCT customer_id FROM chat_links
         WHERE chat_id NOT IN (SELECT chat_id FROM unreachable_chats)
    ),
    waiting AS MATERIALIZED (
        SELECT o.customer_id AS customer_id, o.placed_at_utc AS placed_at_utc,
               count(*) AS lines, sum(l.quantity) AS units
          {_OPEN_LINES} AND {_BACKORDERED}
         GROUP BY l.order_id
    ),
    customers AS (
        SELECT customer_id FROM waiting GROUP BY customer_id
    )
    SELECT COALESCE(sum(o.lines), 0), COALESCE(sum(o.units), 0),
           (SELECT count(*) FROM customers),
           (SELECT count(*) FROM customers WHERE customer_id NOT IN reachable)
           {{buckets}}
      FROM waiting AS o"""

# Why: date pairs, not julianday() per line (the larger part of the pass's time): the
# differences are taken once per distinct pair.
_DELAYS = f"""
    SELECT e.ship_date, o.promised_ship_date, count(*)
      {_OPEN_LINES} AND e.ship_date IS NOT NULL AND o.promised_ship_date IS NOT NULL
     GROUP BY 1, 2"""

_OVERDUE_BY_SUPPLIER = """
    SELECT COALESCE(po.supplier, p.supplier) AS named, count(*)
      FROM purchase_orders AS po JOIN products AS p ON p.sku = po.sku
     WHERE po.status != 'cancelled' AND po.quantity > po.received_quantity
       AND po.expected_date < ?
     GROUP BY named"""

_EVENT_COUNTS = """
    SELECT sum(type = 'line.cancelled'),
           sum(type = 'line.swapped'),
           sum(type = 'order.split'),
           sum(type = 'order.cancelled' AND json_extract(payload, '$.actor') = 'system')
      FROM events
     WHERE julianday(created_at) >= julianday(:since)"""

_QUESTIONS = ", ".join(sorted(f"'{kind.value}'" for kind in QUESTION_KINDS))
# Why: a question counts as answered when the customer agreed to wait or cancelled after it
# (the two choices it offers); the system's own cancellation is no answer.
_NOTICE_COUNTS = f"""
    SELECT count(*),
           sum(n.kind IN ({_QUESTIONS})),
           sum(n.kind IN ({_QUESTIONS}) AND EXISTS (
               SELECT 1 FROM audit_log AS a
                WHERE a.entity = 'order:' || n.order_id
                  AND a.action IN ('notice.consent', 'order.cancel')
                  AND a.actor != 'system'
                  AND julianday(a.at) >= julianday(n.decided_at)))
      FROM notice_log AS n
     WHERE n.delivery = 'delivered' AND julianday(n.decided_at) >= julianday(:since)"""

_REFUNDS = """
    SELECT count(*), COALESCE(sum(due_date < ?), 0) FROM refunds WHERE status = 'due'"""


async def read_sku_totals(conn: aiosqlite.Connection) -> list[SkuTotals]:
    """Every SKU with a backordered line: open demand, backordered lines and units, oldest
    placing moment (UTC) of a backordered line, next expected date of an open purchase order."""
    rows = await _rows(conn, _SKU_TOTALS, ())
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
    conn: aiosqlite.Connection, boundaries: Sequence[datetime]
) -> BacklogTotals:
    """Backordered lines and units, customers waiting, those of them no chat reaches (no linked
    chat, or every linked chat blocked the bot), and the lines per placing interval between
    `boundaries` (newest first, UTC moments): at or after the first, each interval back, then
    before the last."""
    marks = [utc_text(moment) for moment in boundaries]
    columns = []
    for number in range(len(marks) + 1):
        conditions = []
        if number > 0:
            conditions.append(f"o.placed_at_utc < :b{number - 1}")
        if number < len(marks):
            conditions.append(f"o.placed_at_utc >= :b{number}")
        columns.append(
            f", COALESCE(sum(CASE WHEN {' AND '.join(conditions) or '1'} THEN o.lines END), 0)"
        )
    params = {f"b{number}": mark for number, mark in enumerate(marks)}
    row = (await _rows(conn, _TOTALS.format(buckets="".join(columns)), params))[0]
    lines, units, customers, unreachable, *counts = row
    return BacklogTotals(
        int(lines),
        int(units),
        int(customers),
        int(unreachable),
        tuple(int(count) for count in counts),
    )


async def read_delay_pairs(conn: aiosqlite.Connection) -> dict[tuple[date, date], int]:
    """Open lines with an estimated and a promised ship date, counted by that pair of dates."""
    return {
        (date.fromisoformat(ship), date.fromisoformat(promised)): int(count)
        for ship, promised, count in await _rows(conn, _DELAYS, ())
    }


async def read_overdue_by_supplier(
    conn: aiosqlite.Connection, today: date
) -> dict[str | None, int]:
    """Open purchase orders (not cancelled, units to come) expected before `today`, by the
    PO's supplier, else its product's."""
    rows = await _rows(conn, _OVERDUE_BY_SUPPLIER, (today.isoformat(),))
    return {None if supplier is None else str(supplier): int(count) for supplier, count in rows}


async def read_recent_activity(conn: aiosqlite.Connection, since: datetime) -> RecentActivity:
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


async def read_refund_figures(conn: aiosqlite.Connection, today: date) -> RefundFigures:
    """Refunds still due, and those of them due before `today`."""
    due, overdue = (await _rows(conn, _REFUNDS, (today.isoformat(),)))[0]
    return RefundFigures(int(due), int(overdue))


async def _rows(conn: aiosqlite.Connection, sql: str, params: Any) -> list[Any]:
    """Plain tuples of one aggregate query (few rows)."""
    async with conn.execute(sql, params) as cursor:
        cursor.row_factory = None
        return list(await cursor.fetchall())


# Why: one reader per pass over the open lines, so the three run on separate cores.
READERS = 3


class StatsSnapshot:
    """The stats reads (bot.domain.stats.StatsReader) over read connections that all see the
    same snapshot; each read takes a free connection, so concurrent reads run in parallel."""

    def __init__(self, connections: Sequence[aiosqlite.Connection]) -> None:
        self._free: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        for conn in connections:
            self._free.put_nowait(conn)

    @asynccontextmanager
    async def _lease(self) -> AsyncIterator[aiosqlite.Connection]:
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
async def stats_snapshot(
    conn: aiosqlite.Connection, *, busy_timeout_ms: int
) -> AsyncIterator[StatsSnapshot]:
    """Read connections to the database of `conn`, each in a read transaction on the same
    snapshot, closed afterwards. Without a database file (in memory), `conn` alone, inside its
    write transaction lock.

    Why the snapshots match: while they begin, this connection holds the write lock (BEGIN
    IMMEDIATE, waiting like any writer), so no commit lands between the first and the last; in
    WAL mode the readers then never block writers nor wait for them.
    """
    path = await _database_file(conn)
    if not path:
        async with transaction(conn):
            yield StatsSnapshot([conn])
        return
    uri = f"file:{quote(path)}?mode=ro"
    readers: list[aiosqlite.Connection] = []
    try:
        for _ in range(READERS):
            reader = await aiosqlite.connect(uri, uri=True, isolation_level=None)
            readers.append(reader)
            await reader.execute(f"PRAGMA busy_timeout = {busy_timeout_ms:d}")
        async with transaction(conn):
            for reader in readers:
                await reader.execute("BEGIN")
                # Why: a WAL read transaction takes its snapshot at its first read.
                await reader.execute_fetchall("SELECT count(*) FROM sqlite_schema")
        yield StatsSnapshot(readers)
    finally:
        for reader in readers:
            await reader.close()


async def _database_file(conn: aiosqlite.Connection) -> str:
    """The main database's file name ('' in memory)."""
    async with conn.execute("PRAGMA database_list") as cursor:
        cursor.row_factory = None
        for _seq, name, file in await cursor.fetchall():
            if name == "main":
                return str(file or "")
    return ""
