"""The outbox tables: queued with the change that caused them, read in order, held per chat."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.outbox import Button, Delivery, OutgoingMessage
from storage.outbox import INSERT_CHUNK, insert_outbox_rows
from storage.store import SqlStore
from tests.outbox.conftest import NOW


def message(key: str, chat_id: int = 1, **changes: object) -> OutgoingMessage:
    fields: dict[str, object] = {"dedupe_key": key, "chat_id": chat_id, "text": f"<b>{key}</b>"}
    fields.update(changes)
    return OutgoingMessage(**fields)  # type: ignore[arg-type]


async def due_keys(store: SqlStore, *, minutes: int = 0) -> list[str]:
    rows = await store.due_messages(now=NOW + timedelta(minutes=minutes), after_id=0, limit=100)
    return [row.text for row in rows]


async def test_the_same_dedupe_key_is_queued_only_once(store: SqlStore) -> None:
    assert await store.enqueue_messages([message("a"), message("a")], now=NOW) == 1
    assert await store.enqueue_messages([message("a"), message("b")], now=NOW) == 1
    assert await due_keys(store) == ["<b>a</b>", "<b>b</b>"]


async def test_a_message_rolled_back_with_its_cause_is_never_sent(store: SqlStore) -> None:
    with pytest.raises(RuntimeError):
        async with store.database.write() as conn:
            await insert_outbox_rows(conn, [message("lost")], now=NOW)
            raise RuntimeError("the change that caused the notice failed")
    async with store.database.write() as conn:
        assert await insert_outbox_rows(conn, [message("kept")], now=NOW) == 1
    assert await due_keys(store) == ["<b>kept</b>"]


async def test_buttons_come_back_as_they_were_queued(store: SqlStore) -> None:
    buttons = ((Button("Keep waiting", "dw:1042:3"), Button("Cancel", "dx:1042:3")),)
    await store.enqueue_messages([message("a", buttons=buttons)], now=NOW)
    (row,) = await store.due_messages(now=NOW, after_id=0, limit=10)
    assert row.buttons == buttons


async def test_a_quiet_hours_message_waits_but_does_not_hold_back_an_urgent_one(
    store: SqlStore,
) -> None:
    later = NOW + timedelta(hours=9)
    await store.enqueue_messages(
        [message("digest", not_before=later), message("deadline", urgent=True)], now=NOW
    )
    assert await due_keys(store) == ["<b>deadline</b>"]
    assert await due_keys(store, minutes=9 * 60) == ["<b>digest</b>", "<b>deadline</b>"]


async def test_a_chat_s_later_messages_wait_behind_one_that_is_being_retried(
    store: SqlStore,
) -> None:
    await store.enqueue_messages(
        [message("first"), message("second"), message("other", 2)], now=NOW
    )
    first = (await store.due_messages(now=NOW, after_id=0, limit=1))[0]
    await store.mark_retry(
        first.row_id, attempts=1, next_attempt_at=NOW + timedelta(minutes=5), error="NetworkError"
    )
    assert await due_keys(store) == ["<b>other</b>"]
    assert await due_keys(store, minutes=5) == ["<b>first</b>", "<b>second</b>", "<b>other</b>"]


async def test_an_unreachable_chat_is_held_and_shown_to_staff_until_it_comes_back(
    store: SqlStore,
) -> None:
    await store.enqueue_messages([message("a", 1), message("b", 2), message("c", 2)], now=NOW)
    await store.mark_chat_unreachable(2, reason="Forbidden: bot was blocked by the user", at=NOW)
    assert await due_keys(store) == ["<b>a</b>"]
    summary = await store.outbox_summary()
    assert (summary.pending, summary.held, summary.sent, summary.failed) == (1, 2, 0, 0)
    assert [(chat.chat_id, chat.held) for chat in summary.unreachable] == [(2, 2)]

    assert await store.mark_chat_reachable(2, at=NOW)
    assert not await store.mark_chat_reachable(2, at=NOW)
    assert await due_keys(store) == ["<b>a</b>", "<b>b</b>", "<b>c</b>"]
    actions = [entry.action for entry in await store.audit_entries("chat:2")]
    assert actions == ["chat.unreachable", "chat.reachable"]


async def test_sent_and_failed_rows_are_not_due_again(store: SqlStore) -> None:
    await store.enqueue_messages([message("a"), message("b", 2)], now=NOW)
    a, b = await store.due_messages(now=NOW, after_id=0, limit=10)
    await store.mark_sent([Delivery(a.row_id, 77)], at=NOW)
    await store.mark_failed(b.row_id, attempts=1, error="BadRequest: chat not found")
    assert await due_keys(store) == []
    summary = await store.outbox_summary()
    assert (summary.pending, summary.sent, summary.failed) == (0, 1, 1)


async def test_a_queue_longer_than_one_chunk_counts_only_the_rows_it_added(
    store: SqlStore,
) -> None:
    total = INSERT_CHUNK * 2 + 7
    queued_before = [message(f"k{n}", chat_id=n) for n in range(0, total, 3)]
    assert await store.enqueue_messages(queued_before, now=NOW) == len(queued_before)

    async with store.database.write() as conn:
        added = await insert_outbox_rows(
            conn, (message(f"k{n}", chat_id=n) for n in range(total)), now=NOW
        )

    assert added == total - len(queued_before)
    assert (await store.outbox_summary()).pending == total
