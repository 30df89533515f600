"""Schema upgrades on start: Alembic revisions on both databases, old SQLite files first bridged.

`migrate(database)` brings any database the bot may meet to the newest revision in ONE
transaction (both databases roll DDL back: a failed upgrade leaves the database as it was):
- a fresh database: every revision from nothing (the baseline creates today's schema);
- a database Alembic manages (`alembic_version`): the revisions it has not had yet;
- a SQLite file of a release before Alembic (`PRAGMA user_version` 1..21, no `alembic_version`):
  the frozen legacy SQL migrations up to 21 (storage/legacy_migrations), a stamp at the baseline
  revision (whose schema is exactly what 21 leaves), then the later revisions. No row is copied or
  rewritten by the bridge beyond what those old migrations did.
On PostgreSQL a transaction-level advisory lock serializes instances starting together: the
second waits, then finds the schema at head and runs nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, func, inspect, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.database import Database
from storage.legacy_migrations import LEGACY_HEAD, apply_legacy, legacy_version

log = logging.getLogger(__name__)
# Why: Alembic tells at INFO what it does on every start ("Context impl SQLiteImpl."); a start is
# routine and `run` keeps its start-up to one line. Upgrades of old files are logged here instead.
logging.getLogger("alembic").setLevel(logging.WARNING)

SCRIPT_LOCATION = Path(__file__).parent / "alembic"
# The revision whose schema is what the legacy migrations leave at user_version 21.
BASELINE = "0001_baseline"
# pg_advisory_xact_lock key of schema upgrades (any fixed 64-bit number; "bo-migr" in ASCII).
MIGRATION_LOCK_KEY = 0x626F2D6D696772


def alembic_config() -> Config:
    """Alembic's configuration for the revisions shipped in this package (no file needed)."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    return config


async def migrate(database: Database) -> None:
    """Upgrade the database to the newest revision, in one transaction (see the module doc).

    Raises whatever the database raises; nothing is changed then.
    """
    raw = database.sqlite_driver
    if raw is not None:
        # Why: a revision that rebuilds a table (SQLite's batch mode: copy, drop, rename) must not
        # trip the foreign keys of rows that point at it; SQLite's own recipe for schema changes
        # turns them off outside the transaction and checks every key before it commits.
        await raw.execute("PRAGMA foreign_keys = OFF")
    try:
        async with database.write() as conn:
            await lock_migrations(conn)
            await conn.run_sync(_upgrade_to_head)
            if raw is not None:
                broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).first()
                if broken is not None:
                    raise RuntimeError(f"the upgrade broke a foreign key of table {broken[0]}")
    finally:
        if raw is not None:
            await raw.execute("PRAGMA foreign_keys = ON")


async def lock_migrations(conn: AsyncConnection) -> None:
    """On PostgreSQL, wait for the schema-upgrade lock until this transaction ends; else nothing."""
    if conn.dialect.name == "postgresql":
        await conn.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK_KEY)))


def _upgrade_to_head(conn: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = conn
    command.upgrade(config, "head")


def migrate_connection(
    conn: Connection, run: Callable[[Connection], None], script: ScriptDirectory, *, bridge: bool
) -> None:
    """With `bridge`, bring an old SQLite file to the baseline; then `run` Alembic on `conn`."""
    if bridge and conn.dialect.name == "sqlite":
        bridge_legacy_sqlite(conn, script)
    run(conn)


async def run_cli_migration(
    target: str, run: Callable[[Connection], None], script: ScriptDirectory, *, bridge: bool
) -> None:
    """The `alembic` command line on `target`: one locked transaction, as on start."""
    database = await Database.open(target)
    try:
        async with database.write() as conn:
            await lock_migrations(conn)
            await conn.run_sync(migrate_connection, run, script, bridge=bridge)
    finally:
        await database.close()


def bridge_legacy_sqlite(conn: Connection, script: ScriptDirectory) -> bool:
    """Bring a SQLite file of the release before Alembic to the baseline and stamp it there.

    Returns True when the file was one (user_version > 0, no alembic_version table). Runs inside
    the caller's transaction.
    """
    if inspect(conn).has_table("alembic_version"):
        return False
    version = legacy_version(conn)
    if version == 0:
        return False
    if version > LEGACY_HEAD:
        raise RuntimeError(f"the database's user_version {version} is newer than this release")
    applied = apply_legacy(conn)
    MigrationContext.configure(conn).stamp(script, BASELINE)
    log.info(
        "upgrading a SQLite database of the release before Alembic (schema %d): "
        "%d legacy migrations, then the Alembic revisions",
        version,
        len(applied),
    )
    return True
