"""The schema is created by numbered migrations tracked with PRAGMA user_version."""

from __future__ import annotations

from pathlib import Path

import aiosqlite
import pytest

from bot.services.handles import order_handle
from storage.migrations import BUNDLED_FOLDER, apply_migrations, migrations_in, schema_version
from storage.store import open_store


async def test_a_new_database_is_at_the_latest_schema_version(database_url: str) -> None:
    store = await open_store(database_url)
    latest = migrations_in(BUNDLED_FOLDER)[-1].version
    assert await schema_version(store.connection) == latest
    await store.close()


async def test_reopening_a_database_applies_nothing_and_keeps_the_data(database_url: str) -> None:
    store = await open_store(database_url)
    await store.set_setting("greeting", "hello")
    await store.close()

    reopened = await open_store(database_url)
    assert await apply_migrations(reopened.connection) == []
    assert await reopened.get_setting("greeting") == "hello"
    await reopened.close()


async def test_the_database_runs_in_wal_mode_with_foreign_keys_on(tmp_path: Path) -> None:
    # SQLite only: WAL is a SQLite journal mode.
    store = await open_store(tmp_path / "backorder.sqlite3")
    async with store.connection.execute("PRAGMA journal_mode") as cursor:
        assert (await cursor.fetchone())[0] == "wal"  # type: ignore[index]
    async with store.connection.execute("PRAGMA foreign_keys") as cursor:
        assert (await cursor.fetchone())[0] == 1  # type: ignore[index]
    await store.close()


async def test_a_failing_migration_leaves_no_trace_and_keeps_the_version(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_first.sql").write_text("CREATE TABLE a (x INTEGER);\n")
    (folder / "0002_broken.sql").write_text(
        "CREATE TABLE b (y INTEGER);\nINSERT INTO nowhere VALUES (1);\n"
    )
    conn = await aiosqlite.connect(tmp_path / "db.sqlite3", isolation_level=None)

    with pytest.raises(Exception, match="nowhere"):
        await apply_migrations(conn, migrations_in(folder))

    assert await schema_version(conn) == 1
    async with conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'") as cursor:
        assert [row[0] for row in await cursor.fetchall()] == ["a"]
    await conn.close()


async def test_only_migrations_newer_than_the_version_are_applied(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_first.sql").write_text("CREATE TABLE a (x INTEGER);\n")
    conn = await aiosqlite.connect(tmp_path / "db.sqlite3", isolation_level=None)
    assert await apply_migrations(conn, migrations_in(folder)) == ["0001_first.sql"]

    (folder / "0002_second.sql").write_text("-- adds b\nCREATE TABLE b (y INTEGER);\n")
    assert await apply_migrations(conn, migrations_in(folder)) == ["0002_second.sql"]
    assert await schema_version(conn) == 2
    await conn.close()


async def test_orders_stored_before_the_lookup_key_existed_are_found_by_it(tmp_path: Path) -> None:
    bundled = migrations_in(BUNDLED_FOLDER)
    conn = await aiosqlite.connect(tmp_path / "db.sqlite3", isolation_level=None)
    await apply_migrations(conn, [m for m in bundled if m.version < 6])
    await conn.execute("INSERT INTO customers (customer_id, name) VALUES ('C-1', 'Ann')")
    await conn.execute(
        """INSERT INTO orders (order_id, customer_id, placed_at, placed_at_utc, currency)
           VALUES ('#1001', 'C-1', '2026-12-01T09:00:00+00:00', '2026-12-01T09:00:00Z', 'EUR')"""
    )
    await conn.close()

    store = await open_store(tmp_path / "db.sqlite3")
    assert await store.order_ids_by_key("1001") == ["#1001"]
    await store.close()


async def test_orders_stored_before_link_handles_existed_are_found_by_their_handle(
    tmp_path: Path,
) -> None:
    bundled = migrations_in(BUNDLED_FOLDER)
    conn = await aiosqlite.connect(tmp_path / "db.sqlite3", isolation_level=None)
    await apply_migrations(conn, [m for m in bundled if m.version < 7])
    await conn.execute("INSERT INTO customers (customer_id, name) VALUES ('C-1', 'Ann')")
    await conn.execute(
        """INSERT INTO orders (order_id, customer_id, placed_at, placed_at_utc, currency)
           VALUES ('#1001', 'C-1', '2026-12-01T09:00:00+00:00', '2026-12-01T09:00:00Z', 'EUR')"""
    )
    await conn.close()

    store = await open_store(tmp_path / "db.sqlite3")
    assert await store.order_ids_by_handle(order_handle("#1001")) == ["#1001"]
    await store.close()
