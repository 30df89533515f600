"""Hot statements (every chat update, every outbox row) run on SQLite through the driver at once.

Why: SQLAlchemy's aiosqlite adapter takes three or four trips to the driver's thread per statement
(cursor, execute, fetch, close) where aiosqlite alone takes one or two; on the update inbox and the
dispatcher that doubled the CPU per row (bench/storage_hot_paths.py). The statements stay
SQLAlchemy Core, compiled once for SQLite; PostgreSQL runs them through SQLAlchemy as usual.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Executable
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection


class HotStatement:
    """A Core statement and its SQLite form (SQL text, parameter order, constant values)."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._sqlite: tuple[str, tuple[str, ...], dict[str, Any]] | None = None

    def sqlite_form(self, dialect: Dialect) -> tuple[str, tuple[str, ...], dict[str, Any]]:
        """The SQL text, the names of its positional parameters and the statement's own values."""
        if self._sqlite is None:
            compiled = self.statement.compile(dialect=dialect)  # type: ignore[attr-defined]
            self._sqlite = (str(compiled), tuple(compiled.positiontup or ()), dict(compiled.params))
        return self._sqlite


# Why: the SQLite writer is one long-lived connection; its driver connection is looked up once.
_drivers: WeakKeyDictionary[AsyncConnection, Any] = WeakKeyDictionary()


async def _driver(conn: AsyncConnection) -> Any:
    raw = _drivers.get(conn)
    if raw is None:
        raw = _drivers[conn] = (await conn.get_raw_connection()).driver_connection
    return raw


def _values(
    form: tuple[str, tuple[str, ...], dict[str, Any]], params: Mapping[str, Any]
) -> tuple[Any, ...]:
    _, names, constants = form
    return tuple(params[name] if name in params else constants[name] for name in names)


async def rows(
    conn: AsyncConnection, hot: HotStatement, params: Mapping[str, Any]
) -> Sequence[Sequence[Any]]:
    """Every row of a query (or of a statement with RETURNING), as tuples by position."""
    if conn.dialect.name != "sqlite":
        return (await conn.execute(hot.statement, dict(params))).all()
    form = hot.sqlite_form(conn.dialect)
    raw = await _driver(conn)
    async with raw.execute(form[0], _values(form, params)) as cursor:
        return list(await cursor.fetchall())


async def changed(conn: AsyncConnection, hot: HotStatement, params: Mapping[str, Any]) -> int:
    """Run one data-changing statement; the number of rows it changed."""
    if conn.dialect.name != "sqlite":
        return int((await conn.execute(hot.statement, dict(params))).rowcount)
    form = hot.sqlite_form(conn.dialect)
    raw = await _driver(conn)
    cursor = await raw.execute(form[0], _values(form, params))
    return int(cursor.rowcount)


async def for_each(
    conn: AsyncConnection, hot: HotStatement, params: Sequence[Mapping[str, Any]]
) -> None:
    """Run one data-changing statement for each parameter set."""
    if not params:
        return
    if conn.dialect.name != "sqlite":
        await conn.execute(hot.statement, [dict(p) for p in params])
        return
    form = hot.sqlite_form(conn.dialect)
    raw = await _driver(conn)
    await raw.executemany(form[0], [_values(form, p) for p in params])
