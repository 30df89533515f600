"""SQL for tests that set up or inspect rows directly, on whichever database the store runs.

Statements use `:name` parameters (SQLAlchemy `text()`) and SQL both SQLite and PostgreSQL accept.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, text

from storage.store import SqlStore

# Why: rows of any width, read by index (SQLAlchemy types a row by its columns).
AnyRow = Row[*tuple[Any, ...]]


async def execute(store: SqlStore, sql: str, /, **params: Any) -> int:
    """Run one statement in its own transaction; return the rows it changed."""
    async with store.database.write() as conn:
        result = await conn.execute(text(sql), params)
        return result.rowcount


async def execute_many(store: SqlStore, sql: str, rows: Sequence[dict[str, Any]]) -> None:
    """Run one statement for each parameter set, in one transaction."""
    async with store.database.write() as conn:
        await conn.execute(text(sql), list(rows))


async def fetch_all(store: SqlStore, sql: str, /, **params: Any) -> Sequence[AnyRow]:
    """Every row of a query."""
    async with store.database.read() as conn:
        return (await conn.execute(text(sql), params)).all()


async def fetch_one(store: SqlStore, sql: str, /, **params: Any) -> AnyRow | None:
    """The first row of a query, or None."""
    async with store.database.read() as conn:
        return (await conn.execute(text(sql), params)).first()


async def fetch_value(store: SqlStore, sql: str, /, **params: Any) -> Any:
    """The first column of the first row (None when there is no row)."""
    async with store.database.read() as conn:
        return (await conn.execute(text(sql), params)).scalar()
