"""A bot SIGKILLed mid-broadcast and restarted loses no copy and repeats at most the sends that
were in flight; `broadcast stop` stops it: after it returns only sends already under way arrive."""

from __future__ import annotations

import asyncio
import json
import signal
from collections import Counter
from pathlib import Path

from bot.sandbox.client import SandboxClient
from bot.sandbox.server import Sandbox
from bot.services.broadcasts import broadcast_status
from storage.store import open_store
from tests.broadcasts.conftest import RATE
from tests.broadcasts.crowd import Crowd, bot_messages, cli, create_users, seed, start_bot, stop_bot

CROWD = Crowd(2_000)
IN_FLIGHT = 8


async def sent_so_far(client: SandboxClient) -> int:
    return int((await client.stats())["messages_sent"])


async def queue(database_url: str, folder: Path) -> int:
    code, out, err = await cli(
        database_url,
        "broadcast",
        "send",
        "--all",
        "--template",
        "supplier_delay",
        "--param",
        "sku=WIDGET",
        folder=folder,
    )
    assert code == 0, err
    return int(out)


async def test_a_bot_killed_mid_broadcast_loses_nothing_and_repeats_only_what_was_in_flight(
    sandbox: Sandbox, client: SandboxClient, database_url: str, tmp_path: Path
) -> None:
    db_path, log = database_url, tmp_path / "bot.log"
    await seed(db_path, CROWD)
    await create_users(client, CROWD)
    broadcast_id = await queue(db_path, tmp_path)
    bot = await start_bot(db_path, sandbox, rate=RATE, in_flight=IN_FLIGHT, log=log)
    while await sent_so_far(client) < CROWD.size // 3:
        assert bot.returncode is None, log.read_text()
        await asyncio.sleep(0.01)
    bot.send_signal(signal.SIGKILL)
    await bot.wait()
    assert await sent_so_far(client) < CROWD.size

    restarted = await start_bot(db_path, sandbox, rate=RATE, in_flight=IN_FLIGHT, log=log)
    store = await open_store(db_path)
    try:
        while (view := await broadcast_status(store, broadcast_id)) and view.counts.pending:
            assert restarted.returncode is None, log.read_text()
            await asyncio.sleep(0.2)
    finally:
        await store.close()
        await stop_bot(restarted)
    assert view is not None and view.status.value == "done"
    assert (view.counts.sent, view.counts.failed) == (CROWD.size, 0)

    received = await bot_messages(client, [CROWD.chat(n) for n in CROWD.numbers])
    copies = Counter({chat: len(texts) for chat, texts in received.items()})
    assert min(copies.values()) == 1  # nothing lost
    repeated = sum(count - 1 for count in copies.values())
    # Why: send-then-mark: only a send in flight or not yet recorded at the kill can repeat.
    assert repeated <= IN_FLIGHT
    assert await sent_so_far(client) == CROWD.size + repeated


async def test_stop_sends_nothing_more_than_what_was_already_under_way(
    sandbox: Sandbox, client: SandboxClient, database_url: str, tmp_path: Path
) -> None:
    db_path, log = database_url, tmp_path / "bot.log"
    await seed(db_path, CROWD)
    await create_users(client, CROWD)
    await client.configure(global_rate=200.0)
    broadcast_id = await queue(db_path, tmp_path)
    bot = await start_bot(db_path, sandbox, rate=200.0, in_flight=IN_FLIGHT, log=log)
    try:
        while await sent_so_far(client) < 100:
            assert bot.returncode is None, log.read_text()
            await asyncio.sleep(0.01)
        code, out, _ = await cli(db_path, "broadcast", "stop", str(broadcast_id), folder=tmp_path)
        assert code == 0 and "stopped" in out
        at_stop = await sent_so_far(client)
        # Why: the dispatcher looks at the outbox every second; give it several looks.
        await asyncio.sleep(3)
        settled = await sent_so_far(client)
    finally:
        await stop_bot(bot)
    assert settled <= at_stop + IN_FLIGHT
    assert settled < CROWD.size

    code, out, _ = await cli(
        db_path, "broadcast", "show", str(broadcast_id), "--json", folder=tmp_path
    )
    shown = json.loads(out)
    assert (shown["status"], shown["pending"], shown["sent"]) == ("stopped", 0, settled)
    assert shown["withdrawn"] == CROWD.size - settled
    received = await bot_messages(client, [CROWD.chat(n) for n in CROWD.numbers])
    assert max(len(texts) for texts in received.values()) == 1
    assert sum(len(texts) for texts in received.values()) == settled
