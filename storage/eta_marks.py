"""Durable "needs recompute" marks: SKUs whose ETA inputs changed since their ETAs were saved."""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Collection

import aiosqlite

from bot.domain.processes import process_tag
from bot.domain.store import EVERY_SKU, EtaMark, RecomputeMarks

_IN_JSON = "IN (SELECT value FROM json_each(?))"


def _keys(skus: Collection[str] | None) -> str:
    return json.dumps(sorted({EVERY_SKU} if skus is None else set(skus)))


async def mark_skus(conn: aiosqlite.Connection, skus: Collection[str] | None) -> None:
    """Mark these SKUs (every SKU when None) as changed by this process, inside the caller's
    transaction, under one new change number."""
    if skus is not None and not skus:
        return
    await conn.execute(
        """INSERT INTO eta_marks (sku, marked, marked_by, marked_at)
           SELECT value, (SELECT COALESCE(MAX(marked), 0) + 1 FROM eta_marks), ?, ?
             FROM json_each(?) WHERE true
           ON CONFLICT (sku) DO UPDATE SET marked = excluded.marked,
               marked_by = excluded.marked_by, marked_at = excluded.marked_at""",
        (process_tag(socket.gethostname(), os.getpid()), time.time(), _keys(skus)),
    )


async def read_marks(conn: aiosqlite.Connection) -> RecomputeMarks:
    """The latest change number, then the marks not recomputed yet."""
    # Why: the number is read first, so every mark it covers is committed and in the list.
    async with conn.execute("SELECT COALESCE(MAX(marked), 0) FROM eta_marks") as cursor:
        row = await cursor.fetchone()
    seen = int(row[0]) if row else 0
    async with conn.execute(
        "SELECT sku, marked_by, marked_at FROM eta_marks WHERE marked > recomputed ORDER BY sku"
    ) as cursor:
        pending = tuple(
            EtaMark(str(sku), str(writer), float(at)) for sku, writer, at in await cursor.fetchall()
        )
    return RecomputeMarks(seen, pending)


async def changed_since(
    conn: aiosqlite.Connection, skus: Collection[str] | None, seen: int
) -> set[str]:
    """Of these SKUs (all when None), those marked after change `seen` (caller's transaction)."""
    where = "" if skus is None else f"AND sku {_IN_JSON}"
    params: tuple[object, ...] = (seen, EVERY_SKU)
    if skus is not None:
        params += (_keys(skus),)
    async with conn.execute(
        f"SELECT sku FROM eta_marks WHERE marked > ? AND sku != ? {where}", params
    ) as cursor:
        return {str(row[0]) for row in await cursor.fetchall()}


async def clear_marks(conn: aiosqlite.Connection, skus: Collection[str] | None, seen: int) -> None:
    """Clear the marks of these SKUs (all, '*' too, when None) up to change `seen`, inside the
    caller's transaction; a SKU marked again after `seen` keeps its mark."""
    where = "" if skus is None else f"AND sku {_IN_JSON}"
    params: tuple[object, ...] = (seen,) if skus is None else (seen, _keys(skus))
    await conn.execute(
        f"""UPDATE eta_marks SET recomputed = marked
             WHERE marked > recomputed AND marked <= ? {where}""",
        params,
    )
