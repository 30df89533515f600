"""A delay question decided again at the same moment (frozen clock) after a blocked chat comes
back reaches the customer once, and staff hear of the refusal once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.app import BotApplication, build_application, polling
from bot.clock import FrozenClock
from bot.context import Services
from bot.domain.model import Jurisdiction
from bot.i18n import Catalogs
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import Sandbox
from bot.services.importing import import_csv
from storage.store import SqlStore
from tests.databases import database_settings
from tests.notices import shop
from tests.notices.conftest import TOKEN, bot_messages
from tests.notices.test_delivery_e2e import settled

STAFF = 9600
BERND = 9601
BUYER = shop.Buyer(BERND, language="en", jurisdiction=Jurisdiction.EU)
MOVED_PO_DUE = "2026-12-21"  # +1 week from 14 Dec: ships Tue 22 Dec, after the 18 Dec promise


@pytest.fixture
def run_shop_bot(
    sandbox: Sandbox, store: SqlStore, catalogs: Catalogs, database_url: str
) -> Callable[[], Any]:
    """The real application, its clock frozen for the whole test, with one staff member."""

    @asynccontextmanager
    async def running() -> AsyncIterator[BotApplication]:
        settings = database_settings(
            database_url,
            token=TOKEN,
            api_base_url=sandbox.api_base_url,
            staff_ids=frozenset({STAFF}),
        )
        services = Services(
            settings=settings,
            store=store,
            clock=FrozenClock(shop.NOW),
            rules=shop.RULES,
            catalogs=catalogs,
        )
        async with polling(build_application(services), poll_timeout=1) as application:
            yield application

    return running


async def _until(check: Callable[[], Any], what: str, timeout: float = 15.0) -> None:
    for _ in range(int(timeout / 0.1)):
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not in time: {what}")


async def _unreachable(store: SqlStore) -> bool:
    rows = await store.connection.execute_fetchall(
        "SELECT 1 FROM unreachable_chats WHERE chat_id = ?", (BERND,)
    )
    return bool(rows)


async def _press(client: SandboxClient, chat_id: int, prefix: str) -> dict[str, Any]:
    events = await client.transcript(chat_id)
    (payload,) = [
        str(button["callback_data"])
        for event in events
        if event.get("buttons")
        for row in event["buttons"]
        for button in row
        if str(button.get("callback_data")).startswith(prefix)
    ][-1:]
    after = await client.last_seq(chat_id)
    await client.press(chat_id, data=payload)
    return (await client.wait_for(chat_id, after=after, count=1, timeout=15))[-1]


async def _move_po_one_week_while_blocked(store: SqlStore, client: SandboxClient) -> str:
    """Bernd blocks the bot, staff move PO-1 by a week; the refused question's alert."""
    await client.block(BERND)
    await _until(lambda: _unreachable(store), "the bot hears of the block")
    after = await client.last_seq(STAFF)
    await client.send_text(STAFF, "/po PO-1")
    await client.wait_for(STAFF, after=after, count=1, timeout=15)
    await _press(client, STAFF, "sp:m:")
    await _press(client, STAFF, "sp:w1:")
    assert await settled(store, [BUYER.order_id]) == ["undelivered"]

    async def alerted() -> bool:
        return bool(_staff_alerts(await bot_messages(client, STAFF)))

    await _until(alerted, "staff are alerted")
    (alert,) = _staff_alerts(await bot_messages(client, STAFF))
    return alert


async def _same_po_file(store: SqlStore, directory: Path) -> None:
    """A supplier file as the shop's nightly import sends it: PO-1 as it stands now."""
    path = directory / "po.csv"
    path.write_text(
        f"po_id,sku,quantity,expected_date\nPO-1,CHAIR,10000,{MOVED_PO_DUE}\n", encoding="utf-8"
    )
    await import_csv(
        store,
        "purchase-orders",
        path,
        timezone=ZoneInfo("UTC"),
        rules=shop.RULES,
        now=shop.NOW,
        actor="cli",
    )


async def _seed(store: SqlStore, client: SandboxClient) -> None:
    await shop.seed(store, [BUYER])
    await client.create_user(STAFF, "Sam", language_code="en")
    await client.create_user(BERND, "Bernd", language_code="en")


async def _questions(client: SandboxClient) -> list[str]:
    return [
        message["text"]
        for message in await bot_messages(client, BERND)
        if f"Order {BUYER.order_id} is delayed" in message["text"]
    ]


def _staff_alerts(messages: list[dict[str, Any]]) -> list[str]:
    return [m["text"] for m in messages if f"Order {BUYER.order_id} of" in m["text"]]


@pytest.mark.parametrize("then_import", [False, True], ids=["unblock only", "unblock and import"])
async def test_a_question_refused_by_a_blocked_chat_reaches_it_once_when_it_unblocks_at_once(
    store: SqlStore,
    client: SandboxClient,
    run_shop_bot: Any,
    tmp_path: Path,
    then_import: bool,
) -> None:
    await _seed(store, client)
    async with run_shop_bot():
        alert = await _move_po_one_week_while_blocked(store, client)
        await client.unblock(BERND)
        if then_import:
            await _same_po_file(store, tmp_path)
        (question,) = await client.wait_for(BERND, after=0, count=1, timeout=15)
        assert await settled(store, [BUYER.order_id]) == ["delivered"]
        await asyncio.sleep(2.5)  # several sweep and settle ticks: nothing more may follow
        questions = await _questions(client)
        alerts = _staff_alerts(await bot_messages(client, STAFF))

    assert "Forbidden: bot was blocked by the user" in alert
    assert alerts == [alert]
    assert "Dec 22, 2026" in question["text"]
    assert [b["text"] for row in question["buttons"] for b in row] == [
        "Keep waiting",
        "Cancel for a full refund",
    ]
    assert questions == [question["text"]]
    state = (await store.notice_states([BUYER.order_id]))[BUYER.order_id]
    assert state.awaiting_answer and state.undelivered is None


async def test_a_customer_who_unblocks_and_writes_orders_gets_the_question_once_and_can_answer(
    store: SqlStore, client: SandboxClient, run_shop_bot: Any
) -> None:
    await _seed(store, client)
    async with run_shop_bot():
        await _move_po_one_week_while_blocked(store, client)
        await client.unblock(BERND)
        after = await client.last_seq(BERND)
        await client.send_text(BERND, "/orders")
        await client.wait_for(BERND, after=after, count=2, timeout=15)
        assert await settled(store, [BUYER.order_id]) == ["delivered"]
        await asyncio.sleep(2.5)
        questions = await _questions(client)
        answered = await _press(client, BERND, "dw:")
        alerts = _staff_alerts(await bot_messages(client, STAFF))

    assert len(questions) == 1 and "Dec 22, 2026" in questions[0]
    assert "Dec 22, 2026" in answered["text"]
    assert len(alerts) == 1
    state = (await store.notice_states([BUYER.order_id]))[BUYER.order_id]
    assert not state.awaiting_answer
