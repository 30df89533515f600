"""Outbox fixtures: a real store and a sandbox with Telegram's flood limits ×10."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.sandbox.client import SandboxClient
from bot.sandbox.config import SandboxConfig
from bot.sandbox.server import Sandbox
from storage.store import SqlStore, open_store

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
TOKEN = "100000001:outbox-test-token"
GLOBAL_RATE = 300.0
CHAT_RATE = 10.0


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    """An empty store in the test's database."""
    opened = await open_store(database_url)
    yield opened
    await opened.close()


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """A sandbox enforcing 300 messages/s overall and 10/s per chat."""
    server = Sandbox(SandboxConfig(global_rate=GLOBAL_RATE, per_chat_rate=CHAT_RATE, seed=7))
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[SandboxClient]:
    """The control API, playing the users."""
    async with SandboxClient(sandbox.base_url) as opened:
        yield opened
