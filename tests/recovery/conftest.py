"""Fixtures for the crash-recovery tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.i18n import Catalogs
from storage.store import SqlStore, open_store


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    """The shipped catalogs, compiled once."""
    return Catalogs.load()


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    """An empty store in the test's database."""
    opened = await open_store(database_url)
    yield opened
    await opened.close()
