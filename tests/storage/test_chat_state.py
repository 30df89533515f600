"""Conversation states and chat data in the store (PTB persistence), on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.chat_state import StoredConversation
from bot.domain.update_inbox import InboxedUpdate
from storage.store import SqlStore

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
LONG_AGO = NOW - timedelta(days=30)


async def test_a_conversation_state_is_read_back_by_handler_and_by_chat_until_it_ends(
    store: SqlStore,
) -> None:
    await store.save_conversation("linking", (42, 7), 1, at=NOW)
    await store.save_conversation("linking", (43, 8), 0, at=NOW)
    await store.save_conversation("linking", (42, 7), 2, at=NOW)

    assert await store.conversations("linking", since=LONG_AGO) == {(42, 7): 2, (43, 8): 0}
    assert await store.chat_conversations(42, since=LONG_AGO) == [
        StoredConversation("linking", (42, 7), 2)
    ]
    await store.save_conversation("linking", (42, 7), None, at=NOW)
    assert await store.chat_conversations(42, since=LONG_AGO) == []
    assert await store.conversations("other", since=LONG_AGO) == {}


async def test_chat_data_is_kept_while_not_empty(store: SqlStore) -> None:
    await store.save_chat_data(42, {"linking_order_id": "2002"}, at=NOW)
    await store.save_chat_data(43, {"linking_order_id": "1001"}, at=NOW)
    await store.save_chat_data(43, {}, at=NOW)

    assert await store.chat_data(42, since=LONG_AGO) == {"linking_order_id": "2002"}
    assert await store.chat_data(43, since=LONG_AGO) == {}
    assert await store.all_chat_data(since=LONG_AGO) == {42: {"linking_order_id": "2002"}}


async def test_state_older_than_its_lifetime_is_not_read_and_is_pruned(store: SqlStore) -> None:
    await store.save_conversation("linking", (42, 7), 1, at=LONG_AGO)
    await store.save_chat_data(42, {"linking_order_id": "2002"}, at=LONG_AGO)
    await store.save_conversation("linking", (43, 8), 1, at=NOW)
    since = NOW - timedelta(days=1)

    assert await store.chat_conversations(42, since=since) == []
    assert await store.chat_data(42, since=since) == {}
    assert await store.prune_chat_state(before=since) == 2
    assert await store.conversations("linking", since=LONG_AGO) == {(43, 8): 1}


async def test_the_earlier_unhandled_updates_of_a_chat_are_found_until_handled(
    store: SqlStore,
) -> None:
    await store.record_updates(
        [
            InboxedUpdate(10, {"update_id": 10}, 42),
            InboxedUpdate(11, {"update_id": 11}, 99),
            InboxedUpdate(12, {"update_id": 12}, 42),
            InboxedUpdate(13, {"update_id": 13}, 42),
        ],
        now=NOW,
    )

    assert await store.earlier_unhandled_updates(42, 13) == [10, 12]
    await store.mark_updates_handled([10], now=NOW)
    assert await store.earlier_unhandled_updates(42, 13) == [12]
    assert await store.earlier_unhandled_updates(42, 12) == []
