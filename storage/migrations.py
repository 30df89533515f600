"""Forward-only numbered SQL migrations tracked with `PRAGMA user_version`."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from bot.domain.handles import handle
from bot.domain.order_number import order_key

MIGRATION_NAME = re.compile(r"^(\d{4})_\w+\.sql$")
BUNDLED_FOLDER = Path(__file__).parent / "migrations"


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered SQL script."""

    version: int
    name: str
    sql: str


def migrations_in(folder: Path) -> list[Migration]:
    """The migrations found in a folder, in version order."""
    found = [
        Migration(int(match[1]), path.name, path.read_text(encoding="utf-8"))
        for path in folder.iterdir()
        if (match := MIGRATION_NAME.match(path.name))
    ]
    return sorted(found, key=lambda migration: migration.version)


async def schema_version(conn: aiosqlite.Connection) -> int:
    """The version of the last migration applied."""
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def apply_migrations(
    conn: aiosqlite.Connection, migrations: list[Migration] | None = None
) -> list[str]:
    """Apply the pending migrations, each in its own transaction; return the names applied."""
    # Why: migrations fill derived columns with the same pure rules the code applies (0006).
    await conn.create_function("order_key", 1, order_key, deterministic=True)
    await conn.create_function("order_handle", 1, _order_handle, deterministic=True)
    current = await schema_version(conn)
    applied = []
    for migration in migrations if migrations is not None else migrations_in(BUNDLED_FOLDER):
        if migration.version <= current:
            continue
        await _apply_one(conn, migration)
        applied.append(migration.name)
    return applied


def _order_handle(order_id: str) -> str:
    return handle("order", order_id)


async def _apply_one(conn: aiosqlite.Connection, migration: Migration) -> None:
    statements = [part for part in _split_statements(migration.sql) if part.strip()]
    await conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in statements:
            await conn.execute(statement)
        # Why: PRAGMA takes no parameters; the version is an int we parsed ourselves.
        await conn.execute(f"PRAGMA user_version = {migration.version:d}")
        await conn.execute("COMMIT")
    except BaseException:
        await conn.execute("ROLLBACK")
        raise


def _split_statements(script: str) -> list[str]:
    # Why: executescript() would COMMIT on its own, breaking the one-transaction-per-migration rule.
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending)
            pending = ""
    if pending.strip():
        statements.append(pending)
    return statements
