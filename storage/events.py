"""The `events` table (written by customer actions) and the webhook's delivery cursor."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, bindparam, cast, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.events import Event
from storage.database import Database
from storage.schema import events, settings

DELIVERED_KEY = "events.webhook_delivered_id"

_AFTER = (
    select(events.c.id, events.c.type, events.c.order_id, events.c.payload, events.c.created_at)
    .where(events.c.id > bindparam("after"))
    .order_by(events.c.id)
    .limit(bindparam("limit"))
)
# Why: the id comes from SQLite's AUTOINCREMENT or PostgreSQL's sequence; neither reuses one.
_APPEND = events.insert().returning(events.c.id)
# Why: a transaction-scoped lock of its own (the two-key form: no clash with a one-key lock such
# as the run lock), held by each transaction appending events until it commits.
_EVENT_ORDER_LOCK = select(func.pg_advisory_xact_lock(0x62616F65, 1))  # "baoe", events
_DELIVERED = select(settings.c.value).where(settings.c.key == DELIVERED_KEY)


def _move_cursor(dialect: Any) -> Any:
    stmt = dialect.insert(settings).values(key=DELIVERED_KEY, value=bindparam("value"))
    return stmt.on_conflict_do_update(
        index_elements=[settings.c.key],
        set_={"value": stmt.excluded.value},
        # Why: the cursor never moves back (a slower delivery acknowledging an older id).
        where=cast(settings.c.value, BigInteger) < cast(stmt.excluded.value, BigInteger),
    )


_MOVE_CURSOR = {"sqlite": _move_cursor(sqlite), "postgresql": _move_cursor(postgresql)}


async def events_after(conn: AsyncConnection, event_id: int, *, limit: int) -> list[Event]:
    """Up to `limit` events with an id above `event_id`, in id order."""
    # Why: on SQLite writers hold BEGIN IMMEDIATE, so ids become visible in commit order and
    # reading "above the cursor" never skips an event that commits later with a smaller id. On
    # PostgreSQL a sequence hands out ids before commit, so a later, smaller id can appear: the
    # transactions that append events take a lock in append order (`append_event`).
    rows = (await conn.execute(_AFTER, {"after": event_id, "limit": limit})).mappings()
    return [_event_from(row) for row in rows]


async def append_event(
    conn: AsyncConnection,
    type_: str,
    order_id: str | None,
    payload: Mapping[str, object],
    *,
    at: datetime,
) -> int:
    """Add one event inside the caller's transaction; return its id (never one used before)."""
    if conn.dialect.name == "postgresql":
        # Why: READ COMMITTED writers commit in any order; one lock per database makes events
        # commit in id order, so the webhook reading "above its cursor" skips none.
        await conn.execute(_EVENT_ORDER_LOCK)
    event_id: int = (
        await conn.execute(
            _APPEND,
            {
                "type": type_,
                "order_id": order_id,
                "payload": json.dumps(dict(payload), ensure_ascii=False, sort_keys=True),
                "created_at": at.isoformat(),
            },
        )
    ).scalar_one()
    return event_id


async def append_events(
    conn: AsyncConnection,
    appended: Sequence[tuple[str, str | None, Mapping[str, object]]],
    *,
    at: datetime,
) -> None:
    """Add these events (type, order_id, payload), in this order, inside the caller's
    transaction: as `append_event` each, in one trip to the database."""
    if not appended:
        return
    if conn.dialect.name == "postgresql":
        # Why: as in `append_event`.
        await conn.execute(_EVENT_ORDER_LOCK)
    created = at.isoformat()
    await conn.execute(
        events.insert(),
        [
            {
                "type": type_,
                "order_id": order_id,
                "payload": json.dumps(dict(payload), ensure_ascii=False, sort_keys=True),
                "created_at": created,
            }
            for type_, order_id, payload in appended
        ],
    )


async def delivered_event_id(conn: AsyncConnection) -> int:
    """The id of the last event the webhook acknowledged (0 before the first)."""
    value = (await conn.execute(_DELIVERED)).scalar()
    return int(value) if value is not None else 0


async def mark_event_delivered(db: Database, event_id: int) -> None:
    """Move the cursor forward to `event_id` (never back)."""
    async with db.write() as conn:
        await conn.execute(_MOVE_CURSOR[conn.dialect.name], {"value": str(event_id)})


def _event_from(row: RowMapping) -> Event:
    payload = json.loads(row["payload"])
    if not isinstance(payload, dict):
        raise ValueError(f"event {row['id']} has a payload that is not a JSON object")
    return Event(
        event_id=int(row["id"]),
        type=str(row["type"]),
        order_id=None if row["order_id"] is None else str(row["order_id"]),
        created_at=str(row["created_at"]),
        payload=payload,
    )
