"""The priority lane: notices and alerts go before broadcast copies, through the sandbox."""

from __future__ import annotations

import asyncio
import random
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from typing import Any

import pytest
from telegram import Bot

from bot.clock import FrozenClock
from bot.domain.outbox import OutgoingMessage
from bot.domain.pacing import BROADCAST_LANE, FIRST_LANE, SendPlanner
from bot.domain.retry import RetryPolicy
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import Sandbox
from bot.services.dispatcher import Dispatcher, DispatchLimits, sending_bot
from storage.store import SqlStore
from tests.outbox.conftest import CHAT_RATE, GLOBAL_RATE, NOW, TOKEN

FIRST_USER = 810000
RECIPIENTS = 900

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
async def bot(sandbox: Sandbox) -> AsyncIterator[Bot]:
    """A plain Bot on the sandbox (429s reach the dispatcher)."""
    sender = sending_bot(TOKEN, sandbox.api_base_url)
    async with sender:
        yield sender


def dispatcher(store: SqlStore, **limits: Any) -> Dispatcher:
    chosen = DispatchLimits(send_rate=GLOBAL_RATE, chat_send_rate=CHAT_RATE, **limits)
    retry = RetryPolicy(base_seconds=0.05, max_seconds=0.4, max_attempts=30)
    return Dispatcher(store, FrozenClock(NOW), limits=chosen, retry=retry, rng=random.Random(3))


def copy(broadcast_id: int, chat_id: int, text: str | None = None) -> OutgoingMessage:
    """A broadcast's copy for one chat (its dedupe key as the broadcast service makes it)."""
    return OutgoingMessage(
        f"broadcast:{broadcast_id}:C{chat_id}",
        chat_id,
        text or f"Broadcast {broadcast_id} for {chat_id}",
        customer_id=f"C{chat_id}",
        broadcast_id=broadcast_id,
    )


async def bot_messages(client: SandboxClient, chat_id: int) -> list[tuple[int, str]]:
    events = await client.transcript(chat_id)
    return [(int(e["seq"]), str(e["text"])) for e in events if e["kind"] == "bot_message"]


def pending_copies(database: str) -> set[int]:
    """The chats whose broadcast copy is not recorded as sent yet (read as another process)."""
    with closing(sqlite3.connect(database)) as conn:
        rows = conn.execute(
            "SELECT chat_id FROM outbox WHERE broadcast_id IS NOT NULL AND status = 'pending'"
        ).fetchall()
    return {int(row[0]) for row in rows}


async def until_sent(client: SandboxClient, count: int) -> None:
    while (await client.stats())["messages_sent"] < count:
        await asyncio.sleep(0.02)


async def test_a_delay_notice_queued_mid_broadcast_goes_before_its_remaining_messages(
    store: SqlStore, client: SandboxClient, bot: Bot, database_url: str
) -> None:
    chats = [FIRST_USER + n for n in range(RECIPIENTS)]
    customer = FIRST_USER + RECIPIENTS
    for chat_id in [*chats, customer]:
        await client.create_user(chat_id, f"Customer {chat_id}")
    await store.enqueue_messages([copy(7, chat_id) for chat_id in chats], now=NOW)
    sending = dispatcher(store)
    stop = asyncio.Event()
    running = asyncio.create_task(sending.run(bot, stop))

    await until_sent(client, RECIPIENTS // 5)
    delay = OutgoingMessage("notice:delay:4005", customer, "Order 4005 is delayed", urgent=True)
    await store.enqueue_messages([delay], now=NOW)
    sending.wake()
    remaining = pending_copies(database_url)
    await until_sent(client, RECIPIENTS + 1)
    stop.set()
    await running

    ((notice_seq, text),) = await bot_messages(client, customer)
    assert text == "Order 4005 is delayed"
    before = [
        chat_id for chat_id in remaining if (await bot_messages(client, chat_id))[0][0] < notice_seq
    ]
    # Why: only sends already in flight when it was queued (and one being started) precede it.
    assert len(remaining) > RECIPIENTS // 2
    assert len(before) <= sending.limits.max_in_flight + 1
    assert (await client.stats())["rate_limited"] == 0


async def test_each_chat_gets_its_notices_in_order_and_its_broadcast_copies_in_order(
    store: SqlStore, client: SandboxClient, bot: Bot
) -> None:
    chats = [FIRST_USER + n for n in range(3)]
    for chat_id in chats:
        await client.create_user(chat_id, f"Customer {chat_id}")
    queued: list[OutgoingMessage] = []
    for step in range(4):
        for chat_id in chats:
            queued.append(copy(step + 1, chat_id, f"broadcast {step}"))
            queued.append(OutgoingMessage(f"n{step}:{chat_id}", chat_id, f"notice {step}"))
    await store.enqueue_messages(queued, now=NOW)

    await dispatcher(store).run_once(bot, now=NOW)

    for chat_id in chats:
        texts = [text for _, text in await bot_messages(client, chat_id)]
        assert sorted(texts) == sorted(m.text for m in queued if m.chat_id == chat_id)
        assert [t for t in texts if t.startswith("notice")] == [f"notice {n}" for n in range(4)]
        assert [t for t in texts if t.startswith("broadcast")] == [
            f"broadcast {n}" for n in range(4)
        ]


async def test_a_blocked_customer_s_broadcast_copy_is_held_and_counted_not_retried(
    store: SqlStore, client: SandboxClient, bot: Bot
) -> None:
    chats = [FIRST_USER + n for n in range(20)]
    blocked = set(chats[::7])
    for chat_id in chats:
        await client.create_user(chat_id, f"Customer {chat_id}")
    for chat_id in blocked:
        await client.block(chat_id)
    await store.enqueue_messages([copy(9, chat_id) for chat_id in chats], now=NOW)
    notices = [OutgoingMessage(f"n:{chat_id}", chat_id, "Your order ships") for chat_id in chats]
    await store.enqueue_messages(notices, now=NOW)
    sending = dispatcher(store)

    assert await sending.run_once(bot, now=NOW) == 2 * (len(chats) - len(blocked))
    assert await sending.run_once(bot, now=NOW) == 0

    summary = await store.outbox_summary()
    assert summary.held == 2 * len(blocked) and summary.pending == 0 and summary.failed == 0
    assert {chat.chat_id for chat in summary.unreachable} == blocked
    # Why: one refused send marks the chat; its other rows are never tried again.
    assert (await client.stats())["forbidden"] == len(blocked)


def test_a_ready_notice_goes_before_a_ready_broadcast_copy_even_to_the_same_chat() -> None:
    planner = SendPlanner[str](rate=1.0, chat_rate=1.0)
    planner.push(1, 1, "copy for 1", lane=BROADCAST_LANE)
    planner.push(2, 2, "copy for 2", lane=BROADCAST_LANE)
    planner.push(2, 3, "notice for 2", lane=FIRST_LANE)
    planner.push(3, 4, "notice for 3", lane=FIRST_LANE)
    order = []
    now = 0.0
    while planner.queued:
        decision = planner.take(now)
        if isinstance(decision, str):
            order.append(decision)
            planner.finish(int(decision.split()[-1]))
        else:
            now += decision if isinstance(decision, float) else 1.0
    assert order[:2] == ["notice for 2", "notice for 3"]
    assert sorted(order[2:]) == ["copy for 1", "copy for 2"]


def test_paid_broadcast_copies_go_at_their_own_limit_and_notices_keep_the_free_one() -> None:
    planner = SendPlanner[int](rate=10.0, chat_rate=1.0, broadcast_rate=1000.0)
    for chat_id in range(100):
        planner.push(chat_id, chat_id, chat_id, lane=BROADCAST_LANE)
    for chat_id in range(100, 110):
        planner.push(chat_id, chat_id, chat_id, lane=FIRST_LANE)
    starts: dict[int, float] = {}
    now = 0.0
    while planner.queued:
        decision = planner.take(now)
        if isinstance(decision, int):
            starts[decision] = now
            planner.finish(decision)
        else:
            now += decision if isinstance(decision, float) else 0.001
    assert max(starts[c] for c in range(100)) <= 0.1 + 1e-9
    notice_starts = sorted(starts[c] for c in range(100, 110))
    assert notice_starts[-1] - notice_starts[0] >= 0.9 - 1e-9


async def test_with_paid_broadcasts_copies_go_paid_past_the_free_limit_without_429s(
    client: SandboxClient, store: SqlStore, bot: Bot
) -> None:
    # Why: Telegram's free limits; only copies sent as paid broadcasts may go faster.
    await client.configure(global_rate=30.0, per_chat_rate=1.0, paid_broadcast_rate=1000.0)
    chats = [FIRST_USER + n for n in range(200)]
    for chat_id in chats:
        await client.create_user(chat_id, f"Customer {chat_id}")
    await store.enqueue_messages([copy(11, chat_id) for chat_id in chats], now=NOW)
    notices = [OutgoingMessage(f"n:{c}", c, "Your order ships") for c in chats[:5]]
    await store.enqueue_messages(notices, now=NOW)
    sending = Dispatcher(
        store,
        FrozenClock(NOW),
        limits=DispatchLimits(send_rate=30.0, chat_send_rate=1.0, paid_broadcast=True),
    )

    assert await sending.run_once(bot, now=NOW) == len(chats) + len(notices)

    stats = await client.stats()
    assert (stats["rate_limited"], sending.stats.rate_limited) == (0, 0)
    assert (stats["paid_messages"], stats["stars_charged"]) == (len(chats), len(chats) / 10)
    for chat_id in chats[:5]:
        texts = [text for _, text in await bot_messages(client, chat_id)]
        assert texts[0] == "Your order ships" and len(texts) == 2
