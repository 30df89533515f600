"""Fixtures for the customer-action tests: a migrated SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.store import SqlStore, open_store


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where the test database lives."""
    return tmp_path / "actions.sqlite3"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[SqlStore]:
    """An open, migrated store on a real file."""
    opened = await open_store(db_path)
    yield opened
    await opened.close()
