"""The two databases every store test runs on: a SQLite file, or a fresh database on a PostgreSQL
server.

A test gets its database as one string (the `database_url` fixture of tests/conftest.py): a file
path for SQLite or a `postgresql://` URL; `open_store` takes either. These helpers turn that string
into what the bot's other entry points take (environment variables, Settings) and make/drop
PostgreSQL databases.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import uuid
from collections.abc import Coroutine
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg  # type: ignore[import-untyped]
import pytest

from bot.config import Settings, load_settings
from tests.postgres_cluster import masked

__all__ = ["masked"]

SQLITE_VARIABLE = "BACKORDER_DB"
POSTGRES_VARIABLE = "BACKORDER_DATABASE_URL"


def is_postgres(database_url: str) -> bool:
    """Whether the test database is on PostgreSQL (else it is a SQLite file path)."""
    return database_url.startswith(("postgresql://", "postgresql+asyncpg://", "postgres://"))


def database_env(database_url: str) -> dict[str, str]:
    """The environment variable that points the bot at this database.

    `{"BACKORDER_DB": path}` for SQLite, `{"BACKORDER_DATABASE_URL": url}` for PostgreSQL; merge it
    over the environment of a `backorder-bot` subprocess or of `main([...])`.
    """
    if is_postgres(database_url):
        return {POSTGRES_VARIABLE: database_url}
    return {SQLITE_VARIABLE: database_url}


def use_database(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    """Point settings read from this process's environment (CLI `main`) at the test database."""
    monkeypatch.delenv(SQLITE_VARIABLE, raising=False)
    monkeypatch.delenv(POSTGRES_VARIABLE, raising=False)
    for name, value in database_env(database_url).items():
        monkeypatch.setenv(name, value)


def database_settings(database_url: str, **changes: Any) -> Settings:
    """Settings for the test database (read as the bot reads them), with `changes` on top.

    Why: going through load_settings leaves the choice of field (SQLite path or server URL) to the
    bot's own configuration code, so a test cannot point the bot at another database than its store.
    """
    # Why: os.devnull is not a regular file, so no .env file of the working folder is read.
    settings = load_settings(database_env(database_url), Path(os.devnull))
    return replace(settings, **changes)


def sqlite_path(database_url: str) -> Path:
    """The SQLite file of a SQLite test database (for tests about the file itself)."""
    if is_postgres(database_url):
        raise ValueError("not a SQLite database")
    return Path(database_url)


def with_database(server_url: str, name: str) -> str:
    """The server URL with its database replaced by `name` (credentials, host, options kept)."""
    return urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))


def unique_name(kind: str) -> str:
    """A database name no other test, xdist worker or concurrent run on the same server uses."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"backorder_{kind}_{worker}_{uuid.uuid4().hex[:12]}"


def _quoted(name: str) -> str:
    """A database name as a SQL identifier (the names we make are [a-z0-9_] anyway)."""
    return '"' + name.replace('"', '""') + '"'


def run_async(coroutine: Any) -> Any:
    """Run a coroutine to its end on its own event loop in a worker thread; return its result.

    Why: fixtures that prepare databases are synchronous (sync tests use them too) and may run while
    pytest-asyncio owns this thread's loop, so their async work runs on a loop of its own.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def _admin(server_url: str, *statements: str) -> None:
    connection = await asyncpg.connect(server_url)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


async def _create(server_url: str, name: str, template: str) -> None:
    connection = await asyncpg.connect(server_url)
    try:
        # Why: FILE_COPY (PostgreSQL 15+) copies the template's few files; the default WAL_LOG
        # writes every page to the WAL, which costs more for the small databases of the tests.
        fast = " STRATEGY FILE_COPY" if connection.get_server_version().major >= 15 else ""
        await connection.execute(
            f"CREATE DATABASE {_quoted(name)} TEMPLATE {_quoted(template)}{fast}"
        )
    finally:
        await connection.close()


def create_database(server_url: str, name: str, template: str = "template0") -> str:
    """CREATE DATABASE name as a copy of template on the server; returns the new database's URL.

    The template must have no open connections. Raises asyncpg errors (e.g. DuplicateDatabaseError).
    """
    run_async(_create(server_url, name, template))
    return with_database(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    """DROP DATABASE name (if it exists), ending any connection still open to it."""
    run_async(_admin(server_url, f"DROP DATABASE IF EXISTS {_quoted(name)} WITH (FORCE)"))


class _Lane:
    """One admin connection, used by one statement at a time (opened on first use)."""

    def __init__(self, server_url: str) -> None:
        self._server_url = server_url
        self.connection: Any = None
        self._lock = asyncio.Lock()

    async def execute(self, statement: str) -> None:
        async with self._lock:
            if self.connection is None:
                self.connection = await asyncpg.connect(self._server_url)
            await self.connection.execute(statement)

    async def close(self) -> None:
        if self.connection is not None:
            await self.connection.close()


class DatabaseMaker:
    """Makes per-test databases from one template ahead of time, and drops used ones behind.

    Names are `unique_name(kind)`. A background thread with its own event loop does the work over
    two admin connections (one creates, one drops), so a test waits neither for CREATE DATABASE
    (the next database is made while the current test runs) nor for DROP DATABASE (queued after
    the test, beside the next creation). `close()` drops what is left and waits.
    """

    def __init__(self, server_url: str, template: str, *, kind: str = "test") -> None:
        self._template = template
        self._kind = kind
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

        async def lanes() -> tuple[_Lane, _Lane]:
            return _Lane(server_url), _Lane(server_url)

        self._creating, self._dropping = self._submit(lanes()).result()
        self._next: Future[str] | None = None
        self._pending: list[Future[None]] = []

    def _submit(self, coroutine: Coroutine[Any, Any, Any]) -> Future[Any]:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    async def _create(self) -> str:
        name = unique_name(self._kind)
        await self._creating.execute("SELECT 1")
        # Why: FILE_COPY (PostgreSQL 15+) copies the template's files; WAL_LOG, the default,
        # writes every page to the WAL, which costs more for small databases.
        fast = self._creating.connection.get_server_version().major >= 15
        strategy = " STRATEGY FILE_COPY" if fast else ""
        await self._creating.execute(
            f"CREATE DATABASE {_quoted(name)} TEMPLATE {_quoted(self._template)}{strategy}"
        )
        return name

    def take(self) -> str:
        """A new database (its name) copied from the template; the next one is started at once.

        Raises what CREATE DATABASE raised (asyncpg errors).
        """
        made = self._next or self._submit(self._create())
        self._next = self._submit(self._create())
        return str(made.result())

    def drop_later(self, name: str) -> None:
        """Queue DROP DATABASE name (ending its connections); `close()` waits for it."""
        statement = f"DROP DATABASE IF EXISTS {_quoted(name)} WITH (FORCE)"
        self._pending.append(self._submit(self._dropping.execute(statement)))

    def close(self) -> None:
        """Drop the database made ahead, wait for every queued drop, end the thread."""
        if self._next is not None:
            # Why: a failed advance creation left nothing to drop.
            with contextlib.suppress(Exception):
                self.drop_later(self._next.result())
        for pending in self._pending:
            pending.result()

        async def disconnect() -> None:
            await self._creating.close()
            await self._dropping.close()

        self._submit(disconnect()).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()
