"""Fixtures for the delay-policy tests: a migrated store and a timeline on it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storage.store import SqlStore, open_store
from tests.delays.timeline import Timeline


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    """An open, migrated store on the test's database."""
    opened = await open_store(database_url)
    yield opened
    await opened.close()


@pytest.fixture
def timeline(store: SqlStore) -> Timeline:
    """A shop whose clock starts on day 0 of the timeline."""
    return Timeline(store)
