"""SQLite side of the stats (DESIGN §12): set-based aggregates, one pass per figure family.

Backordered lines are open lines whose stored ETA is not `in_stock`, or that have none yet
(bot.domain.stats). Timestamps stored with an offset are compared through julianday(), which
reads ISO-8601 with any offset as the same instant.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import aiosqlite

from bot.domain.stats import (
    QUESTION_KINDS,
    BacklogTotals,
    Csat,
    RecentActivity,
    RefundFigures,
    SkuTotals,
)
from storage.codec import utc_text

# Why: the stored ETA comes along by primary key (`+` keeps the planner off the sku index).
_BACKORDERED_LINES = """
      FROM order_lines AS l
      LEFT JOIN line_etas AS e
             ON e.order_id = l.order_id AND e.line_no = l.line_no AND +e.sku = l.sku
     WHERE l.status = 'open'"""
_BACKORDERED = "(e.confidence IS NULL OR e.confidence != 'in_stock')"

_SKU_TOTALS = f"""
    WITH demand AS (
        SELECT l.sku,
               sum(l.quantity) AS open_units,
               sum({_BACKORDERED}) AS lines,
               sum(CASE WHEN {_BACKORDERED} THEN l.quantity ELSE 0 END) AS units,
               min(CASE WHEN {_BACKORDERED} THEN o.placed_at_utc END) AS oldest
          FROM order_lines AS l
          JOIN orders AS o ON o.order_id = l.order_id
          LEFT JOIN line_etas AS e
                 ON e.order_id = l.order_id AND e.line_no = l.line_no AND +e.sku = l.sku
         WHERE l.status = 'open'
         GROUP BY l.sku
        HAVING lines > 0
    )
    SELECT d.sku, p.name, p.supplier, p.on_hand, d.open_units, d.lines, d.units, d.oldest,
           (SELECT min(po.expected_date) FROM purchase_orders AS po
             WHERE po.sku = d.sku AND po.status != 'cancelled'
               AND po.quantity > po.received_quantity) AS next_expected
      FROM demand AS d JOIN products AS p ON p.sku = d.sku"""

_TOTALS = f"""
    WITH waiting AS (
        SELECT o.customer_id, count(*) AS lines, sum(l.quantity) AS units
          FROM order_lines AS l
          JOIN orders AS o ON o.order_id = l.order_id
          LEFT JOIN line_etas AS e
                 ON e.order_id = l.order_id AND e.line_no = l.line_no AND +e.sku = l.sku
         WHERE l.status = 'open' AND {_BACKORDERED}
         GROUP BY o.customer_id
    )
    SELECT COALESCE(sum(lines), 0), COALESCE(sum(units), 0), count(*),
           COALESCE(sum(NOT EXISTS (
               SELECT 1 FROM chat_links AS c
                WHERE c.customer_id = waiting.customer_id
                  AND c.chat_id NOT IN (SELECT chat_id FROM unreachable_chats))), 0)
      FROM waiting"""

_WAIT_COUNTS = f"""
    SELECT o.placed_at_utc
      FROM order_lines AS l
      JOIN orders AS o ON o.order_id = l.order_id
      LEFT JOIN line_etas AS e
             ON e.order_id = l.order_id AND e.line_no = l.line_no AND +e.sku = l.sku
     WHERE l.status = 'open' AND {_BACKORDERED}"""

_DELAYS = """
    SELECT CAST(julianday(e.ship_date) - julianday(o.promised_ship_date) AS INTEGER) AS delay,
           count(*)
      FROM order_lines AS l
      JOIN orders AS o ON o.order_id = l.order_id
      JOIN line_etas AS e ON e.order_id = l.order_id AND e.line_no = l.line_no AND +e.sku = l.sku
     WHERE l.status = 'open' AND e.ship_date IS NOT NULL AND o.promised_ship_date IS NOT NULL
     GROUP BY delay"""

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

_QUESTIONS = ", ".join(f"'{kind}'" for kind in QUESTION_KINDS)
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

_CSAT = """
    SELECT count(*), avg(score) FROM ratings
     WHERE score IS NOT NULL AND julianday(answered_at) >= julianday(?)"""


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


async def read_backlog_totals(conn: aiosqlite.Connection) -> BacklogTotals:
    """Backordered lines and units, customers waiting, and those of them no chat reaches (no
    linked chat, or every linked chat blocked the bot)."""
    lines, units, customers, unreachable = (await _rows(conn, _TOTALS, ()))[0]
    return BacklogTotals(int(lines), int(units), int(customers), int(unreachable))


async def read_wait_counts(conn: aiosqlite.Connection, boundaries: Sequence[datetime]) -> list[int]:
    """Backordered lines per placing interval between `boundaries` (newest first, UTC moments):
    at or after the first, then each interval back, then before the last."""
    marks = [utc_text(moment) for moment in boundaries]
    cases = " ".join(
        f"WHEN placed_at_utc >= :b{number} THEN {number}" for number in range(len(marks))
    )
    query = f"""
        SELECT CASE {cases} ELSE {len(marks)} END AS bucket, count(*)
          FROM ({_WAIT_COUNTS}) GROUP BY bucket"""
    counts = [0] * (len(marks) + 1)
    params = {f"b{number}": mark for number, mark in enumerate(marks)}
    for bucket, count in await _rows(conn, query, params):
        counts[int(bucket)] = int(count)
    return counts


async def read_delay_histogram(conn: aiosqlite.Connection) -> dict[int, int]:
    """Open lines with an estimated and a promised ship date, by whole days between them."""
    return {int(delay): int(count) for delay, count in await _rows(conn, _DELAYS, ())}


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


async def read_csat(conn: aiosqlite.Connection, since: datetime) -> Csat:
    """Ratings answered at or after `since`: how many, mean score to two decimals."""
    responses, average = (await _rows(conn, _CSAT, (since.isoformat(),)))[0]
    return Csat(int(responses), None if average is None else round(float(average), 2))


async def _rows(conn: aiosqlite.Connection, sql: str, params: Any) -> list[Any]:
    """Plain tuples of one aggregate query (few rows)."""
    async with conn.execute(sql, params) as cursor:
        cursor.row_factory = None
        return list(await cursor.fetchall())
