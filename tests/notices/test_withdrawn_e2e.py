"""A notice held overnight is decided again when its order changes before morning (issue 8)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import BotApplication, build_application, polling
from bot.clock import FrozenClock
from bot.context import Services
from bot.domain.model import Customer, Order, OrderLine
from bot.i18n import Catalogs
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import Sandbox
from bot.services.eta import recompute_etas
from bot.services.importing import import_csv
from bot.services.notices import mark_communicated
from storage.store import SqlStore
from tests.databases import database_settings
from tests.notices import shop
from tests.notices.conftest import TOKEN, bot_messages
from tests.sql import fetch_all, fetch_value

CHAT = 9401
EVENING = datetime(2026, 12, 2, 22, 0, tzinfo=UTC)  # quiet hours: news waits for 08:00
MORNING = datetime(2026, 12, 3, 8, 1, tzinfo=UTC)
SOONER = "2026-12-07"


async def seed(store: SqlStore, order_ids: list[str]) -> None:
    """A customer (no jurisdiction: news only) waiting on chairs in several orders, linked."""
    await shop.seed(store, [])
    customer = Customer("C-4000", "Pat Doe", language="en")
    orders = [
        Order(
            order_id,
            "C-4000",
            shop.NOW - timedelta(days=1),
            "EUR",
            promised_ship_date=shop.PROMISED,
            lines=(OrderLine(order_id, 1, "CHAIR", 1, shop.CHAIR_PRICE),),
        )
        for order_id in order_ids
    ]
    await store.upsert_orders([customer], orders, actor="test", at=shop.NOW)
    await recompute_etas(store, rules=shop.RULES, today=shop.TODAY)
    await store.link_chat(CHAT, "C-4000", via="deep_link", actor="test", at=shop.NOW)
    await mark_communicated(store, "C-4000", now=shop.NOW)


@asynccontextmanager
async def running_bot(
    sandbox: Sandbox, store: SqlStore, catalogs: Catalogs, database_url: str, clock: FrozenClock
) -> AsyncIterator[BotApplication]:
    """The real application (jobs and dispatcher) on a clock the test moves."""
    settings = database_settings(database_url, token=TOKEN, api_base_url=sandbox.api_base_url)
    services = Services(
        settings=settings, store=store, clock=clock, rules=shop.RULES, catalogs=catalogs
    )
    async with polling(build_application(services), poll_timeout=1) as application:
        yield application


async def imported(store: SqlStore, folder: Path, kind: str, text: str, now: datetime) -> None:
    """A file imported as the command line does (validate, write, recompute)."""
    path = folder / f"{kind}.csv"
    path.write_text(text, encoding="utf-8")
    await import_csv(
        store, kind, path, timezone=ZoneInfo("UTC"), rules=shop.RULES, now=now, actor="cli"
    )


async def queued_texts(store: SqlStore, *, notices_only: bool = True) -> list[str]:
    """The notices (or every message) waiting in the outbox for the customer's chat; a
    cancelled order's rating question (tests/ratings) is no notice."""
    only = " AND dedupe_key NOT LIKE 'rating:%'" if notices_only else ""
    rows = await fetch_all(
        store,
        f"SELECT text FROM outbox WHERE chat_id = :chat AND status = 'pending'{only} ORDER BY id",
        chat=CHAT,
    )
    return [str(row[0]) for row in rows]


async def until_queued(store: SqlStore, wanted: str, unwanted: str | None = None) -> str:
    """Wait until exactly one message waits for the chat, naming `wanted` and not `unwanted`."""
    for _ in range(300):
        texts = await queued_texts(store)
        if (
            len(texts) == 1
            and wanted in texts[0]
            and (unwanted is None or unwanted not in texts[0])
        ):
            return texts[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"never queued as expected: {await queued_texts(store)}")


async def until_nothing_queued(store: SqlStore) -> None:
    for _ in range(300):
        if not await queued_texts(store):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"still queued: {await queued_texts(store)}")


async def until_delivered(store: SqlStore, client: SandboxClient, messages: int) -> None:
    """Wait until the chat got `messages` messages and nothing is left to send.

    Why: the sweep that withdraws a notice commits before it queues the cancelled order's rating
    question (bot.jobs.sweep_if_recomputed), so an empty outbox alone can be the moment between.
    """
    await client.wait_for(CHAT, after=0, count=messages, timeout=15)
    for _ in range(300):
        pending = await fetch_value(
            store, "SELECT count(*) FROM notice_log WHERE delivery = 'pending'"
        )
        if pending == 0 and not await queued_texts(store, notices_only=False):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the morning's notices were not delivered")


def cancelled_order_csv(order_id: str) -> str:
    header = (
        "order_id,customer_id,customer_name,placed_at,promised_ship_date,sku,quantity,"
        "unit_price,currency,status"
    )
    placed = (shop.NOW - timedelta(days=1)).isoformat()
    price = f"{shop.CHAIR_PRICE / 100:.2f}"
    row = f"{order_id},C-4000,Pat Doe,{placed},{shop.PROMISED},CHAIR,1,{price},EUR,cancelled"
    return f"{header}\n{row}\n"


async def test_good_news_held_overnight_for_an_order_cancelled_before_morning_is_not_sent(
    store: SqlStore,
    sandbox: Sandbox,
    client: SandboxClient,
    catalogs: Catalogs,
    database_url: str,
    tmp_path: Path,
) -> None:
    await seed(store, ["4005"])
    await client.create_user(CHAT, "Pat", language_code="en")
    clock = FrozenClock(EVENING)

    async with running_bot(sandbox, store, catalogs, database_url, clock):
        await imported(
            store,
            tmp_path,
            "purchase-orders",
            f"po_id,sku,quantity,expected_date\nPO-1,CHAIR,10000,{SOONER}\n",
            EVENING,
        )
        await until_queued(store, "4005")
        await imported(store, tmp_path, "orders", cancelled_order_csv("4005"), EVENING)
        await until_nothing_queued(store)
        clock.moment = MORNING
        await until_delivered(store, client, messages=1)
        assert "notice.withdrawn" in [
            entry.action for entry in await store.audit_entries("order:4005")
        ]

    # No notice; only the question how the shop handled the cancelled backorder.
    (question,) = await bot_messages(client, CHAT)
    assert question["text"].startswith("Order 4005 was cancelled.")


async def test_a_digest_held_overnight_still_tells_about_the_order_that_was_not_cancelled(
    store: SqlStore,
    sandbox: Sandbox,
    client: SandboxClient,
    catalogs: Catalogs,
    database_url: str,
    tmp_path: Path,
) -> None:
    await seed(store, ["4005", "4006"])
    await client.create_user(CHAT, "Pat", language_code="en")
    clock = FrozenClock(EVENING)

    async with running_bot(sandbox, store, catalogs, database_url, clock):
        await imported(
            store,
            tmp_path,
            "purchase-orders",
            f"po_id,sku,quantity,expected_date\nPO-1,CHAIR,10000,{SOONER}\n",
            EVENING,
        )
        both = await until_queued(store, "4005")
        assert "4006" in both
        await imported(store, tmp_path, "orders", cancelled_order_csv("4005"), EVENING)
        await until_queued(store, "4006", unwanted="4005")
        clock.moment = MORNING
        await until_delivered(store, client, messages=2)

    texts = sorted(message["text"] for message in await bot_messages(client, CHAT))
    assert texts[0] == "Good news: order 4006 will ship sooner, on Dec 8, 2026."
    # The cancelled order's rating question, and nothing else.
    assert len(texts) == 2 and texts[1].startswith("Order 4005 was cancelled.")
