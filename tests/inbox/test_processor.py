"""The per-chat update processor: chats side by side, each chat's updates in order, then marked."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from telegram import Chat, InlineQuery, Message, Update, User

from bot.update_processor import PerChatUpdateProcessor, chat_key

GUARD = 5.0  # Why: only a guard against a hang; no assertion depends on time.


def text_update(update_id: int, chat_id: int) -> Update:
    """A text message update from a private chat."""
    user = User(chat_id, "Customer", is_bot=False)
    chat = Chat(chat_id, Chat.PRIVATE)
    message = Message(update_id, datetime(2026, 12, 2, tzinfo=UTC), chat, from_user=user, text="hi")
    return Update(update_id, message=message)


async def test_updates_of_different_chats_are_handled_at_the_same_time() -> None:
    processor = PerChatUpdateProcessor(8)
    first_running, second_ran = asyncio.Event(), asyncio.Event()

    async def first() -> None:
        first_running.set()
        # Why: this only ends if the second chat's update runs while this one is unfinished.
        await second_ran.wait()

    async def second() -> None:
        await first_running.wait()
        second_ran.set()

    await asyncio.wait_for(
        asyncio.gather(
            processor.process_update(text_update(1, 101), first()),
            processor.process_update(text_update(2, 202), second()),
        ),
        GUARD,
    )
    assert second_ran.is_set()


async def test_one_chats_updates_are_handled_one_after_another_in_arrival_order() -> None:
    processor = PerChatUpdateProcessor(8)
    release = asyncio.Event()
    events: list[str] = []

    async def handle(name: str, *, hold: bool = False) -> None:
        events.append(f"{name} starts")
        if hold:
            await release.wait()
        events.append(f"{name} ends")

    tasks = [
        asyncio.create_task(processor.process_update(text_update(1, 101), handle("a", hold=True))),
        asyncio.create_task(processor.process_update(text_update(2, 101), handle("b"))),
        asyncio.create_task(processor.process_update(text_update(3, 101), handle("c"))),
        asyncio.create_task(processor.process_update(text_update(4, 202), handle("other chat"))),
    ]
    while "other chat ends" not in events:
        await asyncio.sleep(0)
    assert events == ["a starts", "other chat starts", "other chat ends"]
    release.set()
    await asyncio.wait_for(asyncio.gather(*tasks), GUARD)
    assert events[3:] == ["a ends", "b starts", "b ends", "c starts", "c ends"]


async def test_no_more_updates_run_at_once_than_the_bound() -> None:
    processor = PerChatUpdateProcessor(2)
    release = asyncio.Event()
    running: list[int] = []
    most = 0

    async def handle(chat_id: int) -> None:
        nonlocal most
        running.append(chat_id)
        most = max(most, len(running))
        await release.wait()
        running.remove(chat_id)

    tasks = [
        asyncio.create_task(processor.process_update(text_update(n, 100 + n), handle(100 + n)))
        for n in range(5)
    ]
    while len(running) < 2:
        await asyncio.sleep(0)
    for _ in range(10):
        await asyncio.sleep(0)
    assert len(running) == 2
    release.set()
    await asyncio.wait_for(asyncio.gather(*tasks), GUARD)
    assert most == 2


async def test_an_update_whose_handling_raised_is_still_marked_handled() -> None:
    marked: list[int] = []

    async def mark(update: object) -> None:
        assert isinstance(update, Update)
        marked.append(update.update_id)

    processor = PerChatUpdateProcessor(4, after=mark)

    async def fails() -> None:
        raise RuntimeError("the handler broke")

    async def works() -> None:
        return None

    results = await asyncio.gather(
        processor.process_update(text_update(7, 101), fails()),
        processor.process_update(text_update(8, 101), works()),
        return_exceptions=True,
    )
    assert isinstance(results[0], RuntimeError)
    assert marked == [7, 8]


def test_the_order_key_is_the_chat_else_the_user_else_none() -> None:
    assert chat_key(text_update(1, 101)) == 101
    inline = InlineQuery("q1", User(303, "Customer", is_bot=False), "lamp", "")
    assert chat_key(Update(2, inline_query=inline)) == 303
    assert chat_key(Update(3)) is None
    assert chat_key("not an update") is None


async def test_an_update_cut_short_by_cancellation_is_not_marked_handled() -> None:
    marked: list[object] = []

    async def mark(update: object) -> None:
        marked.append(update)

    processor = PerChatUpdateProcessor(4, after=mark)
    started = asyncio.Event()

    async def slow() -> None:
        started.set()
        await asyncio.Event().wait()

    task = asyncio.create_task(processor.process_update(text_update(9, 101), slow()))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert marked == []


async def test_updates_waiting_for_their_chats_turn_leave_running_slots_to_other_chats() -> None:
    processor = PerChatUpdateProcessor(2)
    release = asyncio.Event()
    other_chat_ran = asyncio.Event()

    async def busy_chat(*, hold: bool) -> None:
        if hold:
            await release.wait()

    async def other_chat() -> None:
        other_chat_ran.set()

    tasks = [
        asyncio.create_task(processor.process_update(text_update(n, 101), busy_chat(hold=n == 1)))
        for n in (1, 2, 3)
    ]
    tasks.append(asyncio.create_task(processor.process_update(text_update(4, 202), other_chat())))
    # Why: the other chat runs only if chat 101's waiting updates hold no running slot.
    await asyncio.wait_for(other_chat_ran.wait(), GUARD)
    release.set()
    await asyncio.wait_for(asyncio.gather(*tasks), GUARD)
