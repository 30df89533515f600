"""A staff change tells a customer about their order on the changed SKU, and only that one."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.delays import QuietHours
from bot.domain.model import Customer, Order, OrderLine, Product, PurchaseOrder
from bot.i18n import Catalogs
from bot.sandbox.client import SandboxClient
from bot.services.eta import recompute_etas
from bot.services.notices import mark_communicated, sweep
from bot.services.purchase_order_changes import move_expected_date
from bot.services.supply_impact import NoticeSettings, SupplyChange
from handlers.notices import make_renderer
from storage.store import SqlStore
from tests.notices import shop
from tests.notices.conftest import make_users
from tests.sql import fetch_all
from tests.staff.conftest import STAFF_ID
from tests.staff.test_po_chat import data, plain, press, say

BUYER = shop.Buyer(821)
DESK_ORDER = "O-821-DESK"
EVENING = datetime(2026, 12, 2, 22, 0, tzinfo=UTC)  # quiet hours: news waits for 08:00


async def add_desk_order(store: SqlStore, customer_id: str, *, at: datetime) -> None:
    """A desk on its own purchase order, ordered by the same customer; they know its date."""
    desk = Product("DESK", "Standing desk", 39900, "EUR", on_hand=0, lead_time_days=30)
    await store.upsert_products([desk], actor="test", at=at)
    await store.upsert_purchase_orders(
        [PurchaseOrder("PO-D", "DESK", 100, shop.PO_DUE)], actor="test", at=at
    )
    order = Order(
        DESK_ORDER,
        customer_id,
        shop.NOW - timedelta(days=1),
        "EUR",
        promised_ship_date=shop.PROMISED,
        jurisdiction=BUYER.jurisdiction,
        lines=(OrderLine(DESK_ORDER, 1, "DESK", 1, 39900),),
    )
    await store.upsert_orders(
        [Customer(customer_id, "Buyer 821", language="en")], [order], actor="test", at=at
    )
    await recompute_etas(store, rules=shop.RULES, today=shop.TODAY)
    await mark_communicated(store, customer_id, now=at)


async def outbox_texts(store: SqlStore, chat_id: int) -> list[str]:
    """Every message queued for a chat, oldest first."""
    rows = await fetch_all(
        store, "SELECT text FROM outbox WHERE chat_id = :chat_id ORDER BY id", chat_id=chat_id
    )
    return [str(row[0]) for row in rows]


async def test_a_customer_with_an_order_on_the_moved_po_and_one_not_gets_one_digest_about_it(
    store: SqlStore, client: SandboxClient, run_bot: Any
) -> None:
    await shop.seed(store, [BUYER])
    await add_desk_order(store, BUYER.customer_id, at=shop.NOW)
    await make_users(client, [BUYER])
    await client.create_user(STAFF_ID, "Sam", language_code="en")
    async with run_bot():
        (screen,) = await say(client, STAFF_ID, "/po PO-1")
        asked = await press(client, STAFF_ID, data(screen, "sp:m:"))
        edited = await press(client, STAFF_ID, data(asked, "sp:w2:"))
        (received,) = await client.wait_for(BUYER.chat_id, after=0, count=1, timeout=15)
        # Several ticks of the bot's own sweep job later, nothing more reaches the customer.
        await asyncio.sleep(2.5)
        last = await client.last_seq(BUYER.chat_id)
    text = plain(received["text"])
    assert "Order O-821 is delayed" in text and DESK_ORDER not in text
    assert last == received["seq"]
    assert len(await outbox_texts(store, BUYER.chat_id)) == 1
    summary = plain(edited["text"])
    assert "1 delay notice queued" in summary


async def test_a_held_digest_taken_back_by_a_staff_change_comes_back_whole_in_one_digest(
    store: SqlStore, catalogs: Catalogs
) -> None:
    await shop.seed(store, [BUYER])
    await add_desk_order(store, BUYER.customer_id, at=shop.NOW)
    settings = NoticeSettings(
        timezone=ZoneInfo("UTC"),
        rules=shop.RULES,
        refund_days=14,
        quiet_hours=QuietHours.parse("21:00-08:00"),
        render=make_renderer(catalogs),
    )
    # In the evening both purchase orders slip: one digest about both orders, held for 08:00.
    slipped = [
        PurchaseOrder("PO-1", "CHAIR", 10_000, shop.SLIPPED_PO_DUE),
        PurchaseOrder("PO-D", "DESK", 100, shop.SLIPPED_PO_DUE),
    ]
    await store.upsert_purchase_orders(slipped, actor="test", at=EVENING)
    await recompute_etas(store, rules=shop.RULES, today=shop.TODAY)
    await sweep(
        store,
        now=EVENING,
        timezone=settings.timezone,
        rules=shop.RULES,
        refund_days=14,
        render=settings.render,
        quiet_hours=settings.quiet_hours,
    )
    (held,) = await outbox_texts(store, BUYER.chat_id)
    assert "O-821 " in plain(held) and DESK_ORDER in held

    # Staff bring the chair's delivery back to its first date: the chair's delay no longer holds.
    back = await move_expected_date(
        store,
        "PO-1",
        shop.PO_DUE,
        actor="staff:555",
        now=EVENING + timedelta(minutes=10),
        settings=settings,
    )

    assert isinstance(back, SupplyChange)
    (digest,) = await outbox_texts(store, BUYER.chat_id)
    assert DESK_ORDER in digest and "O-821 " not in plain(digest)
    again = await sweep(
        store,
        now=EVENING + timedelta(minutes=11),
        timezone=settings.timezone,
        rules=shop.RULES,
        refund_days=14,
        render=settings.render,
        quiet_hours=settings.quiet_hours,
    )
    assert again.messages_queued == 0
    assert await outbox_texts(store, BUYER.chat_id) == [digest]
