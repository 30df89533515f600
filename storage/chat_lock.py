"""One chat's updates handled one at a time across instances on one PostgreSQL database (§13).

Behind a load balancer two updates of one chat (a question's answer and the next tap) may reach
two instances at once; each instance already keeps its own updates of a chat in order
(bot/update_processor.py), and this lock keeps them in order between instances: a session-level
advisory lock per chat, taken with `pg_try_advisory_lock(space, key)` on one connection of the
instance's own (retried while another instance holds it) and let go after the update.

Why one connection and try-locks: a blocking lock or a transaction-level one would hold a pooled
connection per update being handled (64 at once), starving the queries the handlers make. A
session lock frees itself when the session ends, so a killed instance leaves no chat locked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from storage.database import database_url

logger = logging.getLogger(__name__)

# The first key of the two-key advisory lock form ("boch" in ASCII): its key space is apart from
# the leader lock's one-key form, and from any other lock of the application.
CHAT_LOCK_SPACE = 0x626F6368
FIRST_RETRY_SECONDS = 0.005
LAST_RETRY_SECONDS = 0.1
CONNECT_SECONDS = 10.0


def chat_lock_key(chat_id: int) -> int:
    """The chat id folded into a signed 32-bit key (two chats sharing one just wait in turn)."""
    folded = (chat_id ^ (chat_id >> 32)) & 0xFFFFFFFF
    return folded - (1 << 32) if folded >= 1 << 31 else folded


class PostgresChatLocks:
    """The chats this instance is handling an update of, locked on a session of its own."""

    def __init__(self, target: str) -> None:
        self._url = database_url(target)
        self._engine: AsyncEngine | None = None
        self._conn: AsyncConnection | None = None
        self._io = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def hold(self, chat_id: int) -> AsyncIterator[None]:
        """Hold the chat's lock for the block, waiting while another instance holds it.

        When the lock's session fails, the block runs without it (logged): the update is still
        answered, as it would be without other instances.
        """
        key = chat_lock_key(chat_id)
        held = await self._acquire(key)
        try:
            yield
        finally:
            if held:
                await self._statement(func.pg_advisory_unlock(CHAT_LOCK_SPACE, key))

    async def _acquire(self, key: int) -> bool:
        delay = FIRST_RETRY_SECONDS
        while True:
            taken = await self._statement(func.pg_try_advisory_lock(CHAT_LOCK_SPACE, key))
            if taken is None:
                return False
            if taken:
                return True
            await asyncio.sleep(delay)
            delay = min(delay * 2, LAST_RETRY_SECONDS)

    async def _statement(self, call: object) -> bool | None:
        """Run `SELECT call` on the lock session; None when the session failed (then dropped,
        with every lock it held)."""
        async with self._io:
            try:
                conn = await self._connection()
                return bool(await conn.scalar(select(call)))  # type: ignore[call-overload]
            except Exception as exc:
                logger.warning(
                    "the chat lock session failed (%s); updates go on without it until it is back",
                    type(exc).__name__,
                )
                await self._drop()
                return None

    async def _connection(self) -> AsyncConnection:
        if self._conn is None:
            self._engine = create_async_engine(
                self._url,
                poolclass=NullPool,
                isolation_level="AUTOCOMMIT",
                connect_args={"timeout": CONNECT_SECONDS},
            )
            self._conn = await self._engine.connect()
        return self._conn

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        engine, self._engine = self._engine, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.invalidate()
        if engine is not None:
            with contextlib.suppress(Exception):
                await engine.dispose()

    async def close(self) -> None:
        """End the session: every lock it held is let go."""
        async with self._io:
            await self._drop()


class NoChatLocks:
    """SQLite: one instance, whose own processor keeps each chat in order."""

    @contextlib.asynccontextmanager
    async def hold(self, chat_id: int) -> AsyncIterator[None]:
        """Nothing to hold."""
        yield

    async def close(self) -> None:
        """Nothing to let go."""


def chat_locks(target: str | Path) -> PostgresChatLocks | NoChatLocks:
    """The chat locks for the database at `target` (a PostgreSQL URL or a SQLite path)."""
    if database_url(target).get_backend_name() == "postgresql":
        return PostgresChatLocks(str(target))
    return NoChatLocks()
