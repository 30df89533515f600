"""The SQLite migrations of the releases before Alembic, frozen: they bring an old file to 21.

Why these files stay: a SQLite database written by an older release (`PRAGMA user_version` 1..20)
has only part of the schema the Alembic baseline describes, and its rows must survive. Replaying
the very SQL that release line would have run is the one way to reach exactly the schema (and the
filled-in columns, e.g. `orders.order_key`) a file at version 21 has; from there the file is
stamped at the baseline revision and Alembic takes over. Nothing here changes any more: never edit
these files, and never add one (new changes are Alembic revisions in storage/alembic/versions).
This module must not import storage.schema: it describes the past, not today's tables.
"""

from __future__ import annotations

import re
import sqlite3
from importlib import resources

from sqlalchemy import Connection

from bot.domain.handles import handle
from bot.domain.order_number import order_key

# The version the last legacy migration leaves; the Alembic baseline is this schema.
LEGACY_HEAD = 21
_NAME = re.compile(r"^(\d{4})_\w+\.sql$")


def legacy_version(conn: Connection) -> int:
    """`PRAGMA user_version` of a SQLite database: the last legacy migration applied (0: none)."""
    return int(conn.exec_driver_sql("PRAGMA user_version").scalar_one())


def legacy_scripts() -> list[tuple[int, str]]:
    """(version, SQL) of every legacy migration, in version order."""
    found = []
    for entry in resources.files(__name__).iterdir():
        if match := _NAME.match(entry.name):
            found.append((int(match[1]), entry.read_text(encoding="utf-8")))
    return sorted(found)


def apply_legacy(conn: Connection, *, up_to: int = LEGACY_HEAD) -> list[int]:
    """Run the legacy migrations newer than the file's user_version, up to `up_to`.

    `conn` is a SQLite connection inside the caller's transaction (nothing is committed here: the
    caller's one transaction holds the whole upgrade). Returns the versions applied.
    """
    driver = conn.connection.dbapi_connection
    assert driver is not None
    # Why: 0006/0007 fill derived columns with the same pure rules the code applies to new rows,
    # so an old order is found by the key and handle today's code computes.
    driver.create_function("order_key", 1, order_key, deterministic=True)
    driver.create_function("order_handle", 1, _order_handle, deterministic=True)
    current = legacy_version(conn)
    applied = []
    for version, script in legacy_scripts():
        if current < version <= up_to:
            for statement in _statements(script):
                conn.exec_driver_sql(statement)
            # Why: PRAGMA takes no parameters; the version is an int parsed from a file name.
            conn.exec_driver_sql(f"PRAGMA user_version = {version:d}")
            applied.append(version)
    return applied


def _order_handle(order_id: str) -> str:
    return handle("order", order_id)


def _statements(script: str) -> list[str]:
    # Why: executescript() would COMMIT on its own, outside the caller's transaction.
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending)
            pending = ""
    if pending.strip():
        statements.append(pending)
    return [statement for statement in statements if _has_sql(statement)]


def _has_sql(statement: str) -> bool:
    return any(
        line.strip() and not line.strip().startswith("--") for line in statement.splitlines()
    )
