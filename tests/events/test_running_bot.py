"""The running bot (real PTB Application on the sandbox) delivers the feed to the shop's webhook."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import build_application, polling
from bot.config import Settings
from bot.context import Services
from bot.i18n import Catalogs
from bot.sandbox.config import SandboxConfig
from bot.sandbox.server import Sandbox
from storage.store import SqlStore
from tests.databases import database_env
from tests.e2e import shop
from tests.events.conftest import add_events
from tests.events.receiver import Receiver

TOKEN = "123456:TEST-TOKEN"
# Why: a generous bound so a slow machine passes; it only stops a hung test, it times nothing.
PATIENCE_SECONDS = 15


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """A sandbox Bot API server for the bot to poll."""
    server = Sandbox(SandboxConfig(global_rate=None, per_chat_rate=None))
    await server.start()
    yield server
    await server.stop()


def services_for(sandbox: Sandbox, store: SqlStore, receiver: Receiver) -> Services:
    """Services of a bot that sends its events to the receiver."""
    settings = Settings(
        token=TOKEN,
        api_base_url=sandbox.api_base_url,
        events_webhook_url=receiver.url,
        events_secret=receiver.secret,
    )
    return Services(
        settings=settings,
        store=store,
        clock=shop.clock(),
        rules=shop.RULES,
        catalogs=Catalogs.load(),
    )


async def accepted(receiver: Receiver, count: int) -> list[int]:
    """The accepted ids once `count` have arrived."""
    async with asyncio.timeout(PATIENCE_SECONDS):
        while len(receiver.accepted) < count:
            await asyncio.sleep(0.02)
    return receiver.accepted


async def test_events_waiting_at_start_and_recorded_later_reach_the_webhook_in_order(
    sandbox: Sandbox, store: SqlStore, receiver: Receiver
) -> None:
    waiting = await add_events(store, 3)
    application = build_application(services_for(sandbox, store, receiver))

    async with polling(application, poll_timeout=1):
        assert await accepted(receiver, 3) == waiting
        later = await add_events(store, 2)
        assert await accepted(receiver, 5) == waiting + later

    assert await store.delivered_event_id() == later[-1]


async def test_the_bot_stops_cleanly_while_the_webhook_keeps_failing(
    sandbox: Sandbox, store: SqlStore, receiver: Receiver
) -> None:
    await add_events(store, 1)
    receiver.script = ["500"] * 1000
    application = build_application(services_for(sandbox, store, receiver))

    async with asyncio.timeout(PATIENCE_SECONDS):
        async with polling(application, poll_timeout=1):
            while not receiver.requests:
                await asyncio.sleep(0.02)

    assert receiver.accepted == []
    assert await store.delivered_event_id() == 0


def test_without_a_webhook_url_no_delivery_job_is_scheduled(
    store: SqlStore,
) -> None:
    services = Services(
        settings=Settings(token=TOKEN),
        store=store,
        clock=shop.clock(),
        rules=shop.RULES,
        catalogs=Catalogs.load(),
    )

    application = build_application(services)

    assert application.job_queue is not None
    assert application.job_queue.get_jobs_by_name("deliver-events") == ()


async def test_backorder_bot_run_delivers_the_feed_and_stops_on_ctrl_c(
    sandbox: Sandbox, store: SqlStore, receiver: Receiver, database_url: str, tmp_path: Path
) -> None:
    waiting = await add_events(store, 2)
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": sandbox.api_base_url,
        **database_env(database_url),
        "BACKORDER_EVENTS_WEBHOOK_URL": receiver.url,
        "BACKORDER_EVENTS_SECRET": receiver.secret,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert await accepted(receiver, 2) == waiting
        process.send_signal(signal.SIGINT)
        async with asyncio.timeout(PATIENCE_SECONDS):
            _, stderr = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()

    assert process.returncode == 0
    assert receiver.secret.encode() not in stderr
    assert await store.delivered_event_id() == waiting[-1]
