"""Webhook vs polling: updates per second our bot handles for `/orders` taking its updates by
webhook (the sandbox POSTing each update to our web server as Telegram does)
and by long polling, on one instance, with the workload of bench/chat_throughput.py.

The sandbox runs in a process of its own, as Telegram is not in the bot's process. Every simulated
customer's messages are queued in the sandbox first; the clock starts when the
bot starts taking updates (getUpdates, or setWebhook) and stops when every customer has every
reply. The two modes take turns for a few rounds and the medians are reported; goal: webhook
≥ 1.0× polling. Our bot runs as `backorder-bot run` does (start-up catch-up done and its
notices sent before the clock starts; the sweep job and the dispatcher running). Prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from bench.chat_throughput import (
    BOT_SEND_RATE,
    BOT_TOKEN,
    REPLY_TIMEOUT,
    Workload,
    _linked_users,
    _replies_sent,
    _send_all,
    initialized,
    workload,
)
from bench.databases import Database, bench_database
from bot.app import BotApplication, build_application, start_webhook
from bot.config import Settings
from bot.context import Services
from bot.i18n import Catalogs
from bot.jobs import catch_up, start_dispatching, stop_dispatching
from bot.runtime import make_clock, make_rules
from bot.sandbox.client import SandboxClient
from bot.web.server import build_web_app, serving
from bot.web.webhook import WebhookIntake
from storage.store import open_store

NAME = "webhook"
SANDBOX_START_SECONDS = 30.0
UNLIMITED = 1_000_000_000
WEBHOOK_SECRET = "bench-webhook-secret"
WEBHOOK_PATH = "/telegram"


@asynccontextmanager
async def webhook_initialized(
    services: Services,
) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """Our bot, initialized as `bot.app.running` does, behind its web server on a free port, and
    a function that starts taking updates by webhook (setWebhook)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    services = dataclasses.replace(
        services,
        settings=dataclasses.replace(
            services.settings,
            webhook_url=f"http://127.0.0.1:{port}{WEBHOOK_PATH}",
            webhook_secret=WEBHOOK_SECRET,
        ),
    )
    application: BotApplication = build_application(services)
    intake = WebhookIntake(WEBHOOK_SECRET, WEBHOOK_PATH)
    async with serving(build_web_app(services, webhook=intake), "127.0.0.1", 0, sock=sock):
        await application.initialize()
        started = False
        try:
            if application.post_init is not None:
                await application.post_init(application)
            await catch_up(application.bot_data, services)
            start_dispatching(application.bot_data, services)
            await _outbox_drained(services)

            async def start_webhook_delivery() -> None:
                nonlocal started
                await application.start()
                started = True
                await start_webhook(application, intake)

            yield start_webhook_delivery
        finally:
            await stop_dispatching(application.bot_data)
            if started:
                await intake.stop()
                # Why: `run` leaves the webhook set; here the polling round comes next, and
                # its queued updates would otherwise be posted to this closed server first.
                await application.bot.delete_webhook()
                await application.stop()
            await application.shutdown()


@asynccontextmanager
async def sandbox_process() -> AsyncIterator[str]:
    """`backorder-bot sandbox` in a process of its own (Telegram is not in the bot's process: in
    one process its side of each webhook POST would be billed to the bot); its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "sandbox",
        "--port",
        str(port),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), SANDBOX_START_SECONDS)
        if b"Sandbox Bot API" not in line:
            raise RuntimeError("the sandbox did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(process.wait(), SANDBOX_START_SECONDS)
        except TimeoutError:
            process.kill()
            await process.wait()


async def _outbox_drained(services: Services) -> None:
    store = services.store
    deadline = time.perf_counter() + REPLY_TIMEOUT
    while await store.due_messages(now=services.clock.now(), after_id=0, limit=1):
        if time.perf_counter() > deadline:
            raise TimeoutError("the dispatcher did not send the start-up notices in time")
        await asyncio.sleep(0.05)


async def _timed(
    client: SandboxClient,
    start: Callable[[], Awaitable[None]],
    users: Sequence[int],
    work: Workload,
) -> tuple[float, float]:
    """Updates per second from `start` until the bot has sent every reply, and this process's
    CPU milliseconds per update meanwhile (the bot's; the sandbox runs in a process of its own)."""
    await _send_all(client, users, work)
    expected = await _replies_sent(client) + work.updates
    started, cpu = time.perf_counter(), time.process_time()
    await start()
    deadline = started + REPLY_TIMEOUT
    while await _replies_sent(client) < expected:
        if time.perf_counter() > deadline:
            raise TimeoutError("the bot did not answer every message in time")
        await asyncio.sleep(0.02)
    elapsed, cpu_ms = time.perf_counter() - started, (time.process_time() - cpu) * 1000
    return work.updates / elapsed, cpu_ms / work.updates


async def _polling_round(
    client: SandboxClient, services: Services, users: Sequence[int], work: Workload
) -> tuple[float, float]:
    application = build_application(services)
    async with initialized(application, services) as start_polling:
        return await _timed(client, start_polling, users, work)


async def _webhook_round(
    client: SandboxClient, services: Services, users: Sequence[int], work: Workload
) -> tuple[float, float]:
    async with webhook_initialized(services) as start:
        return await _timed(client, start, users, work)


async def measure(work: Workload, database: Database = "sqlite") -> dict[str, object]:
    """Polling and webhook rounds in turn on one sandbox; the medians and their ratio."""
    with tempfile.TemporaryDirectory(prefix="bench-webhook-") as workdir:
        async with AsyncExitStack() as cleanup:
            target = await cleanup.enter_async_context(bench_database(database, "webhook"))
            settings = Settings(
                token=BOT_TOKEN,
                db_path=Path(workdir) / "bench.sqlite3",
                send_rate=BOT_SEND_RATE,
                chat_send_rate=BOT_SEND_RATE,
            )
            store = await open_store(target)
            cleanup.push_async_callback(store.close)
            users = await _linked_users(store, work, settings)
            work = dataclasses.replace(work, customers=len(users))
            sandbox_url = await cleanup.enter_async_context(sandbox_process())
            client = await cleanup.enter_async_context(SandboxClient(sandbox_url))
            # Why: the control client leaves out null values, so "off" is a limit never reached.
            await client.configure(global_rate=UNLIMITED, per_chat_rate=UNLIMITED, burst=UNLIMITED)
            for user_id in users:
                await client.create_user(user_id, f"Customer {user_id}", language_code="en")
            services = Services(
                dataclasses.replace(settings, api_base_url=f"{sandbox_url}/bot"),
                store,
                make_clock(settings),
                make_rules(settings),
                Catalogs.load(default_language="en"),
            )
            polling_rounds: list[tuple[float, float]] = []
            webhook_rounds: list[tuple[float, float]] = []
            # Why: alternating rounds and taking medians keeps a busy machine from favouring one.
            for _ in range(work.rounds):
                polling_rounds.append(await _polling_round(client, services, users, work))
                webhook_rounds.append(await _webhook_round(client, services, users, work))
            stats = await client.stats()
    polling = statistics.median(rate for rate, _ in polling_rounds)
    webhook = statistics.median(rate for rate, _ in webhook_rounds)
    return {
        "customers": work.customers,
        "updates": work.updates,
        "polling_updates_per_s": round(polling, 1),
        "webhook_updates_per_s": round(webhook, 1),
        "ratio": round(webhook / polling, 3),
        "bot_cpu_ms_per_update_polling": round(
            statistics.median(ms for _, ms in polling_rounds), 2
        ),
        "bot_cpu_ms_per_update_webhook": round(
            statistics.median(ms for _, ms in webhook_rounds), 2
        ),
        "goal": ">= 1.0",
        "rounds": work.rounds,
        "webhook_failures": stats["webhook_failures"],
    }


def run(scale: float, database: Database = "sqlite") -> dict[str, object]:
    """The figures at this scale, for `python -m bench`."""
    return {
        "benchmark": "webhook_throughput",
        "database": database,
        **asyncio.run(measure(workload(scale), database)),
        "sandbox": "its own process (as Telegram is); flood limits off",
        "delivery": "webhook: up to 40 POSTs at once, each chat's in order; polling: getUpdates",
    }


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its JSON figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.webhook_throughput", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the 200 customers")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.scale, args.database)))


if __name__ == "__main__":
    main()
