"""What a fresh PostgreSQL database costs each test of the suite (tests/conftest.py).

`python -m bench.pg_test_databases [--count N] [--test-seconds S]` migrates a template with
`open_store`, then prints one JSON object: milliseconds per `CREATE DATABASE ... TEMPLATE` and per
`DROP DATABASE` done in line (what a test would wait for), and the wait per test that is left with
the suite's DatabaseMaker (databases made one test ahead and dropped behind), for tests lasting S
seconds. The server is BACKORDER_TEST_POSTGRES_URL when set, else a throwaway cluster.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Sequence

import asyncpg  # type: ignore[import-untyped]

from storage.store import open_store
from tests.databases import (
    DatabaseMaker,
    create_database,
    drop_database,
    run_async,
    unique_name,
)
from tests.postgres_cluster import URL_VARIABLE, start, stop


async def _migrated(url: str) -> int:
    """Migrate the database at url with open_store; return its number of tables."""
    store = await open_store(url)
    await store.close()
    connection = await asyncpg.connect(url)
    try:
        count: int = await connection.fetchval(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        )
        return count
    finally:
        await connection.close()


def _ms(since: float) -> float:
    return (time.perf_counter() - since) * 1000


def _figures(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "median": round(statistics.median(ordered), 1),
        "p90": round(ordered[int(len(ordered) * 0.9)], 1),
    }


def measure(server: str, count: int, test_seconds: float) -> dict[str, object]:
    """The figures (see the module docstring) on the server at the admin URL `server`."""
    template = unique_name("template")
    tables = run_async(_migrated(create_database(server, template)))
    try:
        creates, drops = [], []
        for _ in range(count):
            name = unique_name("bench")
            started = time.perf_counter()
            create_database(server, name, template)
            creates.append(_ms(started))
            started = time.perf_counter()
            drop_database(server, name)
            drops.append(_ms(started))
        maker = DatabaseMaker(server, template)
        waits = []
        try:
            maker.drop_later(maker.take())  # Why: the first test of a session waits in full.
            for _ in range(count):
                started = time.perf_counter()
                name = maker.take()
                waited = _ms(started)
                time.sleep(test_seconds)
                started = time.perf_counter()
                maker.drop_later(name)
                waits.append(waited + _ms(started))
        finally:
            maker.close()
    finally:
        drop_database(server, template)
    return {
        "benchmark": "pg_test_databases",
        "template_tables": tables,
        "count": count,
        "create_ms": _figures(creates),
        "drop_ms": _figures(drops),
        "test_seconds": test_seconds,
        "maker_wait_ms": _figures(waits),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options, run on the configured or a throwaway server, print the JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.pg_test_databases", description=__doc__)
    parser.add_argument("--count", type=int, default=30, help="databases per figure (default 30)")
    parser.add_argument(
        "--test-seconds", type=float, default=0.5, help="how long each simulated test runs"
    )
    args = parser.parse_args(argv)
    server = os.environ.get(URL_VARIABLE, "").strip()
    if server:
        figures = measure(server, args.count, args.test_seconds)
    else:
        cluster = start()
        try:
            figures = measure(cluster.url, args.count, args.test_seconds)
        finally:
            stop(cluster.folder)
    print(json.dumps(figures), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
