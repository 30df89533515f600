"""Fixtures for the event feed: a migrated database with events, and a webhook receiver."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from storage.events import append_event
from storage.store import SqlStore, open_store
from storage.transaction import transaction
from tests.events.receiver import Receiver

START = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
TYPES = ("line.cancelled", "refund.due", "order.cancelled", "line.swapped", "order.split")


async def add_events(store: SqlStore, count: int) -> list[int]:
    """Record `count` events the way customer actions do (one transaction) and return their ids."""
    ids = []
    async with transaction(store.connection) as conn:
        for n in range(count):
            ids.append(
                await append_event(
                    conn,
                    TYPES[n % len(TYPES)],
                    f"{1000 + n}",
                    {"line_no": 1, "amount_minor": 100 * n, "note": "Größe ✓"},
                    at=START + timedelta(minutes=n),
                )
            )
    return ids


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    """An open, migrated store on the test's database."""
    opened = await open_store(database_url)
    yield opened
    await opened.close()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A receiver that accepts every request (tests replace its script as they need)."""
    server = Receiver()
    await server.start()
    yield server
    await server.stop()
