"""A notice nobody received is not told; once the customer is reachable it is decided afresh."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import BotApplication, build_application, polling
from bot.cli import main
from bot.clock import FrozenClock
from bot.context import Services
from bot.domain.delays import ConsentState
from bot.domain.model import Customer, Jurisdiction, Order, OrderLine
from bot.i18n import Catalogs
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import Sandbox
from bot.services.eta import recompute_etas
from storage.store import SqlStore
from tests.databases import database_settings, use_database
from tests.notices import shop
from tests.notices.conftest import TOKEN, bot_messages
from tests.notices.test_delivery_e2e import settled

STAFF = 9500
NELL = 9501  # the chat Nell links only after her order slipped
BEA = 9502  # the chat that blocks the bot before the slip


@pytest.fixture
def clock() -> FrozenClock:
    """The shop's clock, moved by the tests as the customer comes back later."""
    return FrozenClock(shop.NOW)


@pytest.fixture
def run_shop_bot(
    sandbox: Sandbox, store: SqlStore, catalogs: Catalogs, database_url: str, clock: FrozenClock
) -> Callable[[], Any]:
    """The real application with a staff member, jobs and dispatcher included."""

    @asynccontextmanager
    async def running() -> AsyncIterator[BotApplication]:
        settings = database_settings(
            database_url,
            token=TOKEN,
            api_base_url=sandbox.api_base_url,
            staff_ids=frozenset({STAFF}),
        )
        services = Services(
            settings=settings, store=store, clock=clock, rules=shop.RULES, catalogs=catalogs
        )
        async with polling(build_application(services), poll_timeout=1) as application:
            yield application

    return running


async def us_chair_order(store: SqlStore, customer_id: str, name: str, order_id: str) -> None:
    """A US customer's chair order promised for 18 Dec, with no chat linked."""
    await shop.seed(store, [])
    customer = Customer(customer_id, name, email=f"{name.lower()}@example.com", language="en")
    order = Order(
        order_id,
        customer_id,
        shop.NOW - timedelta(days=1),
        "EUR",
        promised_ship_date=shop.PROMISED,
        jurisdiction=Jurisdiction.US,
        lines=(OrderLine(order_id, 1, "CHAIR", 1, shop.CHAIR_PRICE),),
    )
    await store.upsert_orders([customer], [order], actor="test", at=shop.NOW)
    await recompute_etas(store, rules=shop.RULES, today=shop.TODAY)


def outbox_listing(
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    directory: Path,
    capsys: pytest.CaptureFixture[str],
) -> tuple[list[tuple[str, str, str, str]], str]:
    """`outbox --json` undelivered notices as (customer, order, kind, error), and `outbox` text."""
    use_database(monkeypatch, database_url)
    monkeypatch.chdir(directory)
    capsys.readouterr()
    assert main(["outbox", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["undelivered_notices"]
    assert main(["outbox"]) == 0
    text = capsys.readouterr().out
    return [(n["customer_id"], n["order_id"], n["kind"], n["error"]) for n in listed], text


async def _say(
    client: SandboxClient, chat_id: int, text: str, *, replies: int = 1
) -> list[dict[str, Any]]:
    after = await client.last_seq(chat_id)
    await client.send_text(chat_id, text)
    return await client.wait_for(chat_id, after=after, count=replies, timeout=15)


async def test_a_notice_decided_with_no_chat_linked_is_not_told_and_arrives_when_a_chat_links(
    store: SqlStore,
    client: SandboxClient,
    run_shop_bot: Any,
    clock: FrozenClock,
    tmp_path: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await us_chair_order(store, "C-NELL", "Nell", "9301")
    await client.create_user(STAFF, "Sam", language_code="en")
    await client.create_user(NELL, "Nell", language_code="en")

    async with run_shop_bot():
        await shop.import_slip(store, tmp_path)
        assert await settled(store, ["9301"]) == ["undelivered"]
        (alert,) = await client.wait_for(STAFF, after=0, count=1, timeout=15)
        await asyncio.sleep(2.5)
        assert len(await bot_messages(client, STAFF)) == 1

    # No valid notice: nothing is deemed consented, T still binds, the date told is still T.
    state = (await store.notice_states(["9301"]))["9301"]
    assert (state.consent, state.deadline, state.communicated_date) == (
        ConsentState.NONE,
        shop.PROMISED,
        shop.PROMISED,
    )
    assert "Order 9301 of Nell (customer C-NELL)" in alert["text"]
    assert "no Telegram chat linked" in alert["text"]
    assert "The order must ship by Dec 18, 2026" in alert["text"]
    listed, text = await asyncio.to_thread(
        outbox_listing, monkeypatch, database_url, tmp_path, capsys
    )
    # Why: the good news of the first sweep reached nobody either, but the delay notice superseded
    # it, and plain news to a customer without a chat owes nothing: staff see the one that matters.
    assert listed == [("C-NELL", "9301", "delay_first", "no linked chat")]
    assert "undelivered notices: 1" in text and "order 9301" in text

    clock.moment = shop.NOW + timedelta(hours=2)
    async with run_shop_bot():
        await _say(client, NELL, "/start")
        await _say(client, NELL, "9301")
        welcome, _, notice = await _say(client, NELL, "nell@example.com", replies=3)
        assert await settled(store, ["9301"]) == ["delivered"]
        await asyncio.sleep(2.5)
        messages = await bot_messages(client, NELL)

    assert "Nell" in welcome["text"]
    assert "Order 9301 is delayed" in notice["text"]
    # Why: the order list shown on linking must not become the date the delay is measured from.
    assert (
        "We expected to ship it by Dec 18, 2026; the new estimated ship date is Dec 29, 2026"
        in (notice["text"])
    )
    assert [button["text"] for row in notice["buttons"] for button in row] == [
        "Keep waiting",
        "Cancel for a full refund",
    ]
    assert sum("Order 9301 is delayed" in message["text"] for message in messages) == 1
    state = (await store.notice_states(["9301"]))["9301"]
    assert (state.consent, state.deadline) == (ConsentState.DEEMED, shop.SLIPPED_SHIPS)
    listed, text = await asyncio.to_thread(
        outbox_listing, monkeypatch, database_url, tmp_path, capsys
    )
    assert listed == []
    assert "undelivered notices: 0" in text


async def test_a_notice_refused_by_a_blocked_chat_arrives_fresh_and_once_when_it_unblocks(
    store: SqlStore,
    client: SandboxClient,
    run_shop_bot: Any,
    clock: FrozenClock,
    tmp_path: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    buyer = shop.Buyer(BEA)
    await shop.seed(store, [buyer])
    await client.create_user(STAFF, "Sam", language_code="en")
    await client.create_user(BEA, "Bea", language_code="en")
    await client.block(BEA)

    async with run_shop_bot():
        await asyncio.sleep(1.5)  # the bot hears of the block before the slip
        await shop.import_slip(store, tmp_path)
        assert await settled(store, [buyer.order_id]) == ["undelivered"]
        (alert,) = await client.wait_for(STAFF, after=0, count=1, timeout=15)
        state = (await store.notice_states([buyer.order_id]))[buyer.order_id]
        assert (state.consent, state.deadline) == (ConsentState.NONE, shop.PROMISED)

        clock.moment = shop.NOW + timedelta(hours=2)
        await client.unblock(BEA)
        (notice,) = await client.wait_for(BEA, after=0, count=1, timeout=15)
        assert await settled(store, [buyer.order_id]) == ["delivered"]
        await asyncio.sleep(2.5)
        messages = await bot_messages(client, BEA)
        staff_messages = await bot_messages(client, STAFF)

    assert "Forbidden" in alert["text"] and len(staff_messages) == 1
    assert f"Order {buyer.order_id} is delayed" in notice["text"]
    assert "Dec 29, 2026" in notice["text"]
    assert len(messages) == 1
    state = (await store.notice_states([buyer.order_id]))[buyer.order_id]
    assert (state.consent, state.deadline) == (ConsentState.DEEMED, shop.SLIPPED_SHIPS)
    listed, _ = await asyncio.to_thread(outbox_listing, monkeypatch, database_url, tmp_path, capsys)
    assert listed == []
