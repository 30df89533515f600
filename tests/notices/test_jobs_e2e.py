"""The scheduler speaks first: a catch-up at start, and a slip reaching everyone with faults on."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.sandbox.client import SandboxClient
from storage.store import SqlStore
from tests.notices import shop
from tests.notices.conftest import RunBot, bot_messages, make_users

CUSTOMERS = 60
BLOCKED = (2007, 2031)  # about 3 %


async def drained(store: SqlStore, *, timeout: float = 40.0) -> None:
    """Wait until the outbox has nothing left to send."""
    for _ in range(int(timeout / 0.1)):
        if (await store.outbox_summary()).pending == 0:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the outbox was not drained in time")


async def test_a_slip_imported_while_the_bot_was_down_is_announced_as_soon_as_it_starts(
    store: SqlStore, client: SandboxClient, run_bot: RunBot, tmp_path: Path
) -> None:
    buyers = [shop.Buyer(1001), shop.Buyer(1002, language="fr")]
    await shop.seed(store, buyers)
    await make_users(client, buyers)
    await shop.import_slip(store, tmp_path)
    async with run_bot():
        (english,) = await client.wait_for(1001, after=0, count=1, timeout=15)
        (french,) = await client.wait_for(1002, after=0, count=1, timeout=15)
        await drained(store)
        # A few ticks later, nothing is said twice.
        await asyncio.sleep(2.5)
        assert [len(await bot_messages(client, b.chat_id)) for b in buyers] == [1, 1]
    assert "Order O-1001 is delayed" in english["text"] and "Dec 29, 2026" in english["text"]
    assert "La commande O-1002 est retardée" in french["text"]
    assert "29 déc. 2026" in french["text"]


async def test_a_slip_reaches_every_reachable_customer_exactly_once_despite_faults(
    store: SqlStore, client: SandboxClient, run_bot: RunBot, tmp_path: Path
) -> None:
    buyers = [shop.Buyer(2000 + n, language=("en", "de", "es")[n % 3]) for n in range(CUSTOMERS)]
    await shop.seed(store, buyers)
    await make_users(client, buyers)
    async with run_bot():
        for chat_id in BLOCKED:
            await client.block(chat_id)
        await client.configure(
            fault_5xx_rate=0.05, global_rate=10.0, per_chat_rate=1.0, burst=1, seed=11
        )
        await shop.import_slip(store, tmp_path)
        reachable = [b for b in buyers if b.chat_id not in BLOCKED]
        await asyncio.gather(
            *(client.wait_for(b.chat_id, after=0, count=1, timeout=40) for b in reachable)
        )
        await drained(store)
        stats = await client.stats()
        summary = await store.outbox_summary()
        received = {b.chat_id: await bot_messages(client, b.chat_id) for b in buyers}
    assert stats["faults_injected"] > 0 and stats["rate_limited"] > 0
    for buyer in reachable:
        (notice,) = received[buyer.chat_id]
        assert buyer.order_id in notice["text"]
        assert "29" in notice["text"] and notice["buttons"]
    assert all(received[chat_id] == [] for chat_id in BLOCKED)
    assert {chat.chat_id for chat in summary.unreachable} == set(BLOCKED)
    assert summary.failed == 0
