"""The chat's hottest reads through the driver on SQLite, built as SQLAlchemy Core statements.

Issue 11 lets hot paths drop to the driver where a benchmark shows the need. On SQLite a
statement executed through SQLAlchemy costs ~120 µs of Python around a ~100 µs query, which
doubled "my orders" (bench `status`). Here the statement is compiled once for SQLite and its rows
fetched by aiosqlite in one call on the same connection (so inside a transaction it is that
transaction's). On PostgreSQL it is executed through SQLAlchemy as usual.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import aiosqlite
from sqlalchemy import Select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

_compiled: dict[tuple[int, str], tuple[str, tuple[str, ...], Mapping[str, Any]]] = {}


async def fetch_rows(
    conn: AsyncConnection, statement: Select[Any], params: Mapping[str, Any]
) -> Sequence[Sequence[Any]]:
    """Every row of `statement` (a module-level constant) as a sequence of column values."""
    if conn.dialect.name != "sqlite":
        rows: Sequence[Sequence[Any]] = (await conn.execute(statement, params)).all()
        return rows
    sql, names, defaults = _sqlite_form(statement, conn.dialect)
    assert conn.sync_connection is not None
    driver = conn.sync_connection.connection.driver_connection
    assert isinstance(driver, aiosqlite.Connection)
    values = [params[name] if name in params else defaults[name] for name in names]
    return list(await driver.execute_fetchall(sql, values))


def _sqlite_form(
    statement: Select[Any], dialect: Dialect
) -> tuple[str, tuple[str, ...], Mapping[str, Any]]:
    key = (id(statement), dialect.name)
    form = _compiled.get(key)
    if form is None:
        compiled = statement.compile(dialect=dialect)
        # Why: the driver gets the values as they are; no column here may need converting.
        assert not compiled._bind_processors, "driver reads take unconverted values only"
        assert compiled.positiontup is not None
        defaults = compiled.construct_params(_check=False)
        form = _compiled[key] = (compiled.string, tuple(compiled.positiontup), defaults)
    return form
