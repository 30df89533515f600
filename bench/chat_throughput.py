"""Chat throughput: updates per second our bot handles for `/orders`, next to a bare PTB echo bot.

Both bots poll the same sandbox (flood limits off) and get the same queued updates: every simulated
customer's messages are queued first, then the bot starts polling and the clock runs until every
customer has every reply; the bots take turns for a few rounds and the medians are reported. With
the sandbox's flood limits off, our bot's own send limits are set out of the way too
(`BOT_SEND_RATE`), so both bots send as fast as they can. Our bot runs as `backorder-bot run`
does: the start-up catch-up (recompute, sweep) and the dispatch of the notices it queues happen
before the clock starts; the notice sweep job and the outbox dispatcher keep running in the
background while it answers. Prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bench.databases import Database, bench_database
from bot.app import build_application, start_fetching
from bot.config import Settings
from bot.context import Services
from bot.demo.seed import Shop, seed_store
from bot.i18n import Catalogs
from bot.jobs import catch_up, start_dispatching, stop_dispatching
from bot.polling import LongPolling
from bot.runtime import make_clock, make_rules
from bot.sandbox.client import SandboxClient
from bot.sandbox.config import SandboxConfig
from bot.sandbox.server import Sandbox
from storage.store import SqlStore, open_store

BOT_TOKEN = "100000001:bench-token"
CUSTOMERS = 200
MESSAGES_PER_CUSTOMER = 5
FIRST_USER_ID = 900000
SEND_CONCURRENCY = 64
REPLY_TIMEOUT = 600.0
ROUNDS = 3
# Why: the sandbox has no flood limits here, so the bot's limiter would be the only cap measured.
BOT_SEND_RATE = 1_000_000.0


@dataclasses.dataclass(frozen=True)
class Workload:
    """How many customers send how many messages each."""

    customers: int
    messages_per_customer: int
    rounds: int = ROUNDS

    @property
    def updates(self) -> int:
        """Total updates each bot handles."""
        return self.customers * self.messages_per_customer


def workload(scale: float) -> Workload:
    """The full workload at scale 1, proportionally fewer customers below."""
    return Workload(max(2, round(CUSTOMERS * scale)), MESSAGES_PER_CUSTOMER)


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text:
        await message.reply_text(message.text)


def _customers_with_open_orders(shop: Shop) -> list[str]:
    open_rows = (row for row in shop.orders if row["status"] == "open")
    return list(dict.fromkeys(row["customer_id"] for row in open_rows))


def build_echo_application(token: str, base_url: str) -> Application[Any, Any, Any, Any, Any, Any]:
    """The baseline: a bare PTB Application with one handler echoing text."""
    application = Application.builder().token(token).base_url(base_url).build()
    application.add_handler(MessageHandler(filters.TEXT, _echo))
    return application


@asynccontextmanager
async def initialized(
    application: Any, services: Services | None = None
) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """An initialized application (post_init run) and a function that starts its polling.

    With `services`, the application is our bot and runs as `bot.app.polling` runs it.
    """
    await application.initialize()
    polling = False
    fetching: LongPolling | None = None
    try:
        if application.post_init is not None:
            await application.post_init(application)
        if services is not None:
            await catch_up(application.bot_data, services)
            start_dispatching(application.bot_data, services)
            await _outbox_drained(services)

        async def start_polling() -> None:
            nonlocal polling, fetching
            if services is not None:
                await application.start()
                fetching = await start_fetching(application, poll_timeout=1)
            else:
                await application.updater.start_polling(poll_interval=0.0, timeout=1)
                await application.start()
            polling = True

        yield start_polling
    finally:
        await stop_dispatching(application.bot_data)
        if polling:
            await (fetching.stop() if fetching is not None else application.updater.stop())
            await application.stop()
        await application.shutdown()


async def _outbox_drained(services: Services) -> None:
    """Wait until the dispatcher has sent the start-up notices, so the clock counts only replies."""
    store = services.store
    deadline = time.perf_counter() + REPLY_TIMEOUT
    while await store.due_messages(now=services.clock.now(), after_id=0, limit=1):
        if time.perf_counter() > deadline:
            raise TimeoutError("the dispatcher did not send the start-up notices in time")
        await asyncio.sleep(0.05)


async def _send_all(client: SandboxClient, users: Sequence[int], work: Workload) -> None:
    gate = asyncio.Semaphore(SEND_CONCURRENCY)

    async def send(user_id: int) -> None:
        async with gate:
            await client.send_text(user_id, "/orders")

    for _ in range(work.messages_per_customer):
        await asyncio.gather(*(send(user_id) for user_id in users))


async def _replies_sent(client: SandboxClient) -> int:
    stats = await client.stats()
    return int(stats["messages_sent"])


async def _timed_run(
    client: SandboxClient,
    application: Any,
    users: Sequence[int],
    work: Workload,
    services: Services | None = None,
) -> float:
    """Updates per second from starting to poll until the bot has sent every reply."""
    async with initialized(application, services) as start_polling:
        await _send_all(client, users, work)
        expected = await _replies_sent(client) + work.updates
        started = time.perf_counter()
        await start_polling()
        deadline = started + REPLY_TIMEOUT
        while await _replies_sent(client) < expected:
            if time.perf_counter() > deadline:
                raise TimeoutError("the bot did not answer every message in time")
            await asyncio.sleep(0.02)
        elapsed = time.perf_counter() - started
    return work.updates / elapsed


async def _linked_users(store: SqlStore, work: Workload, settings: Settings) -> list[int]:
    """Seed a shop and link one chat per customer with an open order; the chats' user ids."""
    clock = make_clock(settings)
    shop = await seed_store(
        store,
        settings.db_path.parent,
        now=clock.now(),
        timezone=settings.timezone,
        rules=make_rules(settings),
        # Why: spare customers and orders, so enough of them have an open order.
        customers=work.customers * 3 // 2,
        orders=work.customers * 6,
    )
    customer_ids = _customers_with_open_orders(shop)[: work.customers]
    users = [FIRST_USER_ID + index for index in range(len(customer_ids))]
    for user_id, customer_id in zip(users, customer_ids, strict=True):
        await store.link_chat(user_id, customer_id, via="deep_link", actor="bench", at=clock.now())
    return users


async def measure(work: Workload, database: Database = "sqlite") -> dict[str, float]:
    """Run both bots on one sandbox with the same users and messages; return the figures."""
    with tempfile.TemporaryDirectory(prefix="bench-chat-") as workdir:
        async with AsyncExitStack() as cleanup:
            target = await cleanup.enter_async_context(bench_database(database, "chat"))
            settings = Settings(
                token=BOT_TOKEN,
                db_path=Path(workdir) / "bench.sqlite3",
                send_rate=BOT_SEND_RATE,
                chat_send_rate=BOT_SEND_RATE,
            )
            store = await open_store(target)
            cleanup.push_async_callback(store.close)
            users = await _linked_users(store, work, settings)
            # Every user sends the same number of messages, so the totals follow the user count.
            work = dataclasses.replace(work, customers=len(users))
            sandbox = Sandbox(SandboxConfig(global_rate=None, per_chat_rate=None))
            await sandbox.start("127.0.0.1", port=0)
            cleanup.push_async_callback(sandbox.stop)
            client = await cleanup.enter_async_context(SandboxClient(sandbox.base_url))
            # Our bot's token names the sandbox's default bot, so the users exist for both bots.
            for user_id in users:
                await client.create_user(user_id, f"Customer {user_id}", language_code="en")
            services = Services(
                dataclasses.replace(settings, api_base_url=sandbox.api_base_url),
                store,
                make_clock(settings),
                make_rules(settings),
                Catalogs.load(default_language="en"),
            )
            bot_rates: list[float] = []
            echo_rates: list[float] = []
            # Why: alternating rounds and taking medians keeps a busy machine from favouring one.
            for _ in range(work.rounds):
                bot = build_application(services)
                bot_rates.append(await _timed_run(client, bot, users, work, services))
                echo = build_echo_application(BOT_TOKEN, sandbox.api_base_url)
                echo_rates.append(await _timed_run(client, echo, users, work))
            bot_rate, echo_rate = statistics.median(bot_rates), statistics.median(echo_rates)
    return {
        "customers": work.customers,
        "updates": work.updates,
        "bot_updates_per_s": round(bot_rate, 1),
        "echo_updates_per_s": round(echo_rate, 1),
        "ratio": round(bot_rate / echo_rate, 3),
        "rounds": work.rounds,
    }


def run(scale: float, database: Database = "sqlite") -> dict[str, object]:
    """The figures at this scale, for `python -m bench`."""
    return {
        "benchmark": "chat_throughput",
        "database": database,
        **asyncio.run(measure(workload(scale), database)),
        "bot_send_rate": "unlimited: sandbox flood limits off",
        "bot_background": "notice sweep job and outbox dispatcher running",
    }


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its JSON figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.chat_throughput", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the 200 customers")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.scale)))


if __name__ == "__main__":
    main()
