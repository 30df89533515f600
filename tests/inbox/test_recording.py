"""Who records an update and how: with several instances each update is handled by the instance
that recorded it, and the leader replays only those whose instance is gone (DESIGN §13); a
webhook's update is recorded as Telegram sent it."""

from __future__ import annotations

import asyncio

from telegram import Bot, Update

from bot.services.processes import this_process
from bot.update_inbox import UpdateInbox
from storage.store import SqlStore
from tests.e2e import shop
from tests.sql import execute

OTHER = "other-host/4242"


def message(update_id: int, chat_id: int) -> Update:
    """A text message update from `chat_id`."""
    return Update.de_json(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 1_780_000_000,
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": chat_id, "is_bot": False, "first_name": "Ann"},
                "text": "/orders",
            },
        },
        None,
    )


async def recorded_elsewhere(store: SqlStore, *updates: Update) -> None:
    """The updates as another instance (OTHER) recorded them and has not handled yet."""
    await UpdateInbox(store, shop.clock(), asyncio.Queue()).receive(list(updates))
    await execute(store, "UPDATE update_inbox SET recorded_by = :other", other=OTHER)


async def test_the_leader_leaves_a_live_instances_updates_to_it_and_takes_a_dead_ones(
    store: SqlStore,
) -> None:
    await recorded_elsewhere(store, message(501, 77), message(502, 78))
    queue: asyncio.Queue[object] = asyncio.Queue()
    leader = UpdateInbox(store, shop.clock(), queue)
    bot = Bot("1:x")

    assert await leader.replay(bot, live={OTHER, this_process()}) == 0
    assert queue.empty()

    # OTHER died: its session is gone from the live instances.
    assert await leader.replay(bot, live={this_process()}) == 2
    queued = [queue.get_nowait() for _ in range(2)]
    assert [update.update_id for update in queued if isinstance(update, Update)] == [501, 502]
    # Looked for again while they are being handled here: not queued twice.
    assert await leader.replay(bot, live={this_process()}) == 0


async def test_at_a_start_without_knowing_who_lives_every_unhandled_update_is_replayed(
    store: SqlStore,
) -> None:
    await recorded_elsewhere(store, message(601, 79))
    queue: asyncio.Queue[object] = asyncio.Queue()

    assert await UpdateInbox(store, shop.clock(), queue).replay(Bot("1:x")) == 1


async def test_each_update_is_recorded_with_the_instance_that_took_it(store: SqlStore) -> None:
    await UpdateInbox(store, shop.clock(), asyncio.Queue()).receive([message(701, 80)])

    assert [row.recorded_by for row in await store.unhandled_updates()] == [this_process()]


async def test_a_webhook_update_is_recorded_as_telegram_sent_it(store: SqlStore) -> None:
    body = message(801, 81).to_dict() | {"field_from_a_newer_bot_api": 1}
    inbox = UpdateInbox(store, shop.clock(), asyncio.Queue())

    await inbox.receive_one(Update.de_json(body, None), body)

    [row] = await store.unhandled_updates()
    assert row.payload == body
