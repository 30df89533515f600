"""The store's connections: one SQLAlchemy engine, SQLite or PostgreSQL, and its transactions.

Both databases give a use case one guarantee: `write()` is one transaction that commits whole or
not at all, and a task already inside one joins it. How each gets there differs, and only here:

- **SQLite** (aiosqlite): one writer connection, `BEGIN IMMEDIATE`, one write transaction at a time
  per process (busy timeout between processes). Every write transaction is therefore serializable:
  what it read cannot change before it commits. Reads outside a write share one read connection, a
  task at a time (WAL: they never wait for the writer).
- **PostgreSQL** (asyncpg): a pooled connection per transaction, READ COMMITTED. Reads outside a
  write run in autocommit on connections kept open (`stream()`: in a transaction, for server-side
  cursors). Write transactions of several tasks (and instances) run side by side, so a use case that
  reads, decides and then writes locks what it decides on (`FOR UPDATE`) or writes conditionally;
  each such place says so.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal
from weakref import WeakKeyDictionary

import aiosqlite
from sqlalchemy import URL, Table, event, make_url
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from storage.sqlite_driver import OneTripDBAPI
from storage.transaction import owns_transaction, transaction

BUSY_TIMEOUT_MS = 5000
POSTGRES_SCHEMES = ("postgresql", "postgres")
# PostgreSQL read connections kept open between reads (out of the pool's 10, plus overflow).
IDLE_POSTGRES_READERS = 4

Dialect = Literal["sqlite", "postgresql"]


def database_url(target: str | Path) -> URL:
    """The SQLAlchemy URL of a store target: a `postgresql://…` URL, or else a SQLite file path.

    Raises ValueError for a URL of another database.
    """
    raw = str(target)
    scheme = raw.split("://", 1)[0] if "://" in raw else ""
    if not scheme:
        return URL.create("sqlite+aiosqlite", database=raw)
    url = make_url(raw)
    if url.get_backend_name() in POSTGRES_SCHEMES:
        url = query_password_lifted(url).set(drivername="postgresql+asyncpg")
        if "sslmode" in url.query:
            # Why: managed servers hand out libpq's `sslmode=`; asyncpg calls the same thing `ssl`.
            query = dict(url.query)
            query["ssl"] = query.pop("sslmode")
            url = url.set(query=query)
        return url
    if url.get_backend_name() == "sqlite":
        return url.set(drivername="sqlite+aiosqlite")
    raise ValueError(
        f"unsupported database URL scheme {scheme!r}: use postgresql://… or a file path"
    )


def query_password_lifted(url: URL) -> URL:
    """`url` with libpq's `?password=…` moved to the URL's password, where SQLAlchemy masks it
    when printing (`shown_url`) and passes it to the driver as the password."""
    if "password" not in url.query:
        return url
    query = dict(url.query)
    password = query.pop("password")
    return url.set(password=password if isinstance(password, str) else password[-1], query=query)


def shown_url(url: URL) -> str:
    """The URL as it may be printed or logged: the password masked, the scheme as users write it."""
    return url.set(drivername=url.get_backend_name()).render_as_string(hide_password=True)


class DatabaseUnavailable(Exception):
    """The database server could not be reached or refused us (one line: URL masked, reason)."""


def unavailable(url: URL, exc: BaseException) -> DatabaseUnavailable:
    """A one-line DatabaseUnavailable for a failed connection attempt."""
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    reason = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    return DatabaseUnavailable(f"cannot open the database {shown_url(url)}: {reason}")


class Database:
    """An engine and the transactions of one store (the module docstring says what each does)."""

    def __init__(self, engine: AsyncEngine, writer: AsyncConnection | None) -> None:
        self._engine = engine
        self._writer = writer
        self._raw: aiosqlite.Connection | None = None
        self._open: WeakKeyDictionary[asyncio.Task[Any], AsyncConnection] = WeakKeyDictionary()
        self._reader: AsyncConnection | None = None
        self._idle_readers: list[AsyncConnection] = []
        self._reader_lock = asyncio.Lock()
        self._reading: WeakKeyDictionary[asyncio.Task[Any], AsyncConnection] = WeakKeyDictionary()

    @classmethod
    async def open(cls, target: str | Path) -> Database:
        """Connect to the database at `target` (see `database_url`); nothing is migrated here."""
        url = database_url(target)
        if url.get_backend_name() == "sqlite":
            engine = create_async_engine(
                url,
                # Why: one trip to the database thread per statement (storage/sqlite_driver.py).
                module=OneTripDBAPI(),
                # Why: we issue BEGIN IMMEDIATE ourselves; the driver must not open transactions.
                isolation_level="AUTOCOMMIT",
                # Why: in autocommit mode a rollback at check-in does nothing but cost a trip.
                skip_autocommit_rollback=True,
                pool_reset_on_return=None,
                pool_size=5,
                max_overflow=10,
            )
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
            writer = await engine.connect()
            database = cls(engine, writer)
            raw = (await writer.get_raw_connection()).driver_connection
            assert isinstance(raw, aiosqlite.Connection)
            database._raw = raw
            return database
        engine = create_async_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
        try:
            async with engine.connect():
                pass
        except (OSError, DBAPIError) as exc:
            await engine.dispose()
            raise unavailable(url, exc) from exc
        return cls(engine, None)

    @property
    def engine(self) -> AsyncEngine:
        """The SQLAlchemy engine (migrations, bulk loads in benchmarks)."""
        return self._engine

    @property
    def dialect(self) -> Dialect:
        """`sqlite` or `postgresql`."""
        return "sqlite" if self._writer is not None else "postgresql"

    @property
    def sqlite_driver(self) -> aiosqlite.Connection | None:
        """SQLite's writer connection as aiosqlite sees it; None on PostgreSQL."""
        return self._raw

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """One write transaction: commit at the end of the block, roll back on any error.

        Inside a transaction this task already holds, it joins it (a use case writing in steps).
        """
        if self._raw is not None and self._writer is not None:
            async with transaction(self._raw):
                yield self._writer
            return
        task = asyncio.current_task()
        joined = self._open.get(task) if task is not None else None
        if joined is not None:
            yield joined
            return
        async with self._engine.connect() as conn, conn.begin():
            if task is not None:
                self._open[task] = conn
            try:
                yield conn
            finally:
                if task is not None:
                    self._open.pop(task, None)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads; inside this task's write transaction, that transaction's."""
        if self._raw is not None and self._writer is not None and owns_transaction(self._raw):
            yield self._writer
            return
        task = asyncio.current_task()
        joined = self._open.get(task) if task is not None else None
        if joined is not None:
            yield joined
            return
        if self._writer is None:
            async with self._postgresql_read() as conn:
                yield conn
            return
        reading = self._reading.get(task) if task is not None else None
        if reading is not None:
            yield reading
            return
        # Why: one read connection, kept open and taken by one task at a time. Each more is one
        # more thread contending with the event loop for the GIL: the chat bench ran ~15 % slower
        # with four. Reads still never wait for the writer (WAL); a long read makes the others
        # wait, as the single connection of earlier releases did (stats read on their own).
        async with self._reader_lock:
            if self._reader is None:
                self._reader = await self._engine.connect()
            conn = self._reader
            if task is not None:
                self._reading[task] = conn
            try:
                yield conn
            except BaseException:
                self._reader = None
                await conn.close()
                raise
            finally:
                if task is not None:
                    self._reading.pop(task, None)

    @asynccontextmanager
    async def stream(self) -> AsyncIterator[AsyncConnection]:
        """A connection for a read streamed through a server-side cursor (`conn.stream`), which
        PostgreSQL opens only inside a transaction; on SQLite the same as `read()`."""
        task = asyncio.current_task()
        joined = self._open.get(task) if task is not None else None
        if self._writer is not None or joined is not None:
            async with self.read() as conn:
                yield conn
            return
        async with self._engine.connect() as conn, conn.begin():
            yield conn

    @asynccontextmanager
    async def _postgresql_read(self) -> AsyncIterator[AsyncConnection]:
        # Why: a read at READ COMMITTED sees what was committed before each statement, exactly as
        # in autocommit; autocommit on a connection kept open spares the checkout's ping, BEGIN
        # and ROLLBACK: one round trip per statement instead of four (the chat's reads).
        conn = self._idle_readers.pop() if self._idle_readers else await self._autocommit()
        try:
            yield conn
        except BaseException:
            # Why: a connection an error or a cancellation left mid-statement is not reused.
            await conn.close()
            raise
        if len(self._idle_readers) < IDLE_POSTGRES_READERS:
            self._idle_readers.append(conn)
        else:
            await conn.close()

    async def _autocommit(self) -> AsyncConnection:
        conn = await self._engine.connect()
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        return conn

    async def close(self) -> None:
        """Close every connection."""
        if self._reader is not None:
            await self._reader.close()
            self._reader = None
        while self._idle_readers:
            await self._idle_readers.pop().close()
        if self._writer is not None:
            await self._writer.close()
        await self._engine.dispose()


def insert(conn: AsyncConnection, table: Table) -> sqlite.Insert | postgresql.Insert:
    """`INSERT` in the connection's dialect (`on_conflict_do_nothing/do_update`, `.excluded`)."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()
