"""Outbox claims on PostgreSQL (storage/outbox.py): senders claiming at the same moment, on
connections of their own, take disjoint rows (FOR UPDATE SKIP LOCKED), and each row is sent once."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator

import pytest

from bot.domain.outbox import Delivery, OutgoingMessage
from storage.store import SqlStore, open_store
from tests.conftest import NewDatabase
from tests.outbox.conftest import NOW
from tests.sql import fetch_all

ROWS = 300
CLAIMERS_EACH = 8
FAR = 4_000_000_000.0

pytestmark = pytest.mark.postgresql


@pytest.fixture
def postgres_url(new_postgres_database: NewDatabase, postgres_template: str) -> str:
    """A new, migrated, empty database on the PostgreSQL test server (dropped after the test)."""
    return new_postgres_database(postgres_template)


@pytest.fixture
async def two_stores(postgres_url: str) -> AsyncIterator[tuple[SqlStore, SqlStore]]:
    """Two stores (two engines, two pools) on one PostgreSQL database, as two bot instances."""
    first = await open_store(postgres_url)
    second = await open_store(postgres_url)
    yield first, second
    await second.close()
    await first.close()


async def claim_all(store: SqlStore, sender: str, row_ids: list[int]) -> list[int]:
    """Claim every row it can, CLAIMERS_EACH at a time (sends in flight); the rows it got."""
    order = row_ids[:]
    random.Random(sender).shuffle(order)
    queue = iter(order)
    won: list[int] = []

    async def worker() -> None:
        for row_id in queue:
            if await store.claim_message(row_id, sender=sender, clock=0.0, until=FAR):
                won.append(row_id)

    await asyncio.gather(*(worker() for _ in range(CLAIMERS_EACH)))
    return won


async def test_two_senders_claiming_at_once_take_disjoint_rows_and_each_row_is_sent_once(
    two_stores: tuple[SqlStore, SqlStore],
) -> None:
    first, second = two_stores
    messages = [OutgoingMessage(f"n:{n}", 900_000 + n, f"Notice {n}") for n in range(ROWS)]
    await first.enqueue_messages(messages, now=NOW)
    row_ids = [row.row_id for row in await first.due_messages(now=NOW, after_id=0, limit=ROWS)]

    won_first, won_second = await asyncio.gather(
        claim_all(first, "one", row_ids), claim_all(second, "two", row_ids)
    )
    # Each sender records what it sent; a row it did not claim is not recorded by it.
    await first.mark_sent([Delivery(row_id, row_id) for row_id in row_ids], at=NOW, sender="one")
    await second.mark_sent([Delivery(row_id, row_id) for row_id in row_ids], at=NOW, sender="two")

    assert not set(won_first) & set(won_second)
    assert sorted(won_first + won_second) == sorted(row_ids)
    assert won_first and won_second
    rows = await fetch_all(first, "SELECT status, attempts FROM outbox")
    assert sorted(set(rows)) == [("sent", 1)] and len(rows) == ROWS


async def test_a_row_being_claimed_is_skipped_by_another_sender_not_waited_for(
    two_stores: tuple[SqlStore, SqlStore],
) -> None:
    first, second = two_stores
    await first.enqueue_messages(
        [OutgoingMessage("a", 1, "for chat 1"), OutgoingMessage("b", 2, "for chat 2")], now=NOW
    )
    a, b = await first.due_messages(now=NOW, after_id=0, limit=10)
    claimed = asyncio.Event()
    release = asyncio.Event()

    async def slow_claim() -> bool:
        # One transaction that claims row a and stays open (a sender mid-claim).
        async with first.database.write():
            won = await first.claim_message(a.row_id, sender="one", clock=0.0, until=FAR)
            claimed.set()
            await release.wait()
            return won

    holder = asyncio.create_task(slow_claim())
    await claimed.wait()
    # Why: with the first claim uncommitted, these must answer without waiting for it (were they
    # to wait, this test would never get to release it).
    other_row_taken = await asyncio.wait_for(
        second.claim_message(a.row_id, sender="two", clock=0.0, until=FAR), 60
    )
    free_row_taken = await asyncio.wait_for(
        second.claim_message(b.row_id, sender="two", clock=0.0, until=FAR), 60
    )
    release.set()

    assert await holder
    assert not other_row_taken
    assert free_row_taken
    # Once the first claim is committed, it holds: the other sender still cannot take the row.
    assert not await second.claim_message(a.row_id, sender="two", clock=1.0, until=FAR)
