"""Empty PostgreSQL databases for tests of what happens before any schema exists (upgrades, locks).

The server is BACKORDER_TEST_POSTGRES_URL (an admin URL); tests using `needs_postgres` are skipped
when it is unset.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from storage.database import database_url

POSTGRES_SERVER = os.environ.get("BACKORDER_TEST_POSTGRES_URL", "").strip()
needs_postgres = pytest.mark.skipif(
    not POSTGRES_SERVER, reason="BACKORDER_TEST_POSTGRES_URL names no PostgreSQL server"
)


@asynccontextmanager
async def empty_postgres_database() -> AsyncIterator[str]:
    """The URL of a new, empty database on the test server; dropped at the end (sessions ended)."""
    name = f"alembic_test_{uuid.uuid4().hex[:12]}"
    server = database_url(POSTGRES_SERVER)
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield server.set(drivername="postgresql", database=name).render_as_string(
                hide_password=False
            )
        finally:
            async with admin.connect() as conn:
                await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.dispose()
