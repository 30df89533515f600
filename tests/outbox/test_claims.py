"""Each outbox row is claimed by one sender (storage/outbox.py, bot/services/dispatcher.py): two
bots sending from one database never both send it, and a crashed sender's rows are not lost."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from bot.clock import FrozenClock
from bot.domain.outbox import Delivery, OutgoingMessage
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import Sandbox
from bot.services.dispatcher import Dispatcher, DispatchLimits, sending_bot
from bot.services.processes import this_process
from storage.store import SqlStore, open_store
from tests.outbox.conftest import CHAT_RATE, GLOBAL_RATE, NOW, TOKEN

CHATS = 20
PER_CHAT = 5
FIRST_USER = 610000

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def text(chat_id: int, n: int) -> str:
    return f"Notice {n} for {chat_id}"


async def test_two_bots_sending_from_one_database_deliver_each_message_exactly_once(
    store: SqlStore, sandbox: Sandbox, client: SandboxClient, database_url: str
) -> None:
    chats = [FIRST_USER + n for n in range(CHATS)]
    for chat_id in chats:
        await client.create_user(chat_id, "Customer")
    await store.enqueue_messages(
        [
            OutgoingMessage(f"{chat_id}:{n}", chat_id, text(chat_id, n))
            for n in range(PER_CHAT)
            for chat_id in chats
        ],
        now=NOW,
    )
    # The second bot: its own connection to the same file, its own sending bot.
    other = await open_store(database_url)
    limits = DispatchLimits(send_rate=GLOBAL_RATE, chat_send_rate=CHAT_RATE)
    try:
        async with (
            sending_bot(TOKEN, sandbox.api_base_url) as first_bot,
            sending_bot(TOKEN, sandbox.api_base_url) as second_bot,
        ):
            first = Dispatcher(store, FrozenClock(NOW), limits=limits)
            second = Dispatcher(other, FrozenClock(NOW), limits=limits)
            sent = 0
            # Why: a chat one was serving is left to it; the other's next pass finds it done.
            for _ in range(2):
                sent += sum(
                    await asyncio.gather(
                        first.run_once(first_bot, now=NOW), second.run_once(second_bot, now=NOW)
                    )
                )
    finally:
        await other.close()

    for chat_id in chats:
        events = await client.transcript(chat_id)
        shown = [str(event["text"]) for event in events if event["kind"] == "bot_message"]
        assert shown == [text(chat_id, n) for n in range(PER_CHAT)]
    assert sent == CHATS * PER_CHAT
    summary = await store.outbox_summary()
    assert (summary.sent, summary.pending) == (CHATS * PER_CHAT, 0)


async def test_a_claimed_row_is_not_sent_or_recorded_by_another_sender_until_its_claim_ends(
    store: SqlStore,
) -> None:
    await store.enqueue_messages(
        [OutgoingMessage("a", 1, "first"), OutgoingMessage("b", 1, "second")], now=NOW
    )
    a, b = await store.due_messages(now=NOW, after_id=0, limit=10)
    assert await store.claim_message(a.row_id, sender="one", clock=100.0, until=200.0)

    assert not await store.claim_message(a.row_id, sender="two", clock=150.0, until=250.0)
    # Why: its chat is being served by "one"; a later row would overtake the first.
    assert not await store.claim_message(b.row_id, sender="two", clock=150.0, until=250.0)
    assert await store.due_messages(now=NOW, after_id=0, limit=10, sender="two", clock=150.0) == []
    await store.mark_sent([Delivery(a.row_id, 5)], at=NOW, sender="two")
    assert (await store.outbox_summary()).sent == 0

    assert await store.claim_message(a.row_id, sender="two", clock=200.0, until=300.0)
    await store.mark_sent([Delivery(a.row_id, 5)], at=NOW, sender="two")
    assert (await store.outbox_summary()).sent == 1


async def test_a_dead_senders_claims_are_taken_over_at_once_and_a_live_ones_are_waited_for(
    store: SqlStore, sandbox: Sandbox, client: SandboxClient
) -> None:
    await client.create_user(FIRST_USER, "Customer")
    await store.enqueue_messages([OutgoingMessage("a", FIRST_USER, "hello")], now=NOW)
    (row,) = await store.due_messages(now=NOW, after_id=0, limit=10)
    with subprocess.Popen([sys.executable, "-c", "pass"]) as ended:
        ended.wait()
    host = this_process().rpartition("/")[0]
    alive = f"{this_process()}/elsewhere"
    far = 4_000_000_000.0
    assert await store.claim_message(row.row_id, sender=alive, clock=0.0, until=far)

    async with sending_bot(TOKEN, sandbox.api_base_url) as bot:
        dispatcher = Dispatcher(store, FrozenClock(NOW))
        assert await dispatcher.run_once(bot, now=NOW) == 0
        await store.release_claims([alive])
        assert await store.claim_message(
            row.row_id, sender=f"{host}/{ended.pid}/crashed", clock=0.0, until=far
        )
        assert await dispatcher.run_once(bot, now=NOW) == 1
