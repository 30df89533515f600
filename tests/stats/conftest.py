"""Stats tests: the small hand-computable shop in a real SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.store import SqlStore, open_store
from tests.stats import shop


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where the shop's database lives."""
    return tmp_path / "shop.sqlite3"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[SqlStore]:
    """The seeded shop."""
    opened = await open_store(db_path)
    await shop.seed(opened)
    yield opened
    await opened.close()
