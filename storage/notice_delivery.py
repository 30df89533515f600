"""Notices on their way: the outbox rows carrying each, and the transaction that settles them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from bot.domain.alerts import RaisedAlert
from bot.domain.notice_delivery import (
    AlertedNotice,
    CarrierRow,
    PendingNotice,
    Settlement,
    WithdrawnNotice,
)
from bot.domain.outbox import UndeliveredNoticeRow
from storage.alerts import record_alerts
from storage.audit import Change, write_changes
from storage.codec import utc_text
from storage.database import sa_connection_for  # TRANSITIONAL (conv-staff)
from storage.notices import (
    _UPSERT_STATE,
    _notice_from,
    _state_json,
    _state_params,
    state_from_json,
)
from storage.outbox import insert_outbox_rows
from storage.transaction import transaction

_PENDING = """
    SELECT l.*, o.jurisdiction, o.version,
           NOT EXISTS (SELECT 1 FROM notice_log AS n
                        WHERE n.order_id = l.order_id AND n.id > l.id) AS latest
      FROM notice_log AS l JOIN orders AS o ON o.order_id = l.order_id
     WHERE l.delivery = 'pending' {scope} ORDER BY l.id"""
_OF_CUSTOMERS = "AND l.customer_id IN (SELECT value FROM json_each(:customers))"
# Why: a sweep looks only at notices held for later; reading the rest (most of a busy shop's
# pending notices, due now) and dropping them in Python was most of a staff change's time.
_HELD = """AND EXISTS (SELECT 1 FROM outbox_notices AS h JOIN outbox AS x ON x.id = h.outbox_id
                       WHERE h.notice_id = l.id AND x.status = 'pending' AND x.due_at > :held)"""
_CARRIERS = """
    SELECT n.notice_id, x.id, x.chat_id, x.status, COALESCE(x.last_error, u.reason),
           u.chat_id IS NOT NULL,
           (SELECT count(*) FROM outbox_notices AS m WHERE m.outbox_id = x.id), x.due_at
      FROM outbox_notices AS n
      JOIN outbox AS x ON x.id = n.outbox_id
      LEFT JOIN unreachable_chats AS u ON u.chat_id = x.chat_id
     WHERE n.notice_id IN (SELECT value FROM json_each(?))
     ORDER BY x.id"""


async def read_pending_notices(
    conn: aiosqlite.Connection,
    *,
    customer_ids: Collection[str] | None = None,
    held_after: datetime | None = None,
) -> list[PendingNotice]:
    """Notices not known to be delivered yet, oldest first, with the rows carrying each: of
    `customer_ids` only, and only those with a row still pending and due after `held_after`,
    when given."""
    scope: list[str] = []
    params: dict[str, str] = {}
    if customer_ids is not None:
        scope.append(_OF_CUSTOMERS)
        params["customers"] = json.dumps(sorted(set(customer_ids)))
    if held_after is not None:
        scope.append(_HELD)
        params["held"] = utc_text(held_after)
    notices = await _all(conn, _PENDING.format(scope=" ".join(scope)), params)
    if not notices:
        return []
    rows: dict[int, list[CarrierRow]] = {int(row["id"]): [] for row in notices}
    for row in await _all(conn, _CARRIERS, (json.dumps(list(rows)),)):
        rows[int(row[0])].append(
            CarrierRow(
                row_id=int(row[1]),
                chat_id=int(row[2]),
                status=str(row[3]),
                error=row[4],
                chat_unreachable=bool(row[5]),
                notices=int(row[6]),
                due_at=datetime.fromisoformat(row[7]) if row[7] else None,
            )
        )
    return [
        PendingNotice(
            notice_id=int(row["id"]),
            customer_id=row["customer_id"],
            notice=_notice_from(row),
            before=state_from_json(row["order_id"], row["state_before"])
            if row["state_before"]
            else None,
            rows=tuple(rows[int(row["id"])]),
            latest=bool(row["latest"]),
        )
        for row in notices
    ]


async def write_settlement(
    conn: aiosqlite.Connection, settlement: Settlement, *, now: datetime
) -> int:
    """Delivered and undelivered notices, resends, reverted states and staff alerts, at once."""
    at = now.isoformat()
    async with transaction(conn):
        await conn.executemany(
            "UPDATE notice_log SET delivery = 'delivered', settled_at = ? WHERE id = ?",
            [(at, notice_id) for notice_id in settlement.delivered],
        )
        for resend in settlement.resends:
            await conn.executemany(
                "DELETE FROM outbox_notices WHERE notice_id = ? AND outbox_id = ?",
                [(resend.notice_id, row_id) for row_id in resend.failed_rows],
            )
            await insert_outbox_rows(conn, resend.messages, now=now)
            await conn.executemany(
                """INSERT OR IGNORE INTO outbox_notices (outbox_id, notice_id)
                   SELECT id, ? FROM outbox WHERE dedupe_key = ?""",
                [(resend.notice_id, message.dedupe_key) for message in resend.messages],
            )
        audit: list[Change] = []
        for gone in settlement.undelivered:
            await conn.execute(
                """UPDATE notice_log SET delivery = 'undelivered', delivery_error = ?,
                       settled_at = ?, retried_at = ? WHERE id = ?""",
                (gone.error, at, at if gone.retry else None, gone.notice_id),
            )
            # Why: a notice held for a blocked chat must not arrive later, stale, as if valid.
            await conn.executemany(
                """UPDATE outbox SET status = 'dropped_unreachable'
                   WHERE id = ? AND status = 'pending'""",
                [(row_id,) for row_id in gone.held_rows],
            )
            if gone.state is not None:
                await conn.execute(_UPSERT_STATE, _state_params(gone.state, now))
            after: dict[str, object] = {"error": gone.error}
            if gone.state is not None:
                after |= {"state": _state_json(gone.state)}
            audit.append(Change("notice.undelivered", f"order:{gone.order_id}", None, after))
        queued = await insert_outbox_rows(conn, settlement.alerts, now=now)
        alert_conn = sa_connection_for(conn)  # TRANSITIONAL (conv-staff)
        await record_alerts(
            alert_conn, [RaisedAlert(key, ()) for key in settlement.alert_keys], now=now
        )
        await write_changes(conn, audit, actor="system", at=now)
    return queued


async def withdraw_notices(
    conn: aiosqlite.Connection,
    withdrawn: Sequence[WithdrawnNotice],
    *,
    now: datetime,
    clock: float,
) -> tuple[str, ...]:
    """Take back queued notices whose rows are all still held past `now` and not being sent
    (claims live at `clock`, epoch seconds): rows, links and history deleted, states restored,
    audited."""
    taken: list[str] = []
    async with transaction(conn):
        for notice in withdrawn:
            free = await _all(
                conn,
                """SELECT count(*) FROM outbox WHERE id IN (SELECT value FROM json_each(?))
                    AND status = 'pending' AND due_at > ?
                    AND (claimed_by IS NULL OR claim_expires_at <= ?)""",
                (json.dumps(list(notice.rows)), utc_text(now), clock),
            )
            if int(free[0][0]) != len(notice.rows):
                # Why: a row sent, due now or on its way: the settling job records it delivered.
                continue
            await conn.execute(
                "DELETE FROM outbox_notices WHERE notice_id = ?", (notice.notice_id,)
            )
            await conn.execute("DELETE FROM notice_log WHERE id = ?", (notice.notice_id,))
            if notice.state is not None:
                await conn.execute(_UPSERT_STATE, _state_params(notice.state, now))
            taken.append(notice.order_id)
            await write_changes(
                conn,
                [
                    Change(
                        "notice.withdrawn",
                        f"order:{notice.order_id}",
                        None,
                        {"reason": notice.reason, "rows": list(notice.rows)},
                    )
                ],
                actor="system",
                at=now,
            )
        # Why: a row goes once no notice it carries is left (a digest's other notices included).
        rows = sorted({row for notice in withdrawn for row in notice.rows})
        await conn.execute(
            """DELETE FROM outbox WHERE id IN (SELECT value FROM json_each(?))
                AND status = 'pending' AND (claimed_by IS NULL OR claim_expires_at <= ?)
                AND NOT EXISTS (SELECT 1 FROM outbox_notices AS n WHERE n.outbox_id = outbox.id)""",
            (json.dumps(rows), clock),
        )
    return tuple(taken)


_ALERTED = """
    SELECT l.*, o.jurisdiction, o.version
      FROM alerts AS a
      JOIN notice_log AS l ON l.id = CAST(a.subject AS INTEGER)
      JOIN orders AS o ON o.order_id = l.order_id
     WHERE a.kind = 'notice_undelivered' AND a.target IN (SELECT value FROM json_each(?))
       AND l.delivery = 'undelivered' AND l.order_id = a.target
       AND l.id = (SELECT max(CAST(b.subject AS INTEGER)) FROM alerts AS b
                    WHERE b.kind = 'notice_undelivered' AND b.target = a.target)
       -- Why: once a notice of the order reached the customer, a later failure is news again.
       AND NOT EXISTS (SELECT 1 FROM notice_log AS d
                        WHERE d.order_id = l.order_id AND d.id > l.id
                          AND d.delivery = 'delivered')"""


async def read_alerted_notices(
    conn: aiosqlite.Connection, order_ids: Collection[str]
) -> dict[str, AlertedNotice]:
    """By order id: each order's latest undelivered notice staff were alerted about (the
    alerts table), unless a notice of that order was delivered after it."""
    if not order_ids:
        return {}
    return {
        row["order_id"]: AlertedNotice(
            notice=_notice_from(row),
            error=row["delivery_error"] or "",
            ship_by=state_from_json(row["order_id"], row["state_before"]).deadline
            if row["state_before"]
            else None,
        )
        for row in await _all(conn, _ALERTED, (json.dumps(sorted(set(order_ids))),))
    }


async def read_undelivered_notices(conn: aiosqlite.Connection) -> list[UndeliveredNoticeRow]:
    """Each order's latest notice when no chat received it, newest first, with its customer."""
    return [
        UndeliveredNoticeRow(
            customer_id=row[0],
            customer_name=row[1],
            order_id=row[2],
            kind=row[3],
            error=row[4] or "",
            decided_at=datetime.fromisoformat(row[5]),
        )
        for row in await _all(
            conn,
            """SELECT l.customer_id, c.name, l.order_id, l.kind, l.delivery_error, l.decided_at
                 FROM notice_log AS l LEFT JOIN customers AS c ON c.customer_id = l.customer_id
                WHERE l.delivery = 'undelivered' AND l.retried_at IS NULL
                  -- Why: a later notice of the same order supersedes this one.
                  AND l.id = (SELECT max(n.id) FROM notice_log AS n WHERE n.order_id = l.order_id)
                ORDER BY l.id DESC""",
        )
    ]


async def retry_undelivered(
    conn: aiosqlite.Connection, customer_id: str, *, at: datetime
) -> tuple[str, ...]:
    """Hand a customer's undelivered notices back to the sweep (audited); their order ids."""
    async with transaction(conn):
        rows = await _all(
            conn,
            """SELECT DISTINCT l.order_id FROM notice_log AS l
                WHERE l.customer_id = ? AND l.delivery = 'undelivered' AND l.retried_at IS NULL
               UNION
               SELECT s.order_id FROM notice_state AS s JOIN orders AS o USING (order_id)
                WHERE o.customer_id = ? AND s.undelivered IS NOT NULL
               ORDER BY 1""",
            (customer_id, customer_id),
        )
        order_ids = tuple(str(row[0]) for row in rows)
        if not order_ids:
            return ()
        await conn.execute(
            """UPDATE notice_log SET retried_at = ?
                WHERE customer_id = ? AND delivery = 'undelivered' AND retried_at IS NULL""",
            (at.isoformat(), customer_id),
        )
        # Why: the marker only stops the sweep repeating a notice that would fail the same way.
        await conn.execute(
            """UPDATE notice_state SET undelivered = NULL, updated_at = ?
                WHERE undelivered IS NOT NULL
                  AND order_id IN (SELECT order_id FROM orders WHERE customer_id = ?)""",
            (at.isoformat(), customer_id),
        )
        audit = [
            Change("notice.retry", f"order:{order_id}", None, {"customer_id": customer_id})
            for order_id in order_ids
        ]
        await write_changes(conn, audit, actor="system", at=at)
    return order_ids


async def _all(conn: aiosqlite.Connection, query: str, params: Any = ()) -> list[sqlite3.Row]:
    async with conn.execute(query, params) as cursor:
        return list(await cursor.fetchall())
