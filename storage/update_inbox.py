"""The `update_inbox` table: updates recorded before they are acknowledged, marked when handled."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.update_inbox import InboxedUpdate, NewestUpdate
from storage import bulk
from storage.codec import utc_text
from storage.database import Database
from storage.schema import update_inbox

# Why: every chat update runs these; built once, so SQLAlchemy compiles each once per dialect.
# A repeat of an update Telegram sent before is not new (ON CONFLICT DO NOTHING on update_id).
_RECORD_ONE = (
    sqlite.insert(update_inbox)
    .values(
        update_id=bindparam("update_id"),
        payload=bindparam("payload"),
        received_at=bindparam("received_at"),
        chat_id=bindparam("chat_id"),
    )
    .on_conflict_do_nothing(index_elements=[update_inbox.c.update_id])
)
_RECORD = {
    "sqlite": sqlite.insert(update_inbox)
    .on_conflict_do_nothing(index_elements=[update_inbox.c.update_id])
    .returning(update_inbox.c.update_id),
    "postgresql": postgresql.insert(update_inbox)
    .on_conflict_do_nothing(index_elements=[update_inbox.c.update_id])
    .returning(update_inbox.c.update_id),
}
_UNHANDLED = (
    select(update_inbox.c.update_id, update_inbox.c.payload)
    .where(update_inbox.c.handled_at.is_(None))
    .order_by(update_inbox.c.update_id)
)
_MARK_HANDLED = (
    update(update_inbox)
    .where(
        update_inbox.c.update_id == bindparam("id"),
        update_inbox.c.handled_at.is_(None),
    )
    .values(handled_at=bindparam("handled"))
)
_NEWEST = (
    select(update_inbox.c.update_id, update_inbox.c.received_at)
    .order_by(update_inbox.c.update_id.desc())
    .limit(1)
)
_PRUNE = delete(update_inbox).where(
    update_inbox.c.handled_at.is_not(None),
    update_inbox.c.handled_at < bindparam("before"),
    update_inbox.c.update_id < select(func.max(update_inbox.c.update_id)).scalar_subquery(),
)


async def record_updates(
    db: Database, updates: Sequence[InboxedUpdate], *, now: datetime
) -> list[int]:
    """Record a batch in one transaction; the ids not recorded before, in the batch's order."""
    if not updates:
        return []
    received = utc_text(now)
    async with db.write() as conn:
        stmt = _RECORD[conn.dialect.name]
        rows = [
            {
                "update_id": item.update_id,
                "payload": _payload_json(item),
                "received_at": received,
                "chat_id": item.chat_id,
            }
            for item in updates
        ]
        if len(rows) == 1 and conn.dialect.name == "sqlite":
            # Why: one row on SQLite: its change count says whether it was new, in one call.
            new = (
                {updates[0].update_id} if await bulk.changed(conn, _RECORD_ONE, rows[0]) else set()
            )
        elif len(rows) == 1:
            new = set((await conn.execute(stmt, rows[0])).scalars())
        else:
            new = set((await conn.execute(stmt, rows)).scalars())
    recorded: list[int] = []
    for item in updates:
        if item.update_id in new:
            # Why: the same id twice in one batch was recorded once.
            new.discard(item.update_id)
            recorded.append(item.update_id)
    return recorded


_EARLIER_OF_CHAT = (
    select(update_inbox.c.update_id)
    .where(
        update_inbox.c.chat_id == bindparam("chat_id"),
        update_inbox.c.update_id < bindparam("update_id"),
        update_inbox.c.handled_at.is_(None),
    )
    .order_by(update_inbox.c.update_id)
    .limit(bindparam("limit"))
)


async def earlier_unhandled(
    conn: AsyncConnection, chat_id: int, update_id: int, *, limit: int = 20
) -> list[int]:
    """Ids of the chat's updates before `update_id` recorded but not yet handled (oldest first,
    at most `limit`)."""
    rows = await conn.execute(
        _EARLIER_OF_CHAT, {"chat_id": chat_id, "update_id": update_id, "limit": limit}
    )
    return [int(found) for found in rows.scalars()]


async def unhandled_updates(conn: AsyncConnection) -> list[InboxedUpdate]:
    """Every recorded update not yet marked handled, in update_id order."""
    rows = (await conn.execute(_UNHANDLED)).all()
    return [InboxedUpdate(int(update_id), json.loads(payload)) for update_id, payload in rows]


async def mark_updates_handled(db: Database, update_ids: Sequence[int], *, now: datetime) -> None:
    """Mark updates handled in one transaction (ids never recorded or already marked: no-op)."""
    if not update_ids:
        return
    handled = utc_text(now)
    async with db.write() as conn:
        await bulk.for_each(
            conn,
            _MARK_HANDLED,
            [{"handled": handled, "id": update_id} for update_id in update_ids],
        )


async def newest_update(conn: AsyncConnection) -> NewestUpdate | None:
    """The highest recorded update id and when it was recorded (None while empty)."""
    row = (await conn.execute(_NEWEST)).first()
    if row is None:
        return None
    received = datetime.fromisoformat(str(row[1]).replace("Z", "+00:00"))
    return NewestUpdate(int(row[0]), received)


async def prune_handled_updates(db: Database, *, before: datetime) -> int:
    """Delete rows handled before `before`, except the newest row (polling resumes after it)."""
    async with db.write() as conn:
        result = await conn.execute(_PRUNE, {"before": utc_text(before)})
        return max(result.rowcount, 0)


def _payload_json(item: InboxedUpdate) -> str:
    return json.dumps(dict(item.payload), ensure_ascii=False, separators=(",", ":"))
