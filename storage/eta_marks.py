"""Durable "needs recompute" marks: SKUs whose ETA inputs changed since their ETAs were saved.

Each mark carries a change number. The protocol (bot/services/eta.py) relies on one property: once
a reader sees change number N, every mark numbered up to N is committed. SQLite gets it from its
single writer (BEGIN IMMEDIATE). On PostgreSQL (READ COMMITTED, writers side by side) every
transaction that hands out a number or saves recomputed ETAs first takes one transaction-scoped
advisory lock (`serialize_marks`): numbers are then handed out one at a time, in commit order, and
never twice; and no mark can commit between a save's staleness check and its commit.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Collection, Iterator, Sequence
from typing import Any

from sqlalchemy import BigInteger, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.processes import process_tag
from bot.domain.store import EVERY_SKU, EtaMark, RecomputeMarks
from storage.bulk import upsert_rows
from storage.codec import IN_CHUNK
from storage.schema import eta_marks

# Why: one fixed key of the database's advisory lock space ("eta_mark" in ASCII); the run lock
# (storage/run_lock.py) uses its own.
MARKS_LOCK_KEY = 0x6574615F6D61726B

_LOCK = select(func.pg_advisory_xact_lock(bindparam("key", type_=BigInteger)))
_LAST = select(func.coalesce(func.max(eta_marks.c.marked), 0))
_PENDING = (
    select(eta_marks.c.sku, eta_marks.c.marked_by, eta_marks.c.marked_at)
    .where(eta_marks.c.marked > eta_marks.c.recomputed)
    .order_by(eta_marks.c.sku)
)
_CHANGED = select(eta_marks.c.sku).where(
    eta_marks.c.marked > bindparam("seen"), eta_marks.c.sku != EVERY_SKU
)
_CLEAR = (
    update(eta_marks)
    .where(eta_marks.c.marked > eta_marks.c.recomputed, eta_marks.c.marked <= bindparam("seen"))
    .values(recomputed=eta_marks.c.marked)
)

_MARK_COLUMNS = ("sku", "marked", "marked_by", "marked_at")
_CHANGED_OF = _CHANGED.where(eta_marks.c.sku.in_(bindparam("keys", expanding=True)))
_CLEAR_OF = _CLEAR.where(eta_marks.c.sku.in_(bindparam("keys", expanding=True)))


async def serialize_marks(conn: AsyncConnection) -> None:
    """Hold the marks' lock until this transaction ends (PostgreSQL; nothing on SQLite, whose
    BEGIN IMMEDIATE already lets one writer at a time)."""
    if conn.dialect.name == "postgresql":
        await conn.execute(_LOCK, {"key": MARKS_LOCK_KEY})


async def mark_skus(conn: AsyncConnection, skus: Collection[str] | None) -> None:
    """Mark these SKUs (every SKU when None) as changed by this process, inside the caller's
    transaction, under one new change number."""
    if skus is not None and not skus:
        return
    # Why: the number must be new and in commit order (module docstring): the lock is held
    # from here to commit, and MAX is read after taking it (a fresh snapshot per statement).
    await serialize_marks(conn)
    number = int((await conn.execute(_LAST)).scalar_one()) + 1
    writer = process_tag(socket.gethostname(), os.getpid())
    at = time.time()
    keys = sorted({EVERY_SKU} if skus is None else set(skus))
    marks = [{"sku": sku, "marked": number, "marked_by": writer, "marked_at": at} for sku in keys]
    await upsert_rows(conn, eta_marks, _MARK_COLUMNS, marks, _remark)


def _remark(upsert: Any) -> Any:
    return upsert.on_conflict_do_update(
        index_elements=[eta_marks.c.sku],
        set_={name: upsert.excluded[name] for name in _MARK_COLUMNS[1:]},
    )


async def read_marks(conn: AsyncConnection) -> RecomputeMarks:
    """The latest change number, then the marks not recomputed yet."""
    # Why: the number is read first, so every mark it covers is committed and in the list.
    seen = int((await conn.execute(_LAST)).scalar_one())
    pending = tuple(
        EtaMark(str(sku), str(writer), float(at))
        for sku, writer, at in (await conn.execute(_PENDING)).all()
    )
    return RecomputeMarks(seen, pending)


async def changed_since(conn: AsyncConnection, skus: Collection[str] | None, seen: int) -> set[str]:
    """Of these SKUs (all when None), those marked after change `seen` (caller's transaction)."""
    if skus is None:
        return {str(sku) for sku in (await conn.execute(_CHANGED, {"seen": seen})).scalars()}
    changed: set[str] = set()
    for chunk in _chunks(sorted(set(skus))):
        result = await conn.execute(_CHANGED_OF, {"seen": seen, "keys": chunk})
        changed.update(str(sku) for sku in result.scalars())
    return changed


async def clear_marks(conn: AsyncConnection, skus: Collection[str] | None, seen: int) -> None:
    """Clear the marks of these SKUs (all, '*' too, when None) up to change `seen`, inside the
    caller's transaction; a SKU marked again after `seen` keeps its mark."""
    if skus is None:
        await conn.execute(_CLEAR, {"seen": seen})
        return
    for chunk in _chunks(sorted(set(skus))):
        await conn.execute(_CLEAR_OF, {"seen": seen, "keys": chunk})


def _chunks(keys: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(keys), IN_CHUNK):
        yield keys[start : start + IN_CHUNK]
