"""A broadcast through the sandbox with flood limits ×10, and legal notices queued while it runs.

The sandbox runs in a process of its own (overall 300 messages/s, 1/s per chat as Telegram's), the
dispatcher sends at the same overall rate. A broadcast of N copies to N distinct chats is queued
(outbox rows with broadcast_id, the lower lane); while it is sent, 20 legal notices are queued at
random moments (the first lane, `Dispatcher.wake()` as the services do). Prints the achieved send
rate as a fraction of the allowed one (goal ≥ 0.95), the 429s (goal 0), and each notice's latency
from due to recorded as sent (p50 and max; goal ≤ 2 s). Then a smaller paid broadcast
(`allow_paid_broadcast`, the sandbox's paid limit 1000/s) and its achieved rate.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import statistics
import tempfile
import time
from contextlib import closing
from datetime import datetime
from pathlib import Path

from bench.dispatch import _sandbox_with_users
from bot.clock import SystemClock
from bot.domain.outbox import OutgoingMessage
from bot.sandbox.client import SandboxClient
from bot.services.dispatcher import Dispatcher, DispatchLimits, sending_bot
from storage.store import SqlStore, open_store

TOKEN = "100000001:bench-broadcast"
GLOBAL_RATE = 300.0
CHAT_RATE = 1.0
PAID_RATE = 1000.0
RECIPIENTS = 20_000
PAID_RECIPIENTS = 5_000
NOTICES = 20
FIRST_USER = 2_000_000
BROADCAST_ID = 1


def _copies(chats: list[int], broadcast_id: int) -> list[OutgoingMessage]:
    return [
        OutgoingMessage(
            f"broadcast:{broadcast_id}:C{chat_id}",
            chat_id,
            f"Supplier delay for <b>SKU-1</b>: your order {chat_id} now ships later.",
            customer_id=f"C{chat_id}",
            broadcast_id=broadcast_id,
        )
        for chat_id in chats
    ]


async def _notices_during(
    store: SqlStore, dispatcher: Dispatcher, chats: list[int], within: float, seed: int
) -> None:
    """Queue one legal notice per chat at random moments within `within` seconds."""
    rng = random.Random(seed)
    moments = sorted(rng.uniform(0.5, within) for _ in chats)
    started = time.perf_counter()
    clock = SystemClock()
    for chat_id, moment in zip(chats, moments, strict=True):
        await asyncio.sleep(max(0.0, moment - (time.perf_counter() - started)))
        notice = OutgoingMessage(
            f"notice:bench:{chat_id}",
            chat_id,
            "Your order is delayed: keep waiting or cancel for a full refund?",
            customer_id=f"C{chat_id}",
            urgent=True,
        )
        await store.enqueue_messages([notice], now=clock.now())
        dispatcher.wake()


def _latencies(database: Path) -> list[float]:
    with closing(sqlite3.connect(database)) as conn:
        rows = conn.execute(
            "SELECT due_at, sent_at FROM outbox WHERE broadcast_id IS NULL AND status = 'sent'"
        ).fetchall()
    return [
        (datetime.fromisoformat(sent) - datetime.fromisoformat(due)).total_seconds()
        for due, sent in rows
    ]


async def _send(
    client: SandboxClient,
    api_base_url: str,
    copies: list[int],
    notices: list[int],
    *,
    paid: bool,
) -> dict[str, object]:
    rate = PAID_RATE if paid else GLOBAL_RATE
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.sqlite3"
        store = await open_store(database)
        clock = SystemClock()
        try:
            await store.enqueue_messages(_copies(copies, BROADCAST_ID), now=clock.now())
            limits = DispatchLimits(
                send_rate=GLOBAL_RATE,
                chat_send_rate=CHAT_RATE,
                paid_broadcast=paid,
                paid_broadcast_rate=PAID_RATE,
            )
            dispatcher = Dispatcher(store, clock, limits=limits)
            async with sending_bot(TOKEN, api_base_url) as bot:
                started = time.perf_counter()
                expected = len(copies) / rate
                sent, _ = await asyncio.gather(
                    dispatcher.run_once(bot, now=clock.now()),
                    _notices_during(store, dispatcher, notices, 0.9 * expected, seed=9),
                )
                wall = time.perf_counter() - started
            stats = await client.stats()
        finally:
            await store.close()
        latencies = _latencies(database)
    achieved = sent / wall if wall > 0 else 0.0
    figures: dict[str, object] = {
        "sent": sent,
        "of": len(copies) + len(notices),
        "wall_s": round(wall, 2),
        "rate_per_s": round(achieved, 1),
        "allowed_rate_per_s": rate,
        "fraction_of_allowed": round(achieved / rate, 3),
        "429s": int(stats["rate_limited"]),
        "paid_messages": int(stats.get("paid_messages", 0)),
    }
    if latencies:
        figures["notice_latency_s"] = {
            "count": len(latencies),
            "p50": round(statistics.median(latencies), 3),
            "max": round(max(latencies), 3),
        }
    return figures


async def _measure(scale: float) -> dict[str, object]:
    recipients = max(100, round(RECIPIENTS * scale))
    copies = [FIRST_USER + n for n in range(recipients)]
    notices = [FIRST_USER + recipients + n for n in range(NOTICES)]
    async with _sandbox_with_users([*copies, *notices]) as (api_base_url, client):
        await client.configure(per_chat_rate=CHAT_RATE, global_rate=GLOBAL_RATE)
        free = await _send(client, api_base_url, copies, notices, paid=False)
    paid_count = max(100, round(PAID_RECIPIENTS * scale))
    paid_copies = copies[:paid_count]
    async with _sandbox_with_users([*paid_copies, *notices]) as (api_base_url, client):
        await client.configure(
            per_chat_rate=CHAT_RATE, global_rate=GLOBAL_RATE, paid_broadcast_rate=PAID_RATE
        )
        paid = await _send(client, api_base_url, paid_copies, notices, paid=True)
    return {"broadcast": free, "paid_broadcast": paid}


def run(scale: float) -> dict[str, object]:
    """The figures of a free broadcast with notices queued mid-way, and of a paid one."""
    return {
        "benchmark": "broadcast_send",
        "limits": {
            "overall_per_s": GLOBAL_RATE,
            "per_chat_per_s": CHAT_RATE,
            "paid_overall_per_s": PAID_RATE,
        },
        "goal": "fraction_of_allowed >= 0.95, zero 429s, notice latency max <= 2 s",
        "runs": asyncio.run(_measure(scale)),
    }
