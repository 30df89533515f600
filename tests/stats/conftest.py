"""Stats tests: the small hand-computable shop in a real database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storage.store import SqlStore, open_store
from tests.stats import shop


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    """The seeded shop."""
    opened = await open_store(database_url)
    await shop.seed(opened)
    yield opened
    await opened.close()
