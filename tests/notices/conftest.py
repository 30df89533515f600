"""The real bot polling the sandbox over a chair shop in a database, with users made up front."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from bot.app import BotApplication, build_application, polling
from bot.clock import FrozenClock
from bot.context import Services
from bot.i18n import Catalogs
from bot.sandbox.client import SandboxClient
from bot.sandbox.config import SandboxConfig
from bot.sandbox.server import Sandbox
from storage.store import SqlStore, open_store
from tests.databases import database_settings
from tests.notices import shop

# Why: control calls reach bot 100000001 before it calls getMe, so users exist before it starts.
TOKEN = "100000001:notices-test"


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    """The shipped catalogs, compiled once."""
    return Catalogs.load()


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    """An empty, migrated store."""
    opened = await open_store(database_url)
    yield opened
    await opened.close()


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """A sandbox Bot API without flood limits (tests tighten them when they want 429s)."""
    server = Sandbox(SandboxConfig(global_rate=None, per_chat_rate=None))
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[SandboxClient]:
    """The control-API client that plays the users."""
    async with SandboxClient(sandbox.base_url) as opened:
        yield opened


RunBot = Callable[[], Any]


@pytest.fixture
def run_bot(
    sandbox: Sandbox, store: SqlStore, catalogs: Catalogs, database_url: str
) -> Callable[[], Any]:
    """Start the real application (jobs and dispatcher included) for an `async with` block."""

    @asynccontextmanager
    async def running() -> AsyncIterator[BotApplication]:
        settings = database_settings(database_url, token=TOKEN, api_base_url=sandbox.api_base_url)
        services = Services(
            settings=settings,
            store=store,
            clock=FrozenClock(shop.NOW),
            rules=shop.RULES,
            catalogs=catalogs,
        )
        async with polling(build_application(services), poll_timeout=1) as application:
            yield application

    return running


async def make_users(client: SandboxClient, buyers: list[shop.Buyer]) -> None:
    """A sandbox user for each buyer, speaking the buyer's language."""
    await asyncio.gather(
        *(
            client.create_user(b.chat_id, f"Buyer{b.chat_id}", language_code=b.language)
            for b in buyers
        )
    )


async def bot_messages(client: SandboxClient, chat_id: int) -> list[dict[str, Any]]:
    """Every message the bot sent to a chat (edits not included)."""
    events = await client.transcript(chat_id)
    return [event for event in events if event["kind"] == "bot_message"]
