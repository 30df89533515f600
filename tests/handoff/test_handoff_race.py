"""Two bot instances on one database open the same customer's hand-off at the same moment
(DESIGN §13: several instances side by side): the customer ends with one hand-off and one topic."""

from __future__ import annotations

import asyncio

from bot.services.handoff import open_handoff
from storage.store import SqlStore, open_store
from tests.e2e import shop
from tests.sql import fetch_value

SUPPORT_CHAT = -1001234


class RacingForum:
    """A support forum whose topic creations wait for one another, so every instance has
    decided to create a topic before any of them opens the hand-off."""

    def __init__(self, instances: int) -> None:
        self._instances = instances
        self._everyone = asyncio.Event()
        self.created: list[int] = []
        self.closed: list[int] = []

    async def create_topic(self, name: str) -> int:
        thread_id = 500 + len(self.created)
        self.created.append(thread_id)
        if len(self.created) == self._instances:
            self._everyone.set()
        await self._everyone.wait()
        return thread_id

    async def reopen_topic(self, thread_id: int, name: str) -> bool:
        raise AssertionError("a first hand-off has no topic to reopen")

    async def close_topic(self, thread_id: int) -> None:
        self.closed.append(thread_id)

    async def copy(
        self, from_chat_id: int, message_id: int, to_chat_id: int, thread_id: int | None
    ) -> int:
        raise AssertionError("nothing is relayed here")


async def test_two_instances_opening_one_customer_s_hand_off_at_once_end_with_one(
    store: SqlStore, database_url: str
) -> None:
    other = await open_store(database_url)
    forum = RacingForum(instances=2)
    try:
        first, second = await asyncio.gather(
            *(
                open_handoff(
                    instance,
                    forum,
                    support_chat_id=SUPPORT_CHAT,
                    customer_id="C-BOB",
                    title="Bob",
                    actor="customer:C-BOB",
                    now=shop.NOW,
                )
                for instance in (store, other)
            )
        )
    finally:
        await other.close()
    assert first.handoff == second.handoff
    assert sorted([first.new_topic, second.new_topic]) == [False, True]
    kept = first.handoff.thread_id
    assert sorted(forum.created) == sorted([kept, *forum.closed])
    assert await store.support_thread(SUPPORT_CHAT, "C-BOB") == kept
    opened = await fetch_value(
        store, "SELECT count(*) FROM handoffs WHERE customer_id = 'C-BOB' AND closed_at IS NULL"
    )
    assert opened == 1
