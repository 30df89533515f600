"""Leader takeover: two `backorder-bot run` on one PostgreSQL database, the leader SIGKILLed in
the middle of a dispatch of 1,000 queued messages (tests/instances/takeover.py).

Prints JSON: seconds from the SIGKILL to the follower logging that it leads (it tries for the
leader lock every second, so about 1 s plus the moment the server needs to end the killed
session), messages sent before the kill, duplicates, and whether every message arrived in order.
PostgreSQL only (on SQLite one instance runs).
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from bench.databases import Database, bench_database
from bot.sandbox.client import SandboxClient
from bot.sandbox.config import SandboxConfig
from bot.sandbox.server import Sandbox
from storage.store import open_store
from tests.instances.takeover import CHATS, PER_CHAT, kill_the_leader_mid_dispatch

NAME = "takeover"


def run(scale: float, database: Database) -> dict[str, object]:
    """The figures of one takeover (`scale` is not used: the scenario is 1,000 messages)."""
    if database != "postgresql":
        return {"benchmark": NAME, "database": database, "skipped": "one instance on SQLite"}
    return asyncio.run(_takeover())


async def _takeover() -> dict[str, object]:
    async with bench_database("postgresql", NAME) as url:
        store = await open_store(url)
        sandbox = Sandbox(SandboxConfig(global_rate=None, per_chat_rate=None))
        await sandbox.start()
        try:
            async with SandboxClient(sandbox.base_url) as client:
                with tempfile.TemporaryDirectory(prefix="bench-takeover-") as folder:
                    result = await kill_the_leader_mid_dispatch(
                        store, sandbox, client, url, Path(folder)
                    )
        finally:
            await sandbox.stop()
            await store.close()
    total = CHATS * PER_CHAT
    return {
        "benchmark": NAME,
        "database": "postgresql",
        "messages": total,
        "sent_before_kill": result.sent_at_kill,
        "takeover_seconds": round(result.seconds, 3),
        "delivered": len(result.arrived),
        "duplicates": sum(count - 1 for count in result.arrived.values()),
        "in_order": result.in_order,
    }
