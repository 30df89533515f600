"""Fixtures for ETA integration tests: a migrated SQLite file and a small shop in it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.store import SqlStore, open_store


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    """An open, migrated store on a real file."""
    opened = await open_store(tmp_path / "eta.sqlite3")
    yield opened
    await opened.close()
