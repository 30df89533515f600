"""Fixtures for the crash-recovery tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.i18n import Catalogs
from storage.store import SqlStore, open_store


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    """The shipped catalogs, compiled once."""
    return Catalogs.load()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    """An empty store in a real SQLite file."""
    opened = await open_store(tmp_path / "db.sqlite3")
    yield opened
    await opened.close()
