"""One `backorder-bot run` per database.

SQLite: an OS lock on a file beside the database. PostgreSQL: a session-level advisory lock
(`pg_try_advisory_lock`) held by a connection of its own for the life of the process; the server
releases it when that session ends, however the process ends. (Several instances behind a load
balancer need leader election instead: issue 12.)
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from storage.database import database_url, shown_url, unavailable

# pg_try_advisory_lock key of `run` (any fixed 64-bit number; "bo-run" in ASCII).
RUN_LOCK_KEY = 0x626F2D72756E
# Why: a PostgreSQL server that does not answer in this long is down; `run` says so and stops.
CONNECT_SECONDS = 30.0


class DatabaseInUse(Exception):
    """Another process holds the database's run lock (its pid or name, when it could be read)."""

    def __init__(self, database: Path | str, holder: int | str | None) -> None:
        who = (
            f"another backorder-bot run ({'pid ' if isinstance(holder, int) else ''}{holder})"
            if holder
            else "another backorder-bot run"
        )
        kind = "SQLite database" if isinstance(database, Path) else "PostgreSQL database"
        super().__init__(f"{who} is using {database}; run one bot per {kind}")
        self.pid = holder if isinstance(holder, int) else None


def lock_path(db_path: Path) -> Path:
    """The lock file beside the database file itself ('<db>-run.lock'), symlinks followed.

    Why resolved: a second path to the same database (a symlink, `..`) must meet the same lock.
    """
    real = db_path.resolve()
    return real.with_name(f"{real.name}-run.lock")


@contextmanager
def exclusive_run(target: Path | str) -> Iterator[None]:
    """Hold the run lock of the database at `target` for the block (a SQLite path or a URL).

    Raises DatabaseInUse when another process holds it. PostgreSQL: raises what connecting raises
    when the server cannot be reached.
    """
    url = database_url(target)
    if url.get_backend_name() == "postgresql":
        with _postgres_run_lock(str(target)):
            yield
        return
    with _file_run_lock(Path(target)):
        yield


@contextmanager
def _file_run_lock(db_path: Path) -> Iterator[None]:
    """An flock, so the kernel releases it when the process ends in any way (SIGKILL included)."""
    fd = os.open(lock_path(db_path), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatabaseInUse(db_path, _holder(fd)) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)


def _holder(fd: int) -> int | None:
    """The pid the holder wrote (None while it has not written it yet)."""
    text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None


@contextmanager
def _postgres_run_lock(target: str) -> Iterator[None]:
    """The advisory lock, held by one session on a thread of its own (its own event loop).

    Why a thread: the lock must outlive any one event loop of the process (`run` starts and stops
    PTB's), and its session must stay open while the bot runs.
    """
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="run-lock", daemon=True)
    thread.start()
    session = _LockSession(target)
    try:
        asyncio.run_coroutine_threadsafe(session.acquire(), loop).result()
        try:
            yield
        finally:
            asyncio.run_coroutine_threadsafe(session.release(), loop).result()
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


class _LockSession:
    """One PostgreSQL session that takes and keeps the run lock."""

    def __init__(self, target: str) -> None:
        self._url = database_url(target)
        self._engine: AsyncEngine | None = None
        self._conn: AsyncConnection | None = None

    async def acquire(self) -> None:
        """Take the lock or raise DatabaseInUse naming the holder's host and pid."""
        me = f"backorder-bot run {socket.gethostname()}/{os.getpid()}"
        self._engine = create_async_engine(
            self._url,
            poolclass=NullPool,
            isolation_level="AUTOCOMMIT",
            connect_args={
                "server_settings": {"application_name": me[:63]},
                "timeout": CONNECT_SECONDS,
            },
        )
        try:
            try:
                self._conn = await self._engine.connect()
            except (OSError, DBAPIError) as exc:
                raise unavailable(self._url, exc) from exc
            taken = await self._conn.scalar(select(func.pg_try_advisory_lock(RUN_LOCK_KEY)))
            if not taken:
                holder = await self._conn.scalar(_HOLDER, {"key": RUN_LOCK_KEY})
                raise DatabaseInUse(shown_url(self._url), _holder_name(holder))
        except BaseException:
            await self.release()
            raise

    async def release(self) -> None:
        """End the session (the server drops its advisory locks with it)."""
        if self._conn is not None:
            await self._conn.close()
            self._conn = None
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None


# Why: an advisory lock on a bigint key shows in pg_locks as its high and low 32 bits.
_HOLDER = text(
    """SELECT a.application_name FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
          AND (l.classid::bigint << 32) | l.objid::bigint = :key
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"""
)


def _holder_name(application_name: str | None) -> str | None:
    """'host/pid' of the run holding the lock, from its session's application_name."""
    prefix = "backorder-bot run "
    if application_name and application_name.startswith(prefix):
        return application_name.removeprefix(prefix)
    return None
