"""The `update_inbox` table: updates recorded before they are acknowledged, marked when handled."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import aiosqlite

from bot.domain.update_inbox import InboxedUpdate, NewestUpdate
from storage.codec import utc_text
from storage.transaction import transaction


async def record_updates(
    conn: aiosqlite.Connection, updates: Sequence[InboxedUpdate], *, now: datetime
) -> list[int]:
    """Record a batch in one transaction; the ids not recorded before, in the batch's order."""
    if not updates:
        return []
    received = utc_text(now)
    recorded: list[int] = []
    async with transaction(conn):
        for update in updates:
            # Why: Telegram repeats updates that were not acknowledged; a repeat is not new.
            async with conn.execute(
                """INSERT OR IGNORE INTO update_inbox (update_id, payload, received_at)
                   VALUES (?, ?, ?)""",
                (
                    update.update_id,
                    json.dumps(dict(update.payload), ensure_ascii=False, separators=(",", ":")),
                    received,
                ),
            ) as cursor:
                if cursor.rowcount == 1:
                    recorded.append(update.update_id)
    return recorded


async def unhandled_updates(conn: aiosqlite.Connection) -> list[InboxedUpdate]:
    """Every recorded update not yet marked handled, in update_id order."""
    async with conn.execute(
        "SELECT update_id, payload FROM update_inbox WHERE handled_at IS NULL ORDER BY update_id"
    ) as cursor:
        rows = await cursor.fetchall()
    return [InboxedUpdate(int(row[0]), json.loads(row[1])) for row in rows]


async def mark_updates_handled(
    conn: aiosqlite.Connection, update_ids: Sequence[int], *, now: datetime
) -> None:
    """Mark updates handled in one transaction (ids never recorded or already marked: no-op)."""
    if not update_ids:
        return
    handled = utc_text(now)
    async with transaction(conn):
        await conn.executemany(
            "UPDATE update_inbox SET handled_at = ? WHERE update_id = ? AND handled_at IS NULL",
            [(handled, update_id) for update_id in update_ids],
        )


async def newest_update(conn: aiosqlite.Connection) -> NewestUpdate | None:
    """The highest recorded update id and when it was recorded (None while empty)."""
    async with conn.execute(
        "SELECT update_id, received_at FROM update_inbox ORDER BY update_id DESC LIMIT 1"
    ) as cursor:
        row = await cursor.fetchone()
    if row is None:
        return None
    received = datetime.fromisoformat(str(row[1]).replace("Z", "+00:00"))
    return NewestUpdate(int(row[0]), received)


async def prune_handled_updates(conn: aiosqlite.Connection, *, before: datetime) -> int:
    """Delete rows handled before `before`, except the newest row (polling resumes after it)."""
    async with (
        transaction(conn),
        conn.execute(
            """DELETE FROM update_inbox
               WHERE handled_at IS NOT NULL AND handled_at < ?
                 AND update_id < (SELECT MAX(update_id) FROM update_inbox)""",
            (utc_text(before),),
        ) as cursor,
    ):
        return max(cursor.rowcount, 0)
