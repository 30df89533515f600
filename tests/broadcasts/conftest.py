"""Broadcast fixtures: the test shop in a real database and the shipped catalogs' renderer."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.i18n import Catalogs
from bot.sandbox.client import SandboxClient
from bot.sandbox.config import SandboxConfig
from bot.sandbox.server import Sandbox
from bot.services.broadcasts import BroadcastTexts
from handlers.broadcast_texts import broadcast_texts
from storage.store import SqlStore, open_store
from tests.broadcasts import shop

# Telegram's flood limits with the overall rate ×50, and the bot told the same
# (BACKORDER_SEND_RATE): a broadcast to thousands takes seconds.
RATE = 1500.0


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    """The shipped catalogs, compiled once."""
    return Catalogs.load()


@pytest.fixture(scope="session")
def texts(catalogs: Catalogs) -> BroadcastTexts:
    """How the bot writes broadcast copies."""
    return broadcast_texts(catalogs)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    """The broadcast shop, its chats linked (one blocked)."""
    opened = await open_store(database_url)
    await shop.seed(opened)
    yield opened
    await opened.close()


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """A sandbox enforcing RATE messages/s overall and 1/s per chat."""
    server = Sandbox(SandboxConfig(global_rate=RATE, per_chat_rate=1.0, burst=3, seed=3))
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[SandboxClient]:
    """The control API, playing the customers."""
    async with SandboxClient(sandbox.base_url) as opened:
        yield opened
