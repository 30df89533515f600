"""Alembic revisions build the schema on start; older SQLite files upgrade in place, rows kept."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import CheckConstraint, Connection, inspect

from bot.domain.delays import ConsentState
from bot.services.handles import order_handle
from storage.legacy_migrations import LEGACY_HEAD
from storage.migrate import BASELINE, SCRIPT_LOCATION, alembic_config
from storage.schema import events, metadata
from storage.store import SqlStore, open_store
from tests.legacy_sqlite import old_release_file
from tests.sql import execute, fetch_all, fetch_value

RELEASE_FILE = Path(__file__).parent / "data" / "release-21.sqlite3"
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


@pytest.fixture
def fresh_postgres(new_postgres_database: Callable[[str], str]) -> str:
    """A new, empty PostgreSQL database (no schema yet), dropped after the test."""
    return new_postgres_database("template0")


def differences(conn: Connection) -> list[Any]:
    """What `alembic revision --autogenerate` would write for this database: [] when at head.

    SQLite reflection cannot read the expression index outbox_pending_lane (Alembic warns and
    leaves it out of the comparison); the tests read its SQL from sqlite_master instead.
    """
    context = MigrationContext.configure(
        conn, opts={"compare_type": True, "compare_server_default": True}
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*expression-based index")
        return list(compare_metadata(context, metadata))


async def store_differences(store: SqlStore) -> list[Any]:
    """`differences` of the store's database."""
    async with store.database.engine.connect() as conn:
        return await conn.run_sync(differences)


def unseen_by_sqlite_reflection(conn: Connection, difference: Any) -> bool:
    """True for the differences a SQLite file of the release before Alembic shows, and only those.

    Why each is not a difference of the schema: (1) the old files declared UNIQUE constraints
    without names; SQLite keeps no name for them, and Alembic matches unique constraints by name,
    so it reports the named ones of the metadata as missing although an unnamed one on the same
    columns is there (checked here). (2) The old files declared single-column keys as
    `x INTEGER PRIMARY KEY` / `x TEXT PRIMARY KEY` without NOT NULL; SQLite reflection reports them
    nullable. An INTEGER PRIMARY KEY is the rowid and can never be NULL; a TEXT PRIMARY KEY of an
    old file would accept NULL (an old SQLite quirk), which no code of the bot ever writes.
    """
    if isinstance(difference, tuple) and difference[0] == "add_constraint":
        constraint = difference[1]
        columns = [column.name for column in constraint.columns]
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*expression-based index")
            unnamed = inspect(conn).get_unique_constraints(constraint.table.name)
        return any(found["column_names"] == columns for found in unnamed)
    if isinstance(difference, list) and len(difference) == 1:
        kind, _, table, column, _, was_nullable, nullable = difference[0]
        keys = inspect(conn).get_pk_constraint(table)["constrained_columns"]
        return kind == "modify_nullable" and keys == [column] and was_nullable and not nullable
    return False


async def release_differences(store: SqlStore) -> list[Any]:
    """`differences` of an upgraded old file, less those `unseen_by_sqlite_reflection`."""

    def remaining(conn: Connection) -> list[Any]:
        return [d for d in differences(conn) if not unseen_by_sqlite_reflection(conn, d)]

    async with store.database.engine.connect() as conn:
        return await conn.run_sync(remaining)


def row_counts(path: Path) -> dict[str, int]:
    """Rows in each table of a SQLite file (Alembic's own table left out)."""
    conn = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if name != "alembic_version"
        ]
        return {
            name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in tables
        }
    finally:
        conn.close()


def sqlite_index_sql(path: Path, name: str) -> str | None:
    """The CREATE INDEX statement SQLite keeps for an index."""
    conn = sqlite3.connect(path)
    try:
        row = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])
    finally:
        conn.close()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A SQLite file that does not exist yet."""
    return tmp_path / "backorder.sqlite3"


@pytest.fixture
def release_copy(tmp_path: Path) -> Path:
    """A copy of the database file the release before Alembic wrote (user_version 21)."""
    copy = tmp_path / "release.sqlite3"
    shutil.copy(RELEASE_FILE, copy)
    return copy


async def test_a_database_of_the_release_before_alembic_keeps_every_row(release_copy: Path) -> None:
    before = row_counts(release_copy)
    assert min(before.values()) >= 1

    store = await open_store(release_copy)
    try:
        order = await store.get_order("#1001")
        due = await store.due_messages(now=_at("2026-12-01T00:00:00Z"), after_id=0, limit=10)
        states = await store.notice_states(["#1001"])
        pending = await fetch_all(store, "SELECT id FROM notice_log WHERE delivery = 'pending'")
        version = await fetch_value(store, "SELECT version_num FROM alembic_version")
        assert await store.get_setting("link_secret") == "c2VjcmV0LXNlY3JldC1zZWNyZXQ"
        assert await store.order_ids_by_key("1001") == ["#1001"]
        assert await store.order_ids_by_handle("o_abc123") == ["#1001"]
    finally:
        await store.close()

    after = row_counts(release_copy)
    # Why: revisions after the baseline add tables; those start empty.
    assert {table: after[table] for table in before} == before
    assert not any(count for table, count in after.items() if table not in before)
    assert version == HEAD
    assert order is not None
    assert [(line.line_no, line.status.value) for line in order.lines] == [
        (1, "open"),
        (2, "shipped"),
    ]
    assert [(row.chat_id, row.text) for row in due] == [(5000000001, "<b>Retard</b>")]
    assert states["#1001"].consent is ConsentState.DEEMED
    assert [row.id for row in pending] == [1]


async def test_an_upgraded_release_database_takes_new_rows_after_its_old_ones(
    release_copy: Path,
) -> None:
    store = await open_store(release_copy)
    try:
        await store.set_setting("greeting", "hello")
        async with store.database.write() as conn:
            new_id = (
                await conn.execute(
                    events.insert().returning(events.c.id),
                    {
                        "type": "order.updated",
                        "order_id": "#1001",
                        "payload": "{}",
                        "created_at": "2026-12-01T00:00:00Z",
                    },
                )
            ).scalar_one()
    finally:
        await store.close()

    reopened = await open_store(release_copy)
    try:
        assert await reopened.get_setting("greeting") == "hello"
    finally:
        await reopened.close()
    assert new_id == 8


async def test_an_upgraded_release_database_has_the_declared_schema(release_copy: Path) -> None:
    store = await open_store(release_copy)
    try:
        assert await release_differences(store) == []
    finally:
        await store.close()
    # Why: SQLite reflection cannot read an expression index, so the comparison skips this one.
    assert sqlite_index_sql(release_copy, "outbox_pending_lane") == (
        "CREATE INDEX outbox_pending_lane ON outbox (status, (broadcast_id IS NOT NULL), id)"
    )


async def test_the_unseen_differences_of_an_old_file_are_the_expected_ones(
    release_copy: Path,
) -> None:
    store = await open_store(release_copy)
    try:
        async with store.database.engine.connect() as conn:
            found = await conn.run_sync(differences)
    finally:
        await store.close()

    kinds = {d[0] if isinstance(d, tuple) else d[0][0] for d in found}
    assert kinds == {"add_constraint", "modify_nullable"}


async def test_a_fresh_sqlite_database_is_built_by_the_revisions_to_the_declared_schema(
    db_path: Path,
) -> None:
    store = await open_store(db_path)
    try:
        assert await store_differences(store) == []
        assert await fetch_value(store, "SELECT version_num FROM alembic_version") == HEAD
    finally:
        await store.close()
    assert sqlite_index_sql(db_path, "outbox_pending_lane") == (
        "CREATE INDEX outbox_pending_lane ON outbox (status, (broadcast_id IS NOT NULL), id)"
    )


async def test_reopening_a_database_runs_nothing_and_keeps_the_data(database_url: str) -> None:
    store = await open_store(database_url)
    await execute(store, "INSERT INTO settings VALUES ('greeting', 'hello')")
    await store.close()

    reopened = await open_store(database_url)
    try:
        assert await fetch_value(reopened, "SELECT value FROM settings") == "hello"
        assert await fetch_value(reopened, "SELECT version_num FROM alembic_version") == HEAD
    finally:
        await reopened.close()


async def test_the_sqlite_database_runs_in_wal_mode_with_foreign_keys_on(db_path: Path) -> None:
    store = await open_store(db_path)
    try:
        assert await fetch_value(store, "PRAGMA journal_mode") == "wal"
        assert await fetch_value(store, "PRAGMA foreign_keys") == 1
    finally:
        await store.close()


async def test_a_failing_upgrade_leaves_the_file_as_it_was(db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE products (stray INTEGER)")
    conn.close()

    with pytest.raises(Exception, match="products"):
        await open_store(db_path)

    conn = sqlite3.connect(db_path)
    tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master")]
    conn.close()
    assert tables == ["products"]


async def test_an_older_file_gets_the_legacy_migrations_then_the_revisions(db_path: Path) -> None:
    old_release_file(db_path, 5, "INSERT INTO settings VALUES ('greeting', 'hello');")

    store = await open_store(db_path)
    try:
        assert await store.get_setting("greeting") == "hello"
        assert await release_differences(store) == []
        assert await fetch_value(store, "SELECT version_num FROM alembic_version") == HEAD
        assert await fetch_value(store, "PRAGMA user_version") == LEGACY_HEAD
    finally:
        await store.close()


async def test_orders_stored_before_the_lookup_key_existed_are_found_by_it(db_path: Path) -> None:
    old_release_file(db_path, 5, _ORDER_1001)

    store = await open_store(db_path)
    try:
        assert await store.order_ids_by_key("1001") == ["#1001"]
    finally:
        await store.close()


async def test_orders_stored_before_link_handles_existed_are_found_by_their_handle(
    db_path: Path,
) -> None:
    old_release_file(db_path, 6, _ORDER_1001)

    store = await open_store(db_path)
    try:
        assert await store.order_ids_by_handle(order_handle("#1001")) == ["#1001"]
    finally:
        await store.close()


def test_the_baseline_is_the_first_revision_and_frozen_revisions_do_not_import_the_schema() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    revisions = list(script.walk_revisions())
    assert revisions[-1].revision == BASELINE and revisions[-1].down_revision is None
    for revision in revisions:
        assert revision.path is not None
        imports = [
            line
            for line in Path(revision.path).read_text(encoding="utf-8").splitlines()
            if line.startswith(("import ", "from "))
        ]
        assert not [line for line in imports if "storage" in line or "bot" in line], imports


@pytest.mark.postgresql
async def test_a_fresh_postgresql_database_is_built_by_the_revisions_to_the_declared_schema(
    fresh_postgres: str,
) -> None:
    store = await open_store(fresh_postgres)
    try:
        assert await store_differences(store) == []
        assert await fetch_value(store, "SELECT version_num FROM alembic_version") == HEAD
        await execute(store, "INSERT INTO settings VALUES ('greeting', 'hello')")
    finally:
        await store.close()

    again = await open_store(fresh_postgres)
    try:
        assert await fetch_value(again, "SELECT value FROM settings") == "hello"
        assert await fetch_value(again, "SELECT count(*) FROM alembic_version") == 1
        assert await store_differences(again) == []
    finally:
        await again.close()


@pytest.mark.postgresql
async def test_two_instances_starting_together_on_a_fresh_postgresql_database_both_open(
    fresh_postgres: str,
) -> None:
    first, second = await asyncio.gather(open_store(fresh_postgres), open_store(fresh_postgres))
    try:
        assert await fetch_value(first, "SELECT version_num FROM alembic_version") == HEAD
        await execute(first, "INSERT INTO settings VALUES ('greeting', 'hello')")
        assert await fetch_value(second, "SELECT value FROM settings") == "hello"
    finally:
        await first.close()
        await second.close()


_ORDER_1001 = """
INSERT INTO customers (customer_id, name) VALUES ('C-1', 'Ann');
INSERT INTO orders (order_id, customer_id, placed_at, placed_at_utc, currency)
    VALUES ('#1001', 'C-1', '2026-12-01T09:00:00+00:00', '2026-12-01T09:00:00Z', 'EUR');
"""


def _at(text: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(text)


def check_constraints(conn: Connection) -> set[tuple[str, str | None]]:
    """(table, name) of every CHECK constraint the database has."""
    found = inspect(conn)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*expression-based index")
        return {
            (table, check["name"])
            for table in found.get_table_names()
            for check in found.get_check_constraints(table)
        }


async def test_the_revisions_create_every_declared_check_constraint(database_url: str) -> None:
    # Why: Alembic's comparison does not look at CHECK constraints; their names are compared here.
    declared = {
        (table.name, str(constraint.name))
        for table in metadata.tables.values()
        for constraint in table.constraints
        if isinstance(constraint, CheckConstraint)
    }
    store = await open_store(database_url)
    try:
        async with store.database.engine.connect() as conn:
            found = await conn.run_sync(check_constraints)
    finally:
        await store.close()

    assert len(declared) == 27
    assert found == declared


async def test_a_fresh_database_holds_the_rows_the_legacy_migrations_wrote(
    database_url: str, tmp_path: Path
) -> None:
    legacy = tmp_path / "legacy.sqlite3"
    old_release_file(legacy, LEGACY_HEAD)
    written = {table: rows for table, rows in table_rows(legacy).items() if rows}

    store = await open_store(database_url)
    try:
        found = {
            table: [tuple(row) for row in await fetch_all(store, f'SELECT * FROM "{table}"')]
            for table in metadata.tables
        }
    finally:
        await store.close()

    assert written == {"notice_id_mark": [(1, 0)]}
    assert {table: rows for table, rows in found.items() if rows} == written


def table_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of a SQLite file (SQLite's and Alembic's own tables left out)."""
    conn = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if name not in ("alembic_version", "sqlite_sequence")
        ]
        return {name: conn.execute(f'SELECT * FROM "{name}"').fetchall() for name in tables}
    finally:
        conn.close()


async def test_a_later_revision_may_rebuild_a_table_other_rows_point_at(
    release_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scripts = tmp_path / "alembic"
    shutil.copytree(SCRIPT_LOCATION, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "0002_rebuild.py").write_text(
        f"""from alembic import op
import sqlalchemy as sa

revision = "0002_rebuild"
down_revision = "{HEAD}"


def upgrade() -> None:
    with op.batch_alter_table("customers", recreate="always") as batch:
        batch.add_column(sa.Column("nickname", sa.Text()))
""",
        encoding="utf-8",
    )
    monkeypatch.setattr("storage.migrate.SCRIPT_LOCATION", scripts)

    store = await open_store(release_copy)
    try:
        assert await fetch_value(store, "SELECT version_num FROM alembic_version") == "0002_rebuild"
        assert await store.order_ids_by_key("1001") == ["#1001"]
        assert await fetch_value(store, "SELECT count(*) FROM customers") == 2
        assert await fetch_value(store, "PRAGMA foreign_keys") == 1
    finally:
        await store.close()
