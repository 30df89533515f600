"""A notice is told only once delivered: long digests are paged, refused ones escalated."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.app import BotApplication, build_application, polling
from bot.cli import main
from bot.clock import FrozenClock
from bot.config import DEFAULT_QUIET_HOURS
from bot.context import Services
from bot.domain.delays import ConsentState
from bot.domain.fitting import MESSAGE_LIMIT
from bot.domain.model import Customer, Order, OrderLine
from bot.i18n import Catalogs
from bot.sandbox.client import SandboxClient
from bot.sandbox.html import utf16_length
from bot.sandbox.server import Sandbox
from bot.services.eta import recompute_etas
from bot.services.notices import mark_communicated, sweep
from handlers.notices import make_renderer
from storage.store import SqlStore
from tests.databases import database_settings, use_database
from tests.notices import shop
from tests.notices.conftest import TOKEN, bot_messages

STAFF = 9300
NO_SUCH_CHAT = 9200  # a linked chat Telegram no longer knows: every send is a 400


async def seed_orders(
    store: SqlStore, customer_id: str, chat_id: int, order_ids: list[str]
) -> None:
    """The chair shop, with one US customer waiting on several chair orders in one chat."""
    await shop.seed(store, [])
    customer = Customer(customer_id, "Pat Doe", language="en")
    orders = [
        Order(
            order_id,
            customer_id,
            shop.NOW - timedelta(days=1),
            "EUR",
            promised_ship_date=shop.PROMISED,
            jurisdiction=shop.Buyer(1).jurisdiction,
            lines=(OrderLine(order_id, 1, "CHAIR", 1, shop.CHAIR_PRICE),),
        )
        for order_id in order_ids
    ]
    await store.upsert_orders([customer], orders, actor="test", at=shop.NOW)
    await recompute_etas(store, rules=shop.RULES, today=shop.TODAY)
    await store.link_chat(chat_id, customer_id, via="deep_link", actor="test", at=shop.NOW)
    await mark_communicated(store, customer_id, now=shop.NOW)


@pytest.fixture
def run_shop_bot(
    sandbox: Sandbox, store: SqlStore, catalogs: Catalogs, database_url: str
) -> Callable[[], Any]:
    """The real application with staff members, jobs and dispatcher included."""

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


async def deliveries(store: SqlStore, order_ids: list[str]) -> list[str]:
    """How each order's latest notice stands: pending, delivered or undelivered."""
    placeholders = ",".join("?" * len(order_ids))
    async with store.connection.execute(
        f"""SELECT delivery FROM notice_log WHERE id IN (
                SELECT max(id) FROM notice_log WHERE order_id IN ({placeholders})
                 GROUP BY order_id)""",
        order_ids,
    ) as cursor:
        return [row[0] for row in await cursor.fetchall()]


async def settled(store: SqlStore, order_ids: list[str], *, timeout: float = 20.0) -> list[str]:
    """Wait until every order's latest notice is delivered or undelivered."""
    for _ in range(int(timeout / 0.1)):
        states = await deliveries(store, order_ids)
        if len(states) == len(order_ids) and "pending" not in states:
            return states
        await asyncio.sleep(0.1)
    raise AssertionError(f"notices not settled in time: {await deliveries(store, order_ids)}")


async def test_a_slip_of_eighteen_orders_reaches_the_customer_in_messages_that_fit(
    store: SqlStore, client: SandboxClient, run_shop_bot: Any, tmp_path: Path
) -> None:
    order_ids = [str(9100 + n) for n in range(18)]
    await seed_orders(store, "C-US", 9101, order_ids)
    await client.create_user(9101, "Pat", language_code="en")

    async with run_shop_bot():
        await shop.import_slip(store, tmp_path)
        assert await settled(store, order_ids) == ["delivered"] * 18

    messages = await bot_messages(client, 9101)
    assert len(messages) > 1
    assert all(utf16_length(message["text"]) <= MESSAGE_LIMIT for message in messages)
    shown = "\n".join(message["text"] for message in messages)
    assert all(f"Order {order_id} is delayed" in shown for order_id in order_ids)
    buttons = [button for message in messages for row in message["buttons"] for button in row]
    assert len(buttons) == 36
    states = await store.notice_states(order_ids)
    assert {state.consent for state in states.values()} == {ConsentState.DEEMED}


async def test_a_notice_telegram_refuses_is_undelivered_escalated_once_and_not_deemed_consent(
    store: SqlStore,
    client: SandboxClient,
    run_shop_bot: Any,
    tmp_path: Path,
    catalogs: Catalogs,
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    order_ids = ["9201", "9202"]
    await seed_orders(store, "C-GONE", NO_SUCH_CHAT, order_ids)
    await client.create_user(STAFF, "Sam", language_code="en")

    async with run_shop_bot():
        await shop.import_slip(store, tmp_path)
        assert await settled(store, order_ids) == ["undelivered", "undelivered"]
        alerts = await client.wait_for(STAFF, after=0, count=2, timeout=15)
        await asyncio.sleep(2.5)
        assert len(await bot_messages(client, STAFF)) == 2

    # The law's clock: no valid notice was given, so nothing was consented to and T still binds.
    states = await store.notice_states(order_ids)
    assert {(s.consent, s.deadline) for s in states.values()} == {
        (ConsentState.NONE, shop.PROMISED)
    }
    texts = sorted(alert["text"] for alert in alerts)
    assert "Order 9201 of Pat Doe (customer C-GONE)" in texts[0]
    assert "Order 9202 of Pat Doe (customer C-GONE)" in texts[1]
    assert all("Chat not found" in text for text in texts)
    assert all(
        "no valid delay notice was given. The order must ship by Dec 18, 2026" in text
        and "cancels it on Dec 19, 2026" in text
        for text in texts
    )
    assert "was not delivered" in caplog.text

    use_database(monkeypatch, database_url)
    monkeypatch.chdir(tmp_path)
    assert await asyncio.to_thread(main, ["outbox", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["undelivered_notices"]
    assert sorted((n["customer_id"], n["order_id"], n["kind"]) for n in listed) == [
        ("C-GONE", "9201", "delay_first"),
        ("C-GONE", "9202", "delay_first"),
    ]
    assert all("Chat not found" in notice["error"] for notice in listed)

    # The same notice is not decided again; after T the orders are cancelled as never noticed.
    history = len(await store.notice_history())
    render = make_renderer(catalogs)
    common = {
        "timezone": ZoneInfo("UTC"),
        "rules": shop.RULES,
        "refund_days": 14,
        "render": render,
        "quiet_hours": DEFAULT_QUIET_HOURS,
    }
    again = await sweep(store, now=shop.NOW + timedelta(hours=1), **common)  # type: ignore[arg-type]
    assert (again.notices, len(await store.notice_history())) == (0, history)
    after_t = shop.NOW + timedelta(days=17)  # 19 Dec, the day after T
    await recompute_etas(store, rules=shop.RULES, today=after_t.date())
    late = await sweep(store, now=after_t, **common)  # type: ignore[arg-type]
    assert sorted(late.cancelled) == order_ids


async def test_a_notice_for_an_order_with_a_69_character_id_is_delivered_with_short_buttons(
    store: SqlStore, client: SandboxClient, run_shop_bot: Any, tmp_path: Path
) -> None:
    long_id = "SHOP-" + "7" * 64
    await seed_orders(store, "C-LONG", 9102, [long_id])
    await client.create_user(9102, "Lee", language_code="en")

    async with run_shop_bot():
        await shop.import_slip(store, tmp_path)
        assert await settled(store, [long_id]) == ["delivered"]

    (message,) = await bot_messages(client, 9102)
    assert f"Order {long_id} is delayed" in message["text"]
    data = [str(button["callback_data"]) for row in message["buttons"] for button in row]
    assert len(data) == 2
    assert all(len(item.encode()) <= 64 and long_id not in item for item in data)
