"""Broadcast fixtures: the test shop in a real SQLite file and the shipped catalogs' renderer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.i18n import Catalogs
from bot.services.broadcasts import BroadcastTexts
from handlers.broadcast_texts import broadcast_texts
from storage.sqlite import SqliteStore, open_store
from tests.broadcasts import shop


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    """The shipped catalogs, compiled once."""
    return Catalogs.load()


@pytest.fixture(scope="session")
def texts(catalogs: Catalogs) -> BroadcastTexts:
    """How the bot writes broadcast copies."""
    return broadcast_texts(catalogs)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    """The broadcast shop, its chats linked (one blocked)."""
    opened = await open_store(tmp_path / "db.sqlite3")
    await shop.seed(opened)
    yield opened
    await opened.close()
