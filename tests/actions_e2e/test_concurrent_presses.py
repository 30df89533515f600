"""Chats handled side by side: two chats of one customer and a double tap still cancel once."""

from __future__ import annotations

import asyncio

from storage.store import SqlStore
from tests.actions_e2e.chat import data_starting, text
from tests.actions_e2e.conftest import Linker

SLOW_ANSWER_MS = 300


async def test_two_chats_confirming_at_once_one_of_them_twice_give_one_cancellation(
    linked: Linker, store: SqlStore
) -> None:
    phone = await linked("bob", "C-BOB")
    laptop = await linked("carmen", "C-BOB")
    client = phone.client
    confirm = {}
    for user, chat_id in ((phone, 7002), (laptop, 7003)):
        await user.say("/orders 2002")
        question = await user.tap("Cancel order")
        (confirm[chat_id],) = data_starting(question, "cy:")
    cursors = {chat_id: await client.last_seq(chat_id) for chat_id in confirm}
    # Why: slow answers keep each chat's handling open while the other chat's runs.
    await client.configure(delay_ms=SLOW_ANSWER_MS, delayed_methods="answerCallbackQuery")
    await asyncio.gather(
        client.press(7002, data=confirm[7002]),
        client.press(7003, data=confirm[7003]),
        client.press(7002, data=confirm[7002]),
    )
    phone_replies = await client.wait_for(7002, after=cursors[7002], count=2)
    (laptop_reply,) = await client.wait_for(7003, after=cursors[7003], count=1)

    texts = [text(reply) for reply in [*phone_replies, laptop_reply]]
    assert sum("✅ Cancelled. We will refund" in shown for shown in texts) == 1
    assert sum("already cancelled. We will refund" in shown for shown in texts) == 2
    assert len(await store.refunds(["2002"])) == 1
    events = await store.events_after(0, limit=1000)
    assert len([event for event in events if event.type == "line.cancelled"]) == 1
    stats = await client.stats()
    assert stats["peak_in_flight"]["answerCallbackQuery"] == 2
