"""Outbox dispatch through the sandbox with flood limits ×10 (300/s overall, 10/s per chat).

The sandbox runs in a process of its own, as Telegram would be elsewhere. Two workloads, each sent
by our dispatcher and, as the peer, by PTB's AIORateLimiter scaled the same way: N messages to N
customers, and N messages to N/5 customers (five each, queued together). Prints wall time, the
achieved rate as a fraction of the best rate the limits allow, and 429s received.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

from bot.clock import SystemClock
from bot.domain.outbox import OutgoingMessage
from bot.sandbox.client import SandboxClient
from bot.services.dispatcher import Dispatcher, DispatchLimits, sending_bot
from storage.store import open_store

TOKEN = "100000001:bench-dispatch"
GLOBAL_RATE = 300.0
CHAT_RATE = 10.0
MESSAGES = 5000
FIRST_USER = 1_000_000


@dataclass(frozen=True)
class Workload:
    """Messages in queue order, as (chat_id, text)."""

    name: str
    sends: tuple[tuple[int, str], ...]

    @property
    def allowed_rate(self) -> float:
        """The best sustained rate: the slower of the overall and the busiest chat's bound."""
        per_chat = Counter(chat_id for chat_id, _ in self.sends)
        overall_seconds = len(self.sends) / GLOBAL_RATE
        busiest_chat_seconds = max(per_chat.values()) / CHAT_RATE
        return len(self.sends) / max(overall_seconds, busiest_chat_seconds)


def workloads(scale: float) -> list[Workload]:
    """N messages to N customers, and N to N/5 customers, five each queued together."""
    total = max(10, round(MESSAGES * scale))
    one_each = tuple((FIRST_USER + n, f"Notice for {n}") for n in range(total))
    five_each = tuple(
        (FIRST_USER + customer, f"Notice {k} for {customer}")
        for customer in range(total // 5)
        for k in range(5)
    )
    return [
        Workload(f"{total} messages to {total} customers", one_each),
        Workload(f"{len(five_each)} messages to {total // 5} customers (5 each)", five_each),
    ]


@asynccontextmanager
async def _sandbox_with_users(chats: Sequence[int]) -> AsyncIterator[tuple[str, SandboxClient]]:
    """A fresh sandbox process with the limits ×10 and one user per chat: (Bot API URL, client)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "sandbox", "--port", "0", stdout=asyncio.subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        first_line = (await process.stdout.readline()).decode()
        api_base_url = first_line.split("Sandbox Bot API: ", 1)[1].split()[0]
        async with SandboxClient(api_base_url.removesuffix("/bot")) as client:
            await client.configure(global_rate=GLOBAL_RATE, per_chat_rate=CHAT_RATE)
            gate = asyncio.Semaphore(32)

            async def create(chat_id: int) -> None:
                async with gate:
                    await client.create_user(chat_id, "Customer")

            await asyncio.gather(*(create(chat_id) for chat_id in chats))
            # Why: fresh, full flood buckets for the measured run.
            await client.configure(global_rate=GLOBAL_RATE)
            yield api_base_url, client
    finally:
        process.send_signal(signal.SIGINT)
        await process.wait()


async def _ours(work: Workload) -> dict[str, object]:
    chats = sorted({chat_id for chat_id, _ in work.sends})
    async with _sandbox_with_users(chats) as (api_base_url, client):
        return await _dispatch(work, api_base_url, client)


async def _dispatch(work: Workload, api_base_url: str, client: SandboxClient) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        store = await open_store(Path(folder) / "bench.sqlite3")
        clock = SystemClock()
        messages = [
            OutgoingMessage(f"m{n}", chat_id, text) for n, (chat_id, text) in enumerate(work.sends)
        ]
        await store.enqueue_messages(messages, now=clock.now())
        limits = DispatchLimits(send_rate=GLOBAL_RATE, chat_send_rate=CHAT_RATE)
        dispatcher = Dispatcher(store, clock, limits=limits)
        try:
            async with sending_bot(TOKEN, api_base_url) as bot:
                started = time.perf_counter()
                sent = await dispatcher.run_once(bot, now=clock.now())
                wall = time.perf_counter() - started
            stats = await client.stats()
        finally:
            await store.close()
    return _figures(work, sent, wall, int(stats["rate_limited"]))


async def _peer(work: Workload) -> dict[str, object]:
    chats = sorted({chat_id for chat_id, _ in work.sends})
    async with _sandbox_with_users(chats) as (api_base_url, client):
        return await _limited(work, api_base_url, client)


async def _limited(work: Workload, api_base_url: str, client: SandboxClient) -> dict[str, object]:
    limiter: AIORateLimiter = AIORateLimiter(overall_max_rate=GLOBAL_RATE, max_retries=3)
    request = HTTPXRequest(connection_pool_size=64, pool_timeout=30.0)
    bot = ExtBot(TOKEN, base_url=api_base_url, request=request, rate_limiter=limiter)

    async def send(chat_id: int, text: str) -> bool:
        try:
            await bot.send_message(chat_id, text)
        except TelegramError:
            return False
        return True

    async with bot:
        started = time.perf_counter()
        results = await asyncio.gather(*(send(chat_id, text) for chat_id, text in work.sends))
        wall = time.perf_counter() - started
    stats = await client.stats()
    return _figures(work, sum(results), wall, int(stats["rate_limited"]))


def _figures(work: Workload, sent: int, wall: float, rate_limited: int) -> dict[str, object]:
    achieved = sent / wall if wall > 0 else 0.0
    return {
        "sent": sent,
        "of": len(work.sends),
        "wall_s": round(wall, 2),
        "rate_per_s": round(achieved, 1),
        "allowed_rate_per_s": round(work.allowed_rate, 1),
        "fraction_of_allowed": round(achieved / work.allowed_rate, 3),
        "429s": rate_limited,
    }


async def _measure(scale: float) -> dict[str, object]:
    results: dict[str, object] = {}
    for work in workloads(scale):
        results[work.name] = {
            "dispatcher": await _ours(work),
            "ptb_aioratelimiter": await _peer(work),
        }
    return results


def run(scale: float) -> dict[str, object]:
    """The figures for both workloads, ours next to the peer's."""
    return {
        "benchmark": "dispatch",
        "limits": {"overall_per_s": GLOBAL_RATE, "per_chat_per_s": CHAT_RATE},
        "goal": "fraction_of_allowed >= 0.95 and zero 429s on both workloads",
        "workloads": asyncio.run(_measure(scale)),
    }
