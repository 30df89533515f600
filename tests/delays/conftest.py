"""Fixtures for the delay-policy tests: a migrated SQLite store and a timeline on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.store import SqlStore, open_store
from tests.delays.timeline import Timeline


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    """An open, migrated store on a real file."""
    opened = await open_store(tmp_path / "delays.sqlite3")
    yield opened
    await opened.close()


@pytest.fixture
def timeline(store: SqlStore) -> Timeline:
    """A shop whose clock starts on day 0 of the timeline."""
    return Timeline(store)
