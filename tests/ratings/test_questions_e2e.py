"""Customers are asked once how their backorder was handled, after the order closed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from bot.clock import FrozenClock
from bot.domain.model import LineStatus
from bot.sandbox.client import SandboxClient
from storage.store import SqlStore
from tests.notices import shop
from tests.notices.conftest import make_users
from tests.ratings.conftest import (
    RunBot,
    bot_messages,
    drained,
    import_orders,
    orders_csv,
    ratings_of,
)
from tests.ratings.helpers import add_in_stock_buyer, labels, say, tap

WAITING = shop.Buyer(1001)
IN_STOCK = shop.Buyer(1002)
HISTORY = shop.Buyer(1003)


async def test_an_order_shipped_by_an_import_brings_one_question_even_after_a_restart(
    store: SqlStore, client: SandboxClient, run_bot: RunBot, tmp_path: Path
) -> None:
    await shop.seed(store, [WAITING])
    await add_in_stock_buyer(store, IN_STOCK)
    # History: an order the shop had shipped before the bot ever saw it.
    await import_orders(store, orders_csv(tmp_path, [HISTORY], LineStatus.SHIPPED), now=shop.NOW)
    await store.link_chat(
        HISTORY.chat_id, HISTORY.customer_id, via="deep_link", actor="test", at=shop.NOW
    )
    await make_users(client, [WAITING, IN_STOCK, HISTORY])
    async with run_bot():
        shipped = orders_csv(tmp_path, [WAITING, IN_STOCK], LineStatus.SHIPPED)
        await import_orders(store, shipped, now=shop.NOW)
        (question,) = await client.wait_for(WAITING.chat_id, after=0, timeout=15)
        # The same file again: another recompute and sweep, nothing new to ask.
        await import_orders(store, shipped, now=shop.NOW)
        await asyncio.sleep(2.5)
        await drained(store)
    async with run_bot():
        await asyncio.sleep(2.5)
        await drained(store)
    assert "Order O-1001 has shipped." in question["text"]
    assert "How well did we look after you while it was on backorder?" in question["text"]
    assert labels(question) == ["1 ⭐", "2 ⭐", "3 ⭐", "4 ⭐", "5 ⭐"]
    assert all(len(data.encode()) <= 64 and "O-1001" not in data for data in _data(question))
    assert len(await bot_messages(client, WAITING.chat_id)) == 1
    # Never backordered, or closed before the bot knew it: not asked.
    assert await bot_messages(client, IN_STOCK.chat_id) == []
    assert await bot_messages(client, HISTORY.chat_id) == []
    assert await ratings_of(store) == {"order:O-1001": (None, None)}


async def test_an_order_the_customer_cancels_in_the_chat_brings_the_question_in_their_language(
    store: SqlStore, client: SandboxClient, run_bot: RunBot
) -> None:
    buyer = shop.Buyer(1004, language="de")
    await shop.seed(store, [buyer])
    await make_users(client, [buyer])
    async with run_bot():
        await say(client, buyer.chat_id, "/orders")
        await tap(client, buyer.chat_id, "O-1004")
        await tap(client, buyer.chat_id, "Bestellung stornieren")
        done = await tap(client, buyer.chat_id, "Ja, stornieren")
        assert "Storniert" in done["text"]
        after = await client.last_seq(buyer.chat_id)
        (question,) = await client.wait_for(buyer.chat_id, after=after, timeout=15)
    assert "Bestellung O-1004 wurde storniert." in question["text"]
    assert labels(question)[0] == "1 ⭐"


async def test_a_question_due_at_night_waits_for_the_morning(
    store: SqlStore,
    client: SandboxClient,
    run_bot: RunBot,
    clock: FrozenClock,
    tmp_path: Path,
) -> None:
    night = datetime(2026, 12, 2, 22, 30, tzinfo=UTC)
    clock.moment = night
    await shop.seed(store, [WAITING])
    await make_users(client, [WAITING])
    async with run_bot():
        await import_orders(store, orders_csv(tmp_path, [WAITING], LineStatus.SHIPPED), now=night)
        for _ in range(100):
            if await ratings_of(store):
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.5)
        held = await bot_messages(client, WAITING.chat_id)
        clock.moment = datetime(2026, 12, 3, 8, 0, 30, tzinfo=UTC)
        (question,) = await client.wait_for(WAITING.chat_id, after=0, timeout=15)
    assert await ratings_of(store) == {"order:O-1001": (None, None)}
    assert held == []
    assert "Order O-1001 has shipped." in question["text"]


def _data(message: dict[str, object]) -> list[str]:
    rows = message.get("buttons") or []
    assert isinstance(rows, list)
    return [str(button["callback_data"]) for row in rows for button in row]
