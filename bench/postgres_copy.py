"""A benchmark's shop, built on SQLite, copied into a fresh PostgreSQL database: the same rows
timed on both databases in one run.

The server comes from `BACKORDER_BENCH_POSTGRES_URL` (e.g. `postgresql://postgres@127.0.0.1:5432/
postgres`); without it the benchmarks time SQLite only. The copy is made in a database of its own,
dropped at the end.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import create_async_engine

from storage.database import database_url
from storage.schema import metadata
from storage.store import SqlStore, open_store

ENV = "BACKORDER_BENCH_POSTGRES_URL"
ROWS_PER_BATCH = 5000


def postgres_server() -> str | None:
    """The PostgreSQL server URL to time on as well, if one is configured."""
    return os.environ.get(ENV) or None


@asynccontextmanager
async def postgres_copy(source: SqlStore, server: str, name: str) -> AsyncIterator[SqlStore]:
    """A store on a new database of `server` holding every row of `source`, analyzed; the
    database is dropped afterwards. `name` (letters, digits, _) names it with the process id."""
    if not re.fullmatch(r"\w+", name):
        raise ValueError(f"not a database name part: {name!r}")
    database = f"bench_{name}_{os.getpid()}"
    admin = create_async_engine(database_url(server), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{database}"'))
            await conn.execute(text(f'CREATE DATABASE "{database}"'))
        target_url = database_url(server).set(database=database)
        target = await open_store(target_url.render_as_string(hide_password=False))
        try:
            for table in metadata.sorted_tables:
                async with source.database.read() as reader:
                    result = await reader.stream(select(table))
                    async for rows in result.mappings().partitions(ROWS_PER_BATCH):
                        async with target.database.write() as writer:
                            await writer.execute(table.insert(), [dict(row) for row in rows])
            async with target.database.engine.connect() as conn:
                autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.execute(text("VACUUM ANALYZE"))
            yield target
        finally:
            await target.close()
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{database}"'))
        await admin.dispose()
