"""The storage hot paths one at a time: an update recorded and marked handled, a queue of
notifications, and the dispatcher's look, claim and record of each row (wall and CPU time).

`python -m bench.storage_hot_paths [--scale F] [--database URL]`: a temporary SQLite file by
default, or a new database on the PostgreSQL server of an admin URL (made and dropped here).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.domain.outbox import Delivery, OutgoingMessage
from bot.domain.update_inbox import InboxedUpdate
from storage.database import database_url
from storage.store import SqlStore, open_store

NAME = "storage_hot_paths"
UPDATES = 2000
QUEUED = 20_000
DISPATCHED = 2000
BATCH = 100
SENT_BATCH = 20
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


class Timer:
    """Wall and CPU seconds of a block."""

    def __enter__(self) -> Timer:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


async def measure(store: SqlStore, scale: float) -> dict[str, object]:
    """Time each path on an empty store."""
    updates, queued = max(50, round(UPDATES * scale)), max(500, round(QUEUED * scale))
    dispatched = min(queued, max(BATCH, round(DISPATCHED * scale)))
    with Timer() as inbox:
        for n in range(1, updates + 1):
            await store.record_updates([InboxedUpdate(n, {"update_id": n})], now=NOW)
            await store.mark_updates_handled([n], now=NOW)
    messages = [OutgoingMessage(f"k{n}", 1000 + n % 5000, f"Notice {n}") for n in range(queued)]
    with Timer() as queue:
        await store.enqueue_messages(messages, now=NOW)
    clock, after, done = time.time(), 0, 0
    with Timer() as dispatch:
        while done < dispatched:
            rows = await store.due_messages(
                now=NOW, after_id=after, limit=BATCH, sender="bench", clock=clock, lane="first"
            )
            after = rows[-1].row_id
            for start in range(0, len(rows), SENT_BATCH):
                batch = rows[start : start + SENT_BATCH]
                for row in batch:
                    await store.claim_message(
                        row.row_id, sender="bench", clock=clock, until=clock + 120
                    )
                await store.mark_sent(
                    [Delivery(row.row_id, 1) for row in batch], at=NOW, sender="bench"
                )
            done += len(rows)
    return {
        "benchmark": NAME,
        "database": store.database.dialect,
        "inbox_ms_per_update": round(inbox.wall / updates * 1000, 3),
        "inbox_cpu_ms_per_update": round(inbox.cpu / updates * 1000, 3),
        "queue_s": round(queue.wall, 3),
        "queued": queued,
        "dispatch_ms_per_row": round(dispatch.wall / done * 1000, 3),
        "dispatch_cpu_ms_per_row": round(dispatch.cpu / done * 1000, 3),
        "dispatched": done,
    }


@asynccontextmanager
async def opened(server: str | None) -> AsyncIterator[SqlStore]:
    """A store on a temporary SQLite file, or on a new database of the PostgreSQL `server`."""
    if server is None:
        with tempfile.TemporaryDirectory(prefix="bench-hot-") as folder:
            store = await open_store(Path(folder) / "hot.sqlite3")
            try:
                yield store
            finally:
                await store.close()
        return
    name = f"bench_hot_paths_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(database_url(server), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        store = await open_store(make_url(server).set(database=name).render_as_string(False))
        try:
            yield store
        finally:
            await store.close()
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


def run(scale: float = 1.0, server: str | None = None) -> dict[str, object]:
    """The figures at this scale on SQLite (or on PostgreSQL with an admin URL)."""

    async def go() -> dict[str, object]:
        async with opened(server) as store:
            return await measure(store, scale)

    return asyncio.run(go())


def main(argv: Sequence[str] | None = None) -> int:
    """Print the figures as one JSON object."""
    parser = argparse.ArgumentParser(prog="python -m bench.storage_hot_paths", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full sizes")
    parser.add_argument("--database", help="PostgreSQL admin URL (default: a SQLite file)")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.scale, args.database)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
