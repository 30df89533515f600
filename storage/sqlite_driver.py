"""SQLAlchemy's aiosqlite adapter with one trip to the database thread per statement.

aiosqlite runs each call on its connection's own thread and hands the result back to the event
loop. SQLAlchemy's adapter makes four such trips per statement (open a cursor, execute, fetch
all rows, close it): on the chat's hot path that cost ~5x the query itself. Here a statement's
cursor is opened, executed, drained and closed in one trip; everything else is SQLAlchemy's.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util.concurrency import await_


class _Outcome:
    """What SQLAlchemy reads of a DBAPI cursor after a statement, kept once it is closed."""

    description: Any = None
    rowcount = -1
    lastrowid: int | None = None
    arraysize = 1

    def close(self) -> None:
        """Nothing to close: the real cursor closed in the same trip."""


class _OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()
    _awaitable_cursor_close = False

    def _make_new_cursor(self, connection: Any) -> Any:
        return _Outcome()

    def _aenter_cursor(self, cursor: Any) -> Any:
        return cursor

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        outcome: _Outcome = self._cursor  # type: ignore[assignment]
        driver: aiosqlite.Connection = self._connection  # type: ignore[assignment]

        def run(connection: sqlite3.Connection) -> list[Any] | None:
            cursor = connection.cursor()
            try:
                cursor.execute(operation, () if parameters is None else parameters)
                outcome.description = cursor.description
                outcome.rowcount = cursor.rowcount
                outcome.lastrowid = cursor.lastrowid
                return cursor.fetchall() if cursor.description else None
            finally:
                cursor.close()

        async with self._adapt_connection._execute_mutex:
            rows = await driver._execute(run, driver._conn)  # type: ignore[no-untyped-call]
        if rows is not None:
            self._rows = collections.deque(rows)
        return None

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        outcome: _Outcome = self._cursor  # type: ignore[assignment]
        driver: aiosqlite.Connection = self._connection  # type: ignore[assignment]

        def run(connection: sqlite3.Connection) -> None:
            cursor = connection.cursor()
            try:
                cursor.executemany(operation, seq_of_parameters)
                outcome.description = cursor.description
                outcome.rowcount = cursor.rowcount
                outcome.lastrowid = cursor.lastrowid
            finally:
                cursor.close()

        async with self._adapt_connection._execute_mutex:
            await driver._execute(run, driver._conn)  # type: ignore[no-untyped-call]
        return None


class _OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = _OneTripCursor


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module for `create_async_engine(..., module=OneTripDBAPI())` on SQLite."""

    def __init__(self) -> None:
        super().__init__(aiosqlite, sqlite3)

    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        """Connect like SQLAlchemy's adapter, with one-trip cursors."""
        connection = self.aiosqlite.connect(*arg, **kw)
        connection._thread.daemon = True
        return _OneTripConnection(self, await_(connection))
