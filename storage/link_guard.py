"""The per-order linking limit's tables, and a customer's linked chats."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.domain.link_guard import ChatLink, LockoutAlerts, OrderLockout
from storage.codec import utc_text
from storage.outbox import insert_outbox_rows


async def record_order_failure(
    conn: aiosqlite.Connection,
    chat_id: int,
    order_key: str,
    *,
    at: datetime,
    since: datetime,
    limit: int,
    alerts: LockoutAlerts,
) -> OrderLockout | None:
    """Record one failure of a typed order number (inside the caller's transaction).

    Returns the lockout it began, if any (see LinkGuardStore.record_order_link_failure).
    """
    await conn.execute(
        "INSERT INTO order_link_attempts (order_key, chat_id, attempted_at) VALUES (?, ?, ?)",
        (order_key, chat_id, utc_text(at)),
    )
    async with conn.execute(
        """SELECT count(*), count(DISTINCT chat_id) FROM order_link_attempts
           WHERE order_key = ? AND attempted_at >= ?""",
        (order_key, utc_text(since)),
    ) as cursor:
        row = await cursor.fetchone()
    failures, chats = (int(row[0]), int(row[1])) if row else (0, 0)
    if failures < limit:
        return None
    async with conn.execute(
        "SELECT 1 FROM order_link_lockouts WHERE order_key = ? AND locked_at >= ?",
        (order_key, utc_text(since)),
    ) as cursor:
        if await cursor.fetchone() is not None:
            return None
    await conn.execute(
        """INSERT INTO order_link_lockouts (order_key, locked_at) VALUES (?, ?)
           ON CONFLICT (order_key) DO UPDATE SET locked_at = excluded.locked_at""",
        (order_key, utc_text(at)),
    )
    lockout = OrderLockout(order_key, failures, chats, at)
    await insert_outbox_rows(conn, alerts(lockout), now=at)
    return lockout


async def order_failures_since(conn: aiosqlite.Connection, order_key: str, since: datetime) -> int:
    """Failed attempts with a typed order number since a moment."""
    async with conn.execute(
        "SELECT count(*) FROM order_link_attempts WHERE order_key = ? AND attempted_at >= ?",
        (order_key, utc_text(since)),
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def read_chat_links(conn: aiosqlite.Connection, customer_id: str) -> list[ChatLink]:
    """The chats linked to a customer with the language chosen in each, oldest link first."""
    async with conn.execute(
        """SELECT l.chat_id, l.customer_id, l.linked_at, p.language FROM chat_links AS l
           LEFT JOIN chat_prefs AS p ON p.chat_id = l.chat_id
           WHERE l.customer_id = ? ORDER BY l.linked_at, l.chat_id""",
        (customer_id,),
    ) as cursor:
        rows = await cursor.fetchall()
    return [
        ChatLink(int(row[0]), str(row[1]), datetime.fromisoformat(row[2]), row[3]) for row in rows
    ]
