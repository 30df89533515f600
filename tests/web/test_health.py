"""GET /healthz: database reachable, leader or follower, outbox backlog (DESIGN §13)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from urllib.parse import urlsplit

from bot.domain.outbox import OutgoingMessage
from storage.store import SqlStore
from tests.databases import drop_database, is_postgres, with_database
from tests.e2e import shop
from tests.web.conftest import Web


async def queue_messages(store: SqlStore, count: int) -> None:
    """`count` pending outbox rows."""
    await store.enqueue_messages(
        [OutgoingMessage(f"health-{n}", 700 + n, f"notice {n}") for n in range(count)],
        now=shop.NOW,
    )


async def database_gone(store: SqlStore, database_url: str) -> None:
    """The database disappears under the running server: dropped, or its file replaced."""
    if is_postgres(database_url):
        name = urlsplit(database_url).path.lstrip("/")
        await asyncio.to_thread(drop_database, with_database(database_url, "postgres"), name)
        return
    await store.close()
    path = Path(database_url)
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    # Why: a folder where the file was: the database cannot even be created again.
    os.mkdir(path)


async def test_healthz_answers_200_with_the_database_the_role_and_the_backlog(
    web_server: Web, store: SqlStore
) -> None:
    await queue_messages(store, 3)
    status, body = await web_server.get_json("/healthz")
    assert status == 200
    assert body == {"status": "ok", "database": True, "role": "leader", "outbox_backlog": 3}


async def test_healthz_reports_a_follower_as_the_role_provider_says(web_server: Web) -> None:
    web_server.role[0] = "follower"
    status, body = await web_server.get_json("/healthz")
    assert (status, body["role"], body["outbox_backlog"]) == (200, "follower", 0)


async def test_sent_messages_leave_the_backlog(web_server: Web, store: SqlStore) -> None:
    await queue_messages(store, 2)
    [first, _] = await store.due_messages(now=shop.NOW, after_id=0, limit=10)
    await store.mark_failed(first.row_id, attempts=1, error="400: chat not found", sender=None)
    _, body = await web_server.get_json("/healthz")
    assert body["outbox_backlog"] == 1


async def test_healthz_answers_503_when_the_database_is_gone(
    web_server: Web, store: SqlStore, database_url: str
) -> None:
    await database_gone(store, database_url)
    status, body = await web_server.get_json("/healthz")
    assert status == 503
    assert body == {
        "status": "unavailable",
        "database": False,
        "role": "leader",
        "outbox_backlog": None,
    }
