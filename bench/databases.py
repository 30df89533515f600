"""The databases a benchmark runs on: a SQLite file, and PostgreSQL when a server is at hand.

`python -m bench` runs each database-touching benchmark once per database in the same run. The
PostgreSQL server is the admin URL in BACKORDER_BENCH_POSTGRES_URL; unset, `python -m bench` starts
a throwaway cluster (tests/postgres_cluster.py) for the run and stops it at the end; with
`--sqlite-only`, or when no PostgreSQL binaries are installed, only SQLite runs. Each benchmark
creates a database of its own on that server (`bench_<random>`) and drops it afterwards.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Literal
from uuid import uuid4

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import make_url

URL_VARIABLE = "BACKORDER_BENCH_POSTGRES_URL"
Database = Literal["sqlite", "postgresql"]

# The previous release's figures (README benchmark table, SQLite only: no PostgreSQL before).
PREVIOUS: dict[str, dict[Database, str]] = {
    "eta_recompute": {"sqlite": "1.06x floor (21.2 s vs 19.9 s), peak RSS 382 MiB"},
    "status_lookup": {"sqlite": "p50 0.30 ms, p99 0.61 ms"},
    "cancel_recompute": {"sqlite": "p50 40.5 ms, p99 60.7 ms"},
    "staff_po_change": {"sqlite": "2.3 s"},
    "chat_throughput": {"sqlite": "ratio 0.51 (403 vs 793 updates/s)"},
}


def previous(benchmark: str, database: Database) -> str:
    """The previous release's figure of a benchmark on a database ('none' when there was none)."""
    return PREVIOUS.get(benchmark, {}).get(database, "none (new in this release)")


def postgres_admin_url() -> str | None:
    """The admin URL of the PostgreSQL server for benchmarks, if one is set."""
    return os.environ.get(URL_VARIABLE) or None


@asynccontextmanager
async def bench_database(database: Database, prefix: str) -> AsyncIterator[str]:
    """A fresh, empty store target: a SQLite file path, or the URL of a new PostgreSQL database
    (created on the server of BACKORDER_BENCH_POSTGRES_URL, dropped at the end)."""
    if database == "sqlite":
        with tempfile.TemporaryDirectory(prefix=f"bench-{prefix}-") as folder:
            yield str(Path(folder) / "shop.sqlite3")
        return
    admin = postgres_admin_url()
    if admin is None:
        raise RuntimeError(f"{URL_VARIABLE} is not set")
    name = f"bench_{prefix}_{uuid4().hex[:8]}".replace("-", "_")
    url = make_url(admin)
    server = url.set(drivername="postgresql")
    await _admin(server.render_as_string(hide_password=False), f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        await _admin(
            server.render_as_string(hide_password=False), f'DROP DATABASE "{name}" WITH (FORCE)'
        )


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()
