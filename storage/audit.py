"""The audit log table: who changed what, when, and the value before."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.store import AuditEntry
from storage.bulk import insert_rows
from storage.schema import audit_log

# Why: rows per statement of a large import's log (one executemany each), bounding memory.
WRITE_CHUNK = 1_000
# Why: from this many rows (an import) the driver's bulk path (storage/bulk.py: COPY on
# PostgreSQL) writes the log; below it, a plain insert costs fewer round trips.
BULK_ROWS = 100
_BULK_COLUMNS = ("at", "actor", "action", "entity", "before", "after")

_INSERT = audit_log.insert()
_COLUMNS = (
    audit_log.c.actor,
    audit_log.c.at,
    audit_log.c.action,
    audit_log.c.entity,
    audit_log.c.before,
    audit_log.c.after,
)
_ALL = select(*_COLUMNS).order_by(audit_log.c.id)
_OF_ENTITY = _ALL.where(audit_log.c.entity == bindparam("entity"))


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
    conn: AsyncConnection, changes: Sequence[Change], *, actor: str, at: datetime
) -> None:
    """Append audit rows for the changes (inside the caller's transaction); none: nothing."""
    when = at.isoformat()
    if len(changes) >= BULK_ROWS:
        rows = (
            (when, actor, change.action, change.entity, _json(change.before), _json(change.after))
            for change in changes
        )
        await insert_rows(conn, audit_log, _BULK_COLUMNS, rows)
        return
    for start in range(0, len(changes), WRITE_CHUNK):
        await conn.execute(
            _INSERT,
            [
                {
                    "at": when,
                    "actor": actor,
                    "action": change.action,
                    "entity": change.entity,
                    "before": _json(change.before),
                    "after": _json(change.after),
                }
                for change in changes[start : start + WRITE_CHUNK]
            ],
        )


async def read_entries(conn: AsyncConnection, entity: str | None) -> list[AuditEntry]:
    """The log, oldest first, optionally for one entity."""
    if entity is None:
        result = await conn.execute(_ALL)
    else:
        result = await conn.execute(_OF_ENTITY, {"entity": entity})
    return [
        AuditEntry(
            actor=actor,
            at=datetime.fromisoformat(at),
            action=action,
            entity=entity_,
            before=before,
            after=after,
        )
        for actor, at, action, entity_, before, after in result.all()
    ]


def _json(value: object | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
