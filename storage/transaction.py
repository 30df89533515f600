"""One explicit write transaction at a time per connection."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from weakref import WeakKeyDictionary

import aiosqlite

_locks: WeakKeyDictionary[aiosqlite.Connection, asyncio.Lock] = WeakKeyDictionary()
_owners: WeakKeyDictionary[aiosqlite.Connection, asyncio.Task[object]] = WeakKeyDictionary()


def owns_transaction(conn: aiosqlite.Connection) -> bool:
    """Whether the current task holds an open `transaction` on this connection."""
    task = asyncio.current_task()
    return task is not None and _owners.get(conn) is task


@asynccontextmanager
async def transaction(conn: aiosqlite.Connection) -> AsyncIterator[aiosqlite.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error.

    Inside a transaction the same task holds, this joins it: a use case that writes in steps
    (an import in chunks) wraps them in one, and all commit or none.
    """
    task = asyncio.current_task()
    if task is not None and _owners.get(conn) is task:
        yield conn
        return
    # Why: coroutines share one connection, so a second BEGIN must wait for the first COMMIT.
    lock = _locks.setdefault(conn, asyncio.Lock())
    async with lock:
        await conn.execute("BEGIN IMMEDIATE")
        if task is not None:
            _owners[conn] = task
        try:
            yield conn
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
        finally:
            _owners.pop(conn, None)
        await conn.execute("COMMIT")
