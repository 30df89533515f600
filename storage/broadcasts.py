"""The broadcast tables, the segment queries and a broadcast's progress counted in the outbox."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Collection, Sequence
from datetime import date, datetime
from typing import Any

import aiosqlite

from bot.domain.broadcasts import (
    WITHDRAWN,
    AffectedOrder,
    BroadcastRecord,
    DeliveryCounts,
    NewBroadcast,
    Progress,
    RecipientCopy,
    Segment,
    SegmentCustomer,
    SegmentFilter,
    SegmentGroup,
    SegmentKind,
    copy_key,
    message_from_json,
)
from bot.domain.outbox import OutgoingMessage
from storage.audit import Change, write_changes
from storage.codec import utc_text
from storage.outbox import insert_outbox_rows
from storage.transaction import transaction

# Why: one JSON parameter carries any number of keys, within SQLite's variable limit.
_IN_JSON = "IN (SELECT value FROM json_each(?))"
BATCH = 5_000

# The orders of each kind of segment that have an open line it is about (set-based, no per-row
# round trips). An open line without a stored ETA counts as backordered, as in `order --json`.
_SEGMENT_ORDERS = {
    SegmentKind.ALL: """
        SELECT l.order_id FROM order_lines AS l
          LEFT JOIN line_etas AS e ON e.order_id = l.order_id AND e.line_no = l.line_no
         WHERE l.status = 'open' AND (e.confidence IS NULL OR e.confidence != 'in_stock')""",
    SegmentKind.SKU: f"""
        SELECT l.order_id FROM order_lines AS l
         WHERE l.status = 'open' AND l.sku {_IN_JSON}""",
    SegmentKind.SUPPLIER: f"""
        SELECT l.order_id FROM order_lines AS l
         WHERE l.status = 'open'
           AND l.sku IN (SELECT sku FROM products WHERE supplier {_IN_JSON})""",
    SegmentKind.ORDERS: f"""
        SELECT l.order_id FROM order_lines AS l
         WHERE l.status = 'open' AND l.order_id {_IN_JSON}""",
}
# Why: the customer's own choice wins over the orders' language, as in `customer_from`; the chat a
# copy goes to is the most recently linked one that has not blocked the bot, else the most recent.
_SEGMENT = """
    WITH seg_orders AS MATERIALIZED (
        SELECT o.order_id, o.customer_id, o.placed_at_utc FROM orders AS o
         WHERE o.order_id IN ({orders}) {and_jurisdiction}),
    seg_customers AS MATERIALIZED (
        SELECT c.customer_id,
               coalesce(nullif(c.chosen_language, ''), nullif(c.language, ''), '') AS tag,
               (SELECT k.chat_id FROM chat_links AS k WHERE k.customer_id = c.customer_id
                 ORDER BY EXISTS (SELECT 1 FROM unreachable_chats AS u WHERE u.chat_id = k.chat_id),
                          k.linked_at DESC, k.chat_id DESC
                 LIMIT 1) AS chat_id
          FROM customers AS c
         WHERE c.customer_id IN (SELECT customer_id FROM seg_orders))
"""
_GROUPS = """
    SELECT tag, chat_id IS NOT NULL, chat_id IN (SELECT chat_id FROM unreachable_chats), count(*),
           min(CASE WHEN chat_id IS NOT NULL THEN customer_id END)
      FROM seg_customers GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"""
# Why: an order's estimate as `split_order_estimate` (DESIGN §5.6), set-based: the latest ship date
# of its open lines not shipped ahead (all open lines when every one was), none if any is undated.
_CUSTOMERS = """
    SELECT s.customer_id, s.tag, s.chat_id, so.order_id,
           CASE WHEN sum(l.ship_now = 0) > 0
                THEN CASE WHEN sum(l.ship_now = 0 AND e.ship_date IS NULL) = 0
                          THEN max(CASE WHEN l.ship_now = 0 THEN e.ship_date END) END
                ELSE CASE WHEN sum(e.ship_date IS NULL) = 0 THEN max(e.ship_date) END
           END
      FROM seg_customers AS s
      JOIN seg_orders AS so ON so.customer_id = s.customer_id
      JOIN order_lines AS l ON l.order_id = so.order_id AND l.status = 'open'
      LEFT JOIN line_etas AS e ON e.order_id = l.order_id AND e.line_no = l.line_no
     WHERE s.chat_id IS NOT NULL {and_tag} {and_customer}
     GROUP BY so.order_id
     ORDER BY s.customer_id, so.placed_at_utc, so.order_id"""
_PROGRESS = """
    SELECT r.language,
           CASE WHEN o.status = 'pending'
                THEN CASE WHEN o.chat_id IN (SELECT chat_id FROM unreachable_chats)
                          THEN 'held' ELSE 'pending' END
                WHEN o.status = 'sent' THEN 'sent'
                WHEN o.status = 'failed' AND o.last_error = :withdrawn THEN 'withdrawn'
                ELSE 'failed' END,
           count(*)
      FROM broadcast_recipients AS r JOIN outbox AS o ON o.id = r.outbox_id
     WHERE r.broadcast_id = :id
     GROUP BY 1, 2"""
_RECORD_COLUMNS = (
    "id, created_at, created_by, segment, message, recipients, not_linked, fallback,"
    " stopped_at, stopped_by"
)


def _segment_sql(segment: SegmentFilter, tail: str) -> tuple[str, list[object]]:
    kind = SegmentKind.ORDERS if segment.kind is SegmentKind.PURCHASE_ORDER else segment.kind
    params: list[object] = [] if kind is SegmentKind.ALL else [json.dumps(list(segment.values))]
    and_jurisdiction = ""
    if segment.jurisdiction is not None:
        and_jurisdiction = "AND o.jurisdiction = ?"
        params.append(segment.jurisdiction.value)
    sql = _SEGMENT.format(orders=_SEGMENT_ORDERS[kind], and_jurisdiction=and_jurisdiction)
    return sql + tail, params


async def read_segment_groups(
    conn: aiosqlite.Connection, segment: SegmentFilter
) -> list[SegmentGroup]:
    """The segment's customers counted by language tag, linked and held, with a linked sample."""
    sql, params = _segment_sql(segment, _GROUPS)
    rows = await conn.execute_fetchall(sql, params)
    return [
        SegmentGroup(row[0] or None, bool(row[1]), bool(row[2]), int(row[3]), row[4])
        for row in rows
    ]


async def read_segment_customers(
    conn: aiosqlite.Connection,
    segment: SegmentFilter,
    *,
    languages: Collection[str] | None,
    customer_ids: Collection[str] | None,
) -> AsyncIterator[list[SegmentCustomer]]:
    """The segment's linked customers with their orders and estimates, in customer order, in
    batches of about BATCH customers (one statement: one consistent read)."""
    and_tag = "" if languages is None else f"AND s.tag {_IN_JSON}"
    and_customer = "" if customer_ids is None else f"AND s.customer_id {_IN_JSON}"
    tail = _CUSTOMERS.format(and_tag=and_tag, and_customer=and_customer)
    sql, params = _segment_sql(segment, tail)
    if languages is not None:
        params.append(json.dumps(sorted(languages)))
    if customer_ids is not None:
        params.append(json.dumps(sorted(customer_ids)))
    days: dict[str, date] = {}
    batch: list[SegmentCustomer] = []
    current: tuple[str, str, int] | None = None
    orders: list[AffectedOrder] = []
    async with conn.execute(sql, params) as cursor:
        while rows := await cursor.fetchmany(BATCH):
            for customer_id, tag, chat_id, order_id, estimate in rows:
                if current is None or current[0] != customer_id:
                    if current is not None:
                        batch.append(
                            SegmentCustomer(
                                current[0], current[1] or None, current[2], tuple(orders)
                            )
                        )
                    current, orders = (customer_id, tag, chat_id), []
                day = None
                if estimate is not None:
                    day = days.get(estimate)
                    if day is None:
                        day = days[estimate] = date.fromisoformat(estimate)
                orders.append(AffectedOrder(order_id, day))
            if len(batch) >= BATCH:
                yield batch
                batch = []
    if current is not None:
        batch.append(SegmentCustomer(current[0], current[1] or None, current[2], tuple(orders)))
    if batch:
        yield batch


async def read_suppliers(conn: aiosqlite.Connection) -> list[str]:
    """The distinct supplier names of the products."""
    rows = await conn.execute_fetchall(
        "SELECT DISTINCT supplier FROM products WHERE supplier IS NOT NULL AND supplier != ''"
    )
    return sorted(str(row[0]) for row in rows)


async def read_known_order_ids(conn: aiosqlite.Connection, order_ids: Collection[str]) -> set[str]:
    """Which of these order ids are stored."""
    rows = await conn.execute_fetchall(
        f"SELECT order_id FROM orders WHERE order_id {_IN_JSON}",
        (json.dumps(sorted(set(order_ids))),),
    )
    return {str(row[0]) for row in rows}


async def write_broadcast(
    conn: aiosqlite.Connection,
    broadcast: NewBroadcast,
    copies: Sequence[RecipientCopy],
    *,
    now: datetime,
) -> tuple[int, int]:
    """The broadcast, its outbox copies, who got which language and its audit row, in one
    transaction; the id and the copies queued. A copy whose chat is no longer linked to its
    customer (unlinked since the copies were made) is left out."""
    async with transaction(conn):
        cursor = await conn.execute(
            """INSERT INTO broadcasts (created_at, created_by, segment, message, recipients,
                   not_linked, fallback) VALUES (?, ?, ?, ?, 0, ?, ?)""",
            (
                utc_text(now),
                broadcast.created_by,
                _json(broadcast.segment.as_json()),
                _json(broadcast.message.as_json()),
                broadcast.not_linked,
                broadcast.fallback,
            ),
        )
        broadcast_id = cursor.lastrowid
        assert broadcast_id is not None
        links = await conn.execute_fetchall(
            f"SELECT chat_id, customer_id FROM chat_links WHERE chat_id {_IN_JSON}",
            (json.dumps(sorted({copy.chat_id for copy in copies})),),
        )
        linked = {(int(row[0]), str(row[1])) for row in links}
        kept = [copy for copy in copies if (copy.chat_id, copy.customer_id) in linked]
        queued = await insert_outbox_rows(
            conn,
            [
                OutgoingMessage(
                    copy_key(broadcast_id, copy.customer_id),
                    copy.chat_id,
                    copy.text,
                    customer_id=copy.customer_id,
                    broadcast_id=broadcast_id,
                )
                for copy in kept
            ],
            now=now,
        )
        await conn.executemany(
            """INSERT INTO broadcast_recipients (broadcast_id, outbox_id, customer_id, language)
               SELECT ?, id, ?, ? FROM outbox WHERE dedupe_key = ?""",
            [
                (
                    broadcast_id,
                    copy.customer_id,
                    copy.language,
                    copy_key(broadcast_id, copy.customer_id),
                )
                for copy in kept
            ],
        )
        await conn.execute(
            "UPDATE broadcasts SET recipients = ? WHERE id = ?", (queued, broadcast_id)
        )
        after = {
            "segment": broadcast.segment.as_json(),
            "message": broadcast.message.as_json(),
            "recipients": queued,
            "not_linked": broadcast.not_linked,
            "fallback": broadcast.fallback,
        }
        change = Change("broadcast.queue", f"broadcast:{broadcast_id}", None, after)
        await write_changes(conn, [change], actor=broadcast.created_by, at=now)
    return broadcast_id, queued


async def read_broadcast(conn: aiosqlite.Connection, broadcast_id: int) -> BroadcastRecord | None:
    """A broadcast as recorded, or None."""
    rows = list(
        await conn.execute_fetchall(
            f"SELECT {_RECORD_COLUMNS} FROM broadcasts WHERE id = ?", (broadcast_id,)
        )
    )
    return _record_from(rows[0]) if rows else None


async def read_broadcasts(conn: aiosqlite.Connection, *, limit: int) -> list[BroadcastRecord]:
    """The latest broadcasts, newest first."""
    rows = await conn.execute_fetchall(
        f"SELECT {_RECORD_COLUMNS} FROM broadcasts ORDER BY id DESC LIMIT ?", (limit,)
    )
    return [_record_from(row) for row in rows]


async def read_progress(conn: aiosqlite.Connection, broadcast_id: int) -> Progress:
    """A broadcast's copies by state and language (one statement, so they add up), and the times
    of its first and latest sends."""
    rows = await conn.execute_fetchall(_PROGRESS, {"id": broadcast_id, "withdrawn": WITHDRAWN})
    by_language: dict[str, dict[str, int]] = {}
    for language, state, count in rows:
        by_language.setdefault(str(language), {})[str(state)] = int(count)
    times = list(
        await conn.execute_fetchall(
            "SELECT min(sent_at), max(sent_at) FROM outbox"
            " WHERE broadcast_id = ? AND status = 'sent'",
            (broadcast_id,),
        )
    )
    first, last = times[0] if times else (None, None)
    languages = {language: _counts(states) for language, states in sorted(by_language.items())}
    total: dict[str, int] = {}
    for states in by_language.values():
        for state, count in states.items():
            total[state] = total.get(state, 0) + count
    return Progress(
        counts=_counts(total),
        by_language=languages,
        first_sent_at=datetime.fromisoformat(first) if first else None,
        last_sent_at=datetime.fromisoformat(last) if last else None,
    )


async def write_stop(
    conn: aiosqlite.Connection, broadcast_id: int, *, actor: str, at: datetime
) -> int:
    """Withdraw the broadcast's pending copies (held ones too) and record the stop, audited, in
    one transaction; how many were withdrawn. A copy a sender has already claimed stays with it:
    if its send succeeds it is recorded as sent."""
    async with transaction(conn):
        cursor = await conn.execute(
            """UPDATE outbox SET status = 'failed', last_error = ?
               WHERE broadcast_id = ? AND status = 'pending'""",
            (WITHDRAWN, broadcast_id),
        )
        withdrawn = cursor.rowcount
        await conn.execute(
            """UPDATE broadcasts SET stopped_at = coalesce(stopped_at, ?),
                   stopped_by = coalesce(stopped_by, ?) WHERE id = ?""",
            (utc_text(at), actor, broadcast_id),
        )
        change = Change(
            "broadcast.stop", f"broadcast:{broadcast_id}", None, {"withdrawn": withdrawn}
        )
        await write_changes(conn, [change], actor=actor, at=at)
    return withdrawn


def _counts(states: dict[str, int]) -> DeliveryCounts:
    return DeliveryCounts(
        recipients=sum(states.values()),
        sent=states.get("sent", 0),
        held=states.get("held", 0),
        failed=states.get("failed", 0),
        pending=states.get("pending", 0),
        withdrawn=states.get("withdrawn", 0),
    )


def _record_from(row: Any) -> BroadcastRecord:
    return BroadcastRecord(
        broadcast_id=int(row[0]),
        created_at=datetime.fromisoformat(row[1]),
        created_by=str(row[2]),
        segment=Segment.from_json(json.loads(row[3])),
        message=message_from_json(json.loads(row[4])),
        recipients=int(row[5]),
        not_linked=int(row[6]),
        fallback=int(row[7]),
        stopped_at=datetime.fromisoformat(row[8]) if row[8] else None,
        stopped_by=row[9],
    )


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
