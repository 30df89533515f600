"""SQLite files as releases before Alembic left them, for tests of the upgrade in place."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.domain.handles import handle
from bot.domain.order_number import order_key
from storage.legacy_migrations import legacy_scripts


def old_release_file(path: Path, version: int, rows: str = "") -> None:
    """Write the schema of legacy migration `version` (PRAGMA user_version), then `rows` (SQL)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.create_function("order_key", 1, order_key, deterministic=True)
        conn.create_function("order_handle", 1, lambda key: handle("order", key))
        for number, script in legacy_scripts():
            if number <= version:
                conn.executescript(script)
                conn.execute(f"PRAGMA user_version = {number:d}")
        conn.executescript(rows)
    finally:
        conn.close()
