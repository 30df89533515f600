"""The broadcast tables, the segment queries and a broadcast's progress counted in the outbox."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Collection, Sequence
from datetime import date, datetime
from typing import Any

import aiosqlite

from bot.domain.broadcasts import (
    RATE_WINDOW,
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
from storage.codec import CUSTOMER_TAG_SQL, utc_text
from storage.database import sa_connection_for  # TRANSITIONAL
from storage.outbox import insert_outbox_rows
from storage.transaction import transaction

# Why: one JSON parameter carries any number of keys, within SQLite's variable limit.
_IN_JSON = "IN (SELECT value FROM json_each(?))"
BATCH = 5_000

# The orders with an open line a segment is about, by kind (set-based, by index; ALL scans once).
_IN_VALUES = "IN (SELECT value FROM json_each(:values))"
_SEGMENT_ORDERS = {
    SegmentKind.SKU: f"""
        SELECT order_id FROM order_lines WHERE status = 'open' AND sku {_IN_VALUES}""",
    SegmentKind.SUPPLIER: f"""
        SELECT order_id FROM order_lines
         WHERE status = 'open' AND sku IN (SELECT sku FROM products WHERE supplier {_IN_VALUES})""",
    SegmentKind.ORDERS: f"""
        SELECT order_id FROM order_lines WHERE status = 'open' AND order_id {_IN_VALUES}""",
}
# Why: an order's estimate as `split_order_estimate` (DESIGN §5.6), set-based: the latest ship date
# of its open lines not shipped ahead (all open lines when every one was), none if any is undated.
# `--all` takes the orders with an open backordered line: an open line without a stored ETA counts
# as backordered, as in `order --json`. One pass over the lines in key order, no sort.
_SEGMENT = """
    WITH seg AS MATERIALIZED (
        SELECT l.order_id,
               CASE WHEN sum(l.ship_now = 0) > 0
                    THEN CASE WHEN sum(l.ship_now = 0 AND e.ship_date IS NULL) = 0
                              THEN max(CASE WHEN l.ship_now = 0 THEN e.ship_date END) END
                    ELSE CASE WHEN sum(e.ship_date IS NULL) = 0 THEN max(e.ship_date) END
               END AS estimate
          FROM order_lines AS l
          LEFT JOIN line_etas AS e ON e.order_id = l.order_id AND e.line_no = l.line_no
         WHERE l.status = 'open' {and_in_segment}
         GROUP BY l.order_id {having}),
    seg_orders AS MATERIALIZED (
        SELECT o.order_id, o.customer_id, o.placed_at_utc, seg.estimate
          FROM seg CROSS JOIN orders AS o ON o.order_id = seg.order_id
         WHERE :jurisdiction IS NULL OR o.jurisdiction = :jurisdiction),
    seg_customers AS MATERIALIZED (
        SELECT c.customer_id,
               {customer_tag} AS tag,
               coalesce(c.timezone, '') AS zone,
               (SELECT k.chat_id FROM chat_links AS k WHERE k.customer_id = c.customer_id
                 ORDER BY EXISTS (SELECT 1 FROM unreachable_chats AS u WHERE u.chat_id = k.chat_id),
                          k.linked_at DESC, k.chat_id DESC
                 LIMIT 1) AS chat_id
          FROM customers AS c
         WHERE c.customer_id IN (SELECT customer_id FROM seg_orders))
""".replace("{customer_tag}", CUSTOMER_TAG_SQL)
_BACKORDERED = "HAVING sum(e.confidence IS NULL OR e.confidence != 'in_stock') > 0"
# Why: the customer's own choice wins over the orders' language, as in `customer_from`; the chat a
# copy goes to is the most recently linked one that has not blocked the bot, else the most recent.
_GROUPS = """
    SELECT tag, chat_id IS NOT NULL, chat_id IN (SELECT chat_id FROM unreachable_chats), count(*),
           min(CASE WHEN chat_id IS NOT NULL THEN customer_id END), zone
      FROM seg_customers GROUP BY 1, 2, 3, 6 ORDER BY 1, 2, 3, 6"""
# Why: CROSS JOIN keeps SQLite's planner walking customer -> their orders by key.
_CUSTOMERS = """
    SELECT s.customer_id, s.tag, s.chat_id, so.order_id, so.estimate, s.zone
      FROM seg_customers AS s
     CROSS JOIN seg_orders AS so ON so.customer_id = s.customer_id
     WHERE {linked} {and_tag}
     ORDER BY s.customer_id, so.placed_at_utc, so.order_id"""
_PROGRESS = """
    SELECT r.language,
           CASE WHEN o.status = 'pending' AND b.stopped_at IS NOT NULL
                -- Why: after a stop, a copy a sender had already claimed is on its way (its send
                -- may still succeed); any other pending copy is never sent.
                THEN CASE WHEN o.claimed_by IS NOT NULL AND o.claim_expires_at > :clock
                          THEN 'in_flight' ELSE 'withdrawn' END
                WHEN o.status = 'pending'
                THEN CASE WHEN o.chat_id IN (SELECT chat_id FROM unreachable_chats) THEN 'held'
                          WHEN o.not_before > :now THEN 'waiting' ELSE 'pending' END
                WHEN o.status = 'sent' THEN 'sent'
                WHEN o.status = 'failed' AND o.last_error = :withdrawn THEN 'withdrawn'
                ELSE 'failed' END,
           count(*)
      FROM broadcast_recipients AS r JOIN outbox AS o ON o.id = r.outbox_id
      JOIN broadcasts AS b ON b.id = r.broadcast_id
     WHERE r.broadcast_id = :id
     GROUP BY 1, 2"""
_RECORD_COLUMNS = (
    "id, created_at, created_by, segment, message, recipients, not_linked, fallback,"
    " stopped_at, stopped_by, without_product"
)


# Why: a product template is about the orders with an open line of its product (DESIGN §11).
_WITH_PRODUCT = """
    AND l.order_id IN (SELECT p.order_id FROM order_lines AS p
                         LEFT JOIN line_etas AS pe ON pe.order_id = p.order_id
                                                  AND pe.line_no = p.line_no
                        WHERE p.status = 'open' AND p.sku = :product_sku AND {ready})"""
_READY = "pe.confidence IS NOT NULL AND pe.confidence = 'in_stock'"
_WAITING = "(pe.confidence IS NULL OR pe.confidence != 'in_stock')"


# Why: a few customers' copies (the preview's samples) need only their own orders looked at.
_OF_CUSTOMERS = """
    AND l.order_id IN (SELECT order_id FROM orders
                        WHERE customer_id IN (SELECT value FROM json_each(:ids)))"""


def _segment_sql(
    segment: SegmentFilter, tail: str, customer_ids: Collection[str] | None = None
) -> tuple[str, dict[str, object]]:
    kind = SegmentKind.ORDERS if segment.kind is SegmentKind.PURCHASE_ORDER else segment.kind
    params: dict[str, object] = {
        "values": json.dumps(list(segment.values)),
        "jurisdiction": segment.jurisdiction.value if segment.jurisdiction else None,
        "ids": json.dumps(sorted(customer_ids or ())),
        "product_sku": segment.product.sku if segment.product else None,
    }
    of_customers = "" if customer_ids is None else _OF_CUSTOMERS
    if segment.product is not None:
        ready = _READY if segment.product.ready else _WAITING
        of_customers += _WITH_PRODUCT.format(ready=ready)
    if kind is SegmentKind.ALL:
        head = _SEGMENT.format(and_in_segment=of_customers, having=_BACKORDERED)
    else:
        in_kind = f"AND l.order_id IN ({_SEGMENT_ORDERS[kind]})"
        head = _SEGMENT.format(and_in_segment=in_kind + of_customers, having="")
    return head + tail, params


async def read_segment_groups(
    conn: aiosqlite.Connection, segment: SegmentFilter
) -> list[SegmentGroup]:
    """The segment's customers counted by language tag, linked and held, with a linked sample."""
    sql, params = _segment_sql(segment, _GROUPS)
    rows = await conn.execute_fetchall(sql, params)
    return [
        SegmentGroup(
            row[0] or None, bool(row[1]), bool(row[2]), int(row[3]), row[4], row[5] or None
        )
        for row in rows
    ]


async def read_segment_customers(
    conn: aiosqlite.Connection,
    segment: SegmentFilter,
    *,
    languages: Collection[str] | None,
    customer_ids: Collection[str] | None,
    linked_only: bool = True,
) -> AsyncIterator[list[SegmentCustomer]]:
    """The segment's customers (linked ones only, unless told) with their orders and estimates,
    in customer order, in batches of about BATCH customers (one statement: one consistent
    read)."""
    and_tag = "" if languages is None else "AND s.tag IN (SELECT value FROM json_each(:tags))"
    linked = "s.chat_id IS NOT NULL" if linked_only else "1"
    tail = _CUSTOMERS.format(linked=linked, and_tag=and_tag)
    sql, params = _segment_sql(segment, tail, customer_ids)
    params["tags"] = json.dumps(sorted(languages or ()))
    days: dict[str, date] = {}
    batch: list[SegmentCustomer] = []
    current: tuple[str, str, int | None, str] | None = None
    orders: list[AffectedOrder] = []
    async with conn.execute(sql, params) as cursor:
        while rows := await cursor.fetchmany(BATCH):
            for customer_id, tag, chat_id, order_id, estimate, zone in rows:
                if current is None or current[0] != customer_id:
                    if current is not None:
                        batch.append(_customer(current, orders))
                    current, orders = (customer_id, tag, chat_id, zone), []
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
        batch.append(_customer(current, orders))
    if batch:
        yield batch


def _customer(
    row: tuple[str, str, int | None, str], orders: list[AffectedOrder]
) -> SegmentCustomer:
    customer_id, tag, chat_id, zone = row
    return SegmentCustomer(customer_id, tag or None, chat_id, tuple(orders), zone or None)


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
                   not_linked, fallback, without_product) VALUES (?, ?, ?, ?, 0, ?, ?, ?)""",
            (
                utc_text(now),
                broadcast.created_by,
                _json(broadcast.segment.as_json()),
                _json(broadcast.message.as_json()),
                broadcast.not_linked,
                broadcast.fallback,
                broadcast.without_product,
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
        recipients = [
            (broadcast_id, c.customer_id, c.language, copy_key(broadcast_id, c.customer_id))
            for c in kept
        ]
        queued = await insert_outbox_rows(
            conn,
            (
                OutgoingMessage(
                    copy_key(broadcast_id, copy.customer_id),
                    copy.chat_id,
                    copy.text,
                    customer_id=copy.customer_id,
                    not_before=copy.not_before,
                    broadcast_id=broadcast_id,
                )
                for copy in kept
            ),
            now=now,
        )
        await conn.executemany(
            """INSERT INTO broadcast_recipients (broadcast_id, outbox_id, customer_id, language)
               SELECT ?, id, ?, ? FROM outbox WHERE dedupe_key = ?""",
            recipients,
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
            "without_product": broadcast.without_product,
        }
        change = Change("broadcast.queue", f"broadcast:{broadcast_id}", None, after)
        await write_changes(
            sa_connection_for(conn),
            [change],
            actor=broadcast.created_by,
            at=now,  # TRANSITIONAL
        )
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


async def read_progress(
    conn: aiosqlite.Connection,
    broadcast_id: int,
    *,
    now: datetime | None = None,
    clock: float | None = None,
) -> Progress:
    """A broadcast's copies by state and language (one statement, so they add up), and the times
    of its first and latest sends. Pending copies held until after `now` (quiet hours) are also
    counted as waiting for morning; without `now`, none are. After a stop, a pending copy with a
    sender's claim live at `clock` (wall-clock epoch seconds, default now) is in flight, any
    other pending copy withdrawn."""
    at = utc_text(now) if now is not None else None
    wall = time.time() if clock is None else clock
    rows = await conn.execute_fetchall(
        _PROGRESS, {"id": broadcast_id, "withdrawn": WITHDRAWN, "now": at, "clock": wall}
    )
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
    recent = list(
        await conn.execute_fetchall(
            """SELECT count(*), min(sent_at) FROM (SELECT sent_at FROM outbox
                WHERE broadcast_id = ? AND status = 'sent' ORDER BY sent_at DESC LIMIT ?)""",
            (broadcast_id, RATE_WINDOW),
        )
    )
    recent_sent, recent_first = recent[0] if recent else (0, None)
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
        recent_sent=int(recent_sent or 0),
        recent_first_sent_at=datetime.fromisoformat(recent_first) if recent_first else None,
    )


async def write_stop(
    conn: aiosqlite.Connection,
    broadcast_id: int,
    *,
    actor: str,
    at: datetime,
    clock: float | None = None,
) -> int:
    """Withdraw the broadcast's pending copies (held ones too) and record the stop, audited, in
    one transaction; how many were withdrawn. A copy a sender has claimed (claim live at `clock`,
    wall-clock epoch seconds, default now) stays with it, in flight: if its send succeeds it is
    recorded as sent; if not, it is withdrawn when its claim ends (see storage/outbox)."""
    wall = time.time() if clock is None else clock
    async with transaction(conn):
        cursor = await conn.execute(
            """UPDATE outbox SET status = 'failed', last_error = ?
               WHERE broadcast_id = ? AND status = 'pending'
                 AND NOT (claimed_by IS NOT NULL AND claim_expires_at > ?)""",
            (WITHDRAWN, broadcast_id, wall),
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
        await write_changes(sa_connection_for(conn), [change], actor=actor, at=at)  # TRANSITIONAL
    return withdrawn


def _counts(states: dict[str, int]) -> DeliveryCounts:
    return DeliveryCounts(
        recipients=sum(states.values()),
        sent=states.get("sent", 0),
        held=states.get("held", 0),
        failed=states.get("failed", 0),
        pending=states.get("pending", 0) + states.get("waiting", 0),
        withdrawn=states.get("withdrawn", 0),
        in_flight=states.get("in_flight", 0),
        waiting_for_morning=states.get("waiting", 0),
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
        without_product=int(row[10]),
    )


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
