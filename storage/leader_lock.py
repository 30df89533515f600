"""The leader lock of several `backorder-bot run` instances on one PostgreSQL database (§13).

Each instance keeps one PostgreSQL session of its own for its whole life and asks it for a
session-level advisory lock (`pg_try_advisory_lock`); the instance whose session holds it is the
leader. The server releases the lock when that session ends, however the process ends: SIGKILL
closes the socket at once; a vanished host is noticed by the server's TCP keepalives, set short
for this session (about KEEPALIVE_IDLE + KEEPALIVE_INTERVAL × KEEPALIVE_COUNT seconds).

The holder checks its session with a cheap query (`still_held`); a query that fails or takes
longer than `check_seconds` means the lock can no longer be relied on, and the holder must step
down at once. It does so well before the server could hand the lock to another session (a live
socket keeps the session; a dead one takes the keepalive time), so two leaders never act at once.

On SQLite one instance runs (the file lock of storage/run_lock.py), so it is always the leader.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from pathlib import Path

from sqlalchemy import func, select, text, true
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from storage.database import database_url, unavailable

# pg_try_advisory_lock key of the leader (a fixed 64-bit number: "bo-run" in ASCII, the key the
# single-run lock used, so an older `run` and a newer one on one database still exclude each other).
LEADER_LOCK_KEY = 0x626F2D72756E
CONNECT_SECONDS = 10.0
# Why: the server's keepalives on the lock's session: a host that vanished without closing its
# socket frees the lock after about 5 + 1 × 5 = 10 s instead of the kernel's default two hours.
KEEPALIVE_IDLE = 5
KEEPALIVE_INTERVAL = 1
KEEPALIVE_COUNT = 5
APPLICATION_PREFIX = "backorder-bot run "


class PostgresLeaderLock:
    """One PostgreSQL session that tries for the leader lock and, once it holds it, keeps it."""

    def __init__(self, target: str, *, check_seconds: float = 2.0) -> None:
        self._url = database_url(target)
        self._check_seconds = check_seconds
        self._engine: AsyncEngine | None = None
        self._conn: AsyncConnection | None = None
        self._held = False

    @property
    def held(self) -> bool:
        """True while this session holds the lock (as far as the last check knows)."""
        return self._held

    async def try_acquire(self) -> bool:
        """Take the lock if it is free; True when this session holds it.

        Connects first when needed; raises DatabaseUnavailable when the server cannot be reached.
        """
        if self._held:
            return True
        conn = await self._connection()
        try:
            taken = await asyncio.wait_for(
                conn.scalar(select(func.pg_try_advisory_lock(LEADER_LOCK_KEY))),
                self._check_seconds,
            )
        except (OSError, DBAPIError, TimeoutError):
            await self._drop()
            raise
        self._held = bool(taken)
        return self._held

    async def still_held(self) -> bool:
        """True when the session answered a trivial query within `check_seconds`.

        Why enough: a session-level advisory lock lasts as long as its session; a session that
        answers still holds it. Any failure drops the session (releasing the lock, if the server
        still had it) and answers False.
        """
        if not self._held or self._conn is None:
            return False
        try:
            await asyncio.wait_for(self._conn.scalar(select(true())), self._check_seconds)
        except asyncio.CancelledError:
            await self._drop()
            raise
        except Exception:
            # Why: whatever went wrong (socket, server, timeout), the lock cannot be relied on.
            await self._drop()
            return False
        return True

    async def holder(self) -> str | None:
        """'host/pid' of the instance holding the lock, when one does and it could be read."""
        conn = await self._connection()
        name = await conn.scalar(_HOLDER, {"key": LEADER_LOCK_KEY})
        if isinstance(name, str) and name.startswith(APPLICATION_PREFIX):
            return name.removeprefix(APPLICATION_PREFIX)
        return None

    async def live_instances(self) -> set[str] | None:
        """'host/pid' of every instance of `run` with a session on this database (leader and
        followers: each keeps its lock session for its whole life)."""
        conn = await self._connection()
        rows = await conn.execute(_INSTANCES, {"prefix": f"{APPLICATION_PREFIX}%"})
        return {str(name).removeprefix(APPLICATION_PREFIX) for name in rows.scalars()}

    async def release(self) -> None:
        """End the session: the server drops the lock with it."""
        await self._drop()

    async def _connection(self) -> AsyncConnection:
        if self._conn is not None:
            return self._conn
        me = f"{APPLICATION_PREFIX}{socket.gethostname()}/{os.getpid()}"
        self._engine = create_async_engine(
            self._url,
            poolclass=NullPool,
            isolation_level="AUTOCOMMIT",
            connect_args={
                "server_settings": {
                    "application_name": me[:63],
                    "tcp_keepalives_idle": str(KEEPALIVE_IDLE),
                    "tcp_keepalives_interval": str(KEEPALIVE_INTERVAL),
                    "tcp_keepalives_count": str(KEEPALIVE_COUNT),
                },
                "timeout": CONNECT_SECONDS,
            },
        )
        try:
            self._conn = await self._engine.connect()
        except (OSError, DBAPIError) as exc:
            await self._drop()
            raise unavailable(self._url, exc) from exc
        return self._conn

    async def _drop(self) -> None:
        self._held = False
        conn, self._conn = self._conn, None
        engine, self._engine = self._engine, None
        if conn is not None:
            # Why: a broken session may not answer a polite close; invalidating drops the socket.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.invalidate(), self._check_seconds)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), self._check_seconds)
        if engine is not None:
            with contextlib.suppress(Exception):
                await engine.dispose()


class LocalLeaderLock:
    """SQLite: the one instance is the leader (storage/run_lock.py keeps it to one)."""

    def __init__(self) -> None:
        self._held = False

    @property
    def held(self) -> bool:
        """True between `try_acquire` and `release`."""
        return self._held

    async def try_acquire(self) -> bool:
        """Always True."""
        self._held = True
        return True

    async def still_held(self) -> bool:
        """True until released."""
        return self._held

    async def holder(self) -> str | None:
        """This process ('host/pid') while held."""
        return f"{socket.gethostname()}/{os.getpid()}" if self._held else None

    async def live_instances(self) -> set[str] | None:
        """None: one instance, which finds dead claimants itself (same machine)."""
        return None

    async def release(self) -> None:
        """Give it up."""
        self._held = False


def leader_lock(target: str | Path) -> PostgresLeaderLock | LocalLeaderLock:
    """The leader lock of the database at `target` (a PostgreSQL URL or a SQLite path)."""
    if database_url(target).get_backend_name() == "postgresql":
        return PostgresLeaderLock(str(target))
    return LocalLeaderLock()


_INSTANCES = text(
    """SELECT application_name FROM pg_stat_activity
        WHERE datname = current_database() AND application_name LIKE :prefix"""
)
# Why: an advisory lock on a bigint key shows in pg_locks as its high and low 32 bits.
_HOLDER = text(
    """SELECT a.application_name FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
          AND (l.classid::bigint << 32) | l.objid::bigint = :key
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"""
)
