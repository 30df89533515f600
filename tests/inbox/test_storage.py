"""The update inbox on real SQLite: recorded once, unhandled in order, pruned yet resumable."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.update_inbox import InboxedUpdate, NewestUpdate, resume_offset
from storage.store import SqlStore, open_store

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def update(update_id: int, text: str = "hi") -> InboxedUpdate:
    """An update's id and a JSON object as Telegram sends it."""
    return InboxedUpdate(update_id, {"update_id": update_id, "message": {"text": text}})


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    """An empty, migrated store."""
    opened = await open_store(database_url)
    yield opened
    await opened.close()


async def test_a_batch_is_recorded_once_and_a_repeat_of_it_is_not_new(store: SqlStore) -> None:
    assert await store.record_updates([update(10), update(11, "Grüße")], now=NOW) == [10, 11]
    assert await store.record_updates([update(11), update(12)], now=NOW) == [12]
    unhandled = await store.unhandled_updates()
    assert [row.update_id for row in unhandled] == [10, 11, 12]
    assert unhandled[1].payload == {"update_id": 11, "message": {"text": "Grüße"}}


async def test_handled_updates_leave_the_unhandled_list_in_update_id_order(
    store: SqlStore,
) -> None:
    await store.record_updates([update(3), update(1), update(2)], now=NOW)
    await store.mark_updates_handled([2, 99], now=NOW)
    assert [row.update_id for row in await store.unhandled_updates()] == [1, 3]


async def test_pruning_forgets_old_handled_updates_but_keeps_the_newest_and_the_unhandled(
    store: SqlStore,
) -> None:
    await store.record_updates([update(1), update(2), update(3), update(4)], now=NOW)
    await store.mark_updates_handled([1, 2, 4], now=NOW)
    assert await store.prune_handled_updates(before=NOW) == 0
    assert await store.prune_handled_updates(before=NOW + timedelta(days=2)) == 2
    assert [row.update_id for row in await store.unhandled_updates()] == [3]
    assert await store.newest_update() == NewestUpdate(4, NOW)


async def test_polling_resumes_after_the_newest_update_unless_it_is_a_week_old(
    store: SqlStore,
) -> None:
    assert resume_offset(await store.newest_update(), NOW) is None
    await store.record_updates([update(41), update(42)], now=NOW)
    newest = await store.newest_update()
    assert resume_offset(newest, NOW + timedelta(days=1)) == 43
    # Why: after a week without updates Telegram may number the next one anywhere.
    assert resume_offset(newest, NOW + timedelta(days=7)) is None
