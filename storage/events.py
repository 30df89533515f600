"""The `events` table (written by customer actions) and the webhook's delivery cursor."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from datetime import datetime

import aiosqlite

from bot.domain.events import Event
from storage.transaction import transaction

DELIVERED_KEY = "events.webhook_delivered_id"


async def events_after(conn: aiosqlite.Connection, event_id: int, *, limit: int) -> list[Event]:
    """Up to `limit` events with an id above `event_id`, in id order."""
    # Why: writers hold BEGIN IMMEDIATE, so ids become visible in commit order and reading
    # "above the cursor" never skips an event that commits later with a smaller id.
    async with conn.execute(
        """SELECT id, type, order_id, payload, created_at FROM events
           WHERE id > ? ORDER BY id LIMIT ?""",
        (event_id, limit),
    ) as cursor:
        rows = await cursor.fetchall()
    return [_event_from(row) for row in rows]


async def append_event(
    conn: aiosqlite.Connection,
    type_: str,
    order_id: str | None,
    payload: Mapping[str, object],
    *,
    at: datetime,
) -> int:
    """Add one event inside the caller's transaction; return its id."""
    async with conn.execute(
        "INSERT INTO events (type, order_id, payload, created_at) VALUES (?, ?, ?, ?)",
        (
            type_,
            order_id,
            json.dumps(dict(payload), ensure_ascii=False, sort_keys=True),
            at.isoformat(),
        ),
    ) as cursor:
        event_id = cursor.lastrowid
    if event_id is None:
        raise RuntimeError("SQLite did not report the new event's id")
    return event_id


async def delivered_event_id(conn: aiosqlite.Connection) -> int:
    """The id of the last event the webhook acknowledged (0 before the first)."""
    async with conn.execute("SELECT value FROM settings WHERE key = ?", (DELIVERED_KEY,)) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def mark_event_delivered(conn: aiosqlite.Connection, event_id: int) -> None:
    """Move the cursor forward to `event_id` (never back)."""
    async with transaction(conn):
        await conn.execute(
            """INSERT INTO settings (key, value) VALUES (?, ?)
               ON CONFLICT (key) DO UPDATE SET value = excluded.value
               WHERE CAST(settings.value AS INTEGER) < CAST(excluded.value AS INTEGER)""",
            (DELIVERED_KEY, str(event_id)),
        )


def _event_from(row: sqlite3.Row) -> Event:
    payload = json.loads(row[3])
    if not isinstance(payload, dict):
        raise ValueError(f"event {row[0]} has a payload that is not a JSON object")
    return Event(
        event_id=int(row[0]),
        type=str(row[1]),
        order_id=None if row[2] is None else str(row[2]),
        created_at=str(row[4]),
        payload=payload,
    )
