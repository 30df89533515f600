"""The audit log table: who changed what, when, and the value before."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.domain.store import AuditEntry


@dataclass(frozen=True, slots=True)
class Change:
    """One entity's change, before it is written to the log."""

    action: str
    entity: str
    before: object | None
    after: object | None


def changed(action: str, entity: str, before: object | None, after: object | None) -> list[Change]:
    """The change as a one-item list, or nothing when the value did not change."""
    return [] if before == after else [Change(action, entity, before, after)]


async def write_changes(
    conn: aiosqlite.Connection, changes: Sequence[Change], *, actor: str, at: datetime
) -> None:
    """Append audit rows for the changes (inside the caller's transaction)."""
    when = at.isoformat()
    await conn.executemany(
        """INSERT INTO audit_log (at, actor, action, entity, before, after)
           VALUES (?, ?, ?, ?, ?, ?)""",
        [
            (when, actor, change.action, change.entity, _json(change.before), _json(change.after))
            for change in changes
        ],
    )


async def read_entries(conn: aiosqlite.Connection, entity: str | None) -> list[AuditEntry]:
    """The log, oldest first, optionally for one entity."""
    query = "SELECT actor, at, action, entity, before, after FROM audit_log"
    params: tuple[str, ...] = ()
    if entity is not None:
        query += " WHERE entity = ?"
        params = (entity,)
    async with conn.execute(query + " ORDER BY id", params) as cursor:
        rows = await cursor.fetchall()
    return [
        AuditEntry(
            actor=row[0],
            at=datetime.fromisoformat(row[1]),
            action=row[2],
            entity=row[3],
            before=row[4],
            after=row[5],
        )
        for row in rows
    ]


def _json(value: object | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
