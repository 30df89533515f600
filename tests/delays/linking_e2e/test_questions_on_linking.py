"""Linking a chat shows the delay question nobody could deliver, and its buttons answer it."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.model import Customer, Jurisdiction, Order, OrderLine
from bot.i18n import Catalogs
from bot.sandbox.client import SandboxClient
from bot.services.notices import pending_questions, sweep
from handlers.notices import make_renderer
from storage.store import SqlStore
from tests.delays.timeline import NIGHT
from tests.notices import shop
from tests.notices.conftest import RunBot

EU = Jurisdiction.EU


async def unlinked_eu_buyer(store: SqlStore, catalogs: Catalogs, directory: Path) -> None:
    """Ivy's chair order slips while no chat is linked: the consent question is undeliverable."""
    await shop.seed(store, [])
    customer = Customer("C-IVY", "Ivy", email="ivy@example.com", language="en")
    order = Order(
        "O-IVY-7",
        "C-IVY",
        shop.NOW - timedelta(days=1),
        "EUR",
        promised_ship_date=shop.PROMISED,
        jurisdiction=EU,
        lines=(OrderLine("O-IVY-7", 1, "CHAIR", 1, shop.CHAIR_PRICE),),
    )
    await store.upsert_orders([customer], [order], actor="test", at=shop.NOW)
    await shop.import_slip(store, directory)
    report = await sweep(
        store,
        now=shop.NOW,
        timezone=ZoneInfo("UTC"),
        rules=shop.RULES,
        refund_days=14,
        render=make_renderer(catalogs),
        quiet_hours=NIGHT,
    )
    assert report.customers_unreachable == ("C-IVY",)


async def test_linking_the_chat_shows_the_undelivered_question_and_its_buttons_work(
    store: SqlStore,
    client: SandboxClient,
    run_bot: RunBot,
    catalogs: Catalogs,
    tmp_path: Path,
) -> None:
    await unlinked_eu_buyer(store, catalogs, tmp_path)
    await client.create_user(777, "Ivy", language_code="en")
    async with run_bot():
        await _say(client, 777, "/start")
        await _say(client, 777, "O-IVY-7")
        welcome, _, question = await _say(client, 777, "ivy@example.com", replies=3)
        assert "Ivy" in welcome["text"]
        assert "Order O-IVY-7 is delayed" in question["text"]
        labels = [button["text"] for row in question["buttons"] for button in row]
        assert labels == ["Keep waiting", "Cancel for a full refund"]

        after = await client.last_seq(777)
        await client.press(777, label="Keep waiting")
        (edit,) = await client.wait_for(777, after=after, count=1, timeout=15)
        await asyncio.sleep(2.5)
        transcript = await client.transcript(777)

    asked = [e for e in transcript if e["kind"] == "bot_message" and "is delayed" in e["text"]]
    assert len(asked) == 1

    assert "we keep order O-IVY-7 for you" in edit["text"]
    assert await pending_questions(store, "C-IVY") == []


async def _say(
    client: SandboxClient, chat_id: int, text: str, *, replies: int = 1
) -> list[dict[str, Any]]:
    after = await client.last_seq(chat_id)
    await client.send_text(chat_id, text)
    return await client.wait_for(chat_id, after=after, count=replies, timeout=15)
