"""Fixtures for the customer-action tests: a migrated database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storage.store import SqlStore, open_store


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    """An open, migrated store on the test's database."""
    opened = await open_store(database_url)
    yield opened
    await opened.close()
