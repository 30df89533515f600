"""Alembic's environment: runs the revisions on the store's own connection, for both databases.

Two ways in:
- `open_store` (storage/migrate.py) hands an open connection, already inside its transaction, in
  `config.attributes["connection"]`: the upgrade runs there and commits with that transaction.
- The `alembic` command line (`.venv/bin/alembic upgrade head`, `revision --autogenerate`) opens the
  configured database (`BACKORDER_DATABASE_URL`, else the SQLite file `BACKORDER_DB`, as the bot
  does; `.env` included) and runs the same steps in one transaction of its own.
On SQLite a file of the release before Alembic is first brought to the baseline by the legacy
bridge (storage/migrate.py), so both ways upgrade an old file in place alike (the command line
only with `upgrade`; other commands see such a file as not yet under Alembic).
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection

from bot.config import load_settings
from storage.migrate import migrate_connection, run_cli_migration
from storage.schema import metadata


def run_migrations(connection: Connection) -> None:
    """Configure Alembic on `connection` (inside a transaction) and run what the command asks."""
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # Why: SQLite alters a table by copying it; batch mode lets later revisions do that.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    """Run offline (SQL printed), on a handed connection, or on the configured database."""
    if context.is_offline_mode():
        raise SystemExit("offline (--sql) mode is not supported: run against a database")
    handed = context.config.attributes.get("connection")
    if handed is not None:
        migrate_connection(handed, run_migrations, context.script, bridge=True)
    else:
        target = str(load_settings().database_target)
        # Why: only an upgrade may bridge an old file (it commits); `current` or `check` must not.
        command = getattr(context.config.cmd_opts, "cmd", (None,))[0]
        bridge = getattr(command, "__name__", "") == "upgrade"
        asyncio.run(run_cli_migration(target, run_migrations, context.script, bridge=bridge))


main()
