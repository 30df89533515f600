"""SIGKILL in the middle of a dispatch of 1,000 messages: nothing is lost; a crash repeats only the
sends that were in flight or not yet committed (one with a window of one)."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections import Counter
from pathlib import Path

import pytest

from bot.domain.outbox import OutgoingMessage
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import Sandbox
from bot.services.dispatcher import DEFAULT_IN_FLIGHT
from storage.store import SqlStore
from tests.outbox.conftest import NOW

CHATS = 200
PER_CHAT = 5
FIRST_USER = 600000
RATE, CHAT_RATE = 500.0, 50.0
WORKER = Path(__file__).with_name("crash_worker.py")
ROOT = Path(__file__).parents[2]


def text(chat_id: int, n: int) -> str:
    return f"message {n} to {chat_id}"


async def start_worker(
    database_url: str, sandbox: Sandbox, in_flight: int
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(WORKER),
        database_url,
        sandbox.api_base_url,
        str(RATE),
        str(CHAT_RATE),
        str(in_flight),
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT)},
    )


async def sent_so_far(client: SandboxClient) -> int:
    return int((await client.stats())["messages_sent"])


@pytest.mark.parametrize(("in_flight", "most_duplicates"), [(1, 1), (DEFAULT_IN_FLIGHT, None)])
async def test_a_killed_dispatcher_loses_nothing_and_repeats_only_what_was_in_flight(
    store: SqlStore,
    sandbox: Sandbox,
    client: SandboxClient,
    database_url: str,
    in_flight: int,
    most_duplicates: int | None,
) -> None:
    await client.configure(global_rate=RATE, per_chat_rate=CHAT_RATE)
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
    total = CHATS * PER_CHAT

    worker = await start_worker(database_url, sandbox, in_flight)
    while await sent_so_far(client) < total // 3:
        assert worker.returncode is None, "the dispatcher ended before it could be killed"
        await asyncio.sleep(0.01)
    worker.send_signal(signal.SIGKILL)
    await worker.wait()
    killed_at = await sent_so_far(client)
    assert worker.returncode == -signal.SIGKILL
    assert killed_at < total

    restarted = await start_worker(database_url, sandbox, in_flight)
    assert await asyncio.wait_for(restarted.wait(), 60) == 0

    arrived: Counter[str] = Counter()
    for chat_id in chats:
        events = await client.transcript(chat_id)
        shown = [str(event["text"]) for event in events if event["kind"] == "bot_message"]
        assert list(dict.fromkeys(shown)) == [text(chat_id, n) for n in range(PER_CHAT)]
        arrived.update(shown)
    duplicates = sum(count - 1 for count in arrived.values())
    assert len(arrived) == total
    assert max(arrived.values()) <= 2
    # Why: send-then-mark: only a send in flight or not yet committed at the kill is repeated.
    assert duplicates <= (in_flight if most_duplicates is None else most_duplicates)
    summary = await store.outbox_summary()
    assert (summary.sent, summary.pending, summary.failed) == (total, 0, 0)


async def test_a_killed_dispatcher_mid_broadcast_loses_nothing_and_keeps_each_lane_in_order(
    store: SqlStore, sandbox: Sandbox, client: SandboxClient, database_url: str
) -> None:
    await client.configure(global_rate=RATE, per_chat_rate=CHAT_RATE)
    chats = [FIRST_USER + n for n in range(CHATS)]
    for chat_id in chats:
        await client.create_user(chat_id, "Customer")
    # Why: copies of broadcasts 1 and 2 (the lower lane) between each chat's notices.
    copies = {1: 1, 3: 2}
    await store.enqueue_messages(
        [
            OutgoingMessage(
                f"broadcast:{copies[n]}:{chat_id}" if n in copies else f"{chat_id}:{n}",
                chat_id,
                text(chat_id, n),
                broadcast_id=copies.get(n),
            )
            for n in range(PER_CHAT)
            for chat_id in chats
        ],
        now=NOW,
    )
    total = CHATS * PER_CHAT

    worker = await start_worker(database_url, sandbox, DEFAULT_IN_FLIGHT)
    while await sent_so_far(client) < total // 3:
        assert worker.returncode is None, "the dispatcher ended before it could be killed"
        await asyncio.sleep(0.01)
    worker.send_signal(signal.SIGKILL)
    await worker.wait()
    restarted = await start_worker(database_url, sandbox, DEFAULT_IN_FLIGHT)
    assert await asyncio.wait_for(restarted.wait(), 60) == 0

    arrived: Counter[str] = Counter()
    for chat_id in chats:
        events = await client.transcript(chat_id)
        shown = list(dict.fromkeys(str(e["text"]) for e in events if e["kind"] == "bot_message"))
        notices = [text(chat_id, n) for n in range(PER_CHAT) if n not in copies]
        broadcast = [text(chat_id, n) for n in sorted(copies)]
        assert [t for t in shown if t in notices] == notices
        assert [t for t in shown if t in broadcast] == broadcast
        arrived.update(str(e["text"]) for e in events if e["kind"] == "bot_message")
    assert len(arrived) == total
    assert sum(count - 1 for count in arrived.values()) <= DEFAULT_IN_FLIGHT
    summary = await store.outbox_summary()
    assert (summary.sent, summary.pending, summary.failed) == (total, 0, 0)
