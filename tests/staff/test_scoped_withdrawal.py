"""A staff change to one SKU leaves other customers' held notices alone (its sweep is scoped)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.delays import QuietHours
from bot.domain.model import Customer, Order, OrderLine, Product, PurchaseOrder
from bot.i18n import Catalogs
from bot.services.eta import recompute_etas
from bot.services.notices import mark_communicated
from bot.services.purchase_order_changes import move_expected_date
from bot.services.supply_impact import NoticeSettings, SupplyChange
from handlers.notices import make_renderer
from storage.store import SqlStore
from tests.notices import shop
from tests.sql import fetch_all

CHAIR_BUYER = shop.Buyer(911)
DESK_CHAT = 912
EVENING = datetime(2026, 12, 2, 22, 0, tzinfo=UTC)  # quiet hours: news waits for 08:00


async def seed_desk_buyer(store: SqlStore) -> None:
    """A second product on its own purchase order, and a linked customer waiting only on it."""
    desk = Product("DESK", "Standing desk", 39900, "EUR", on_hand=0, lead_time_days=30)
    await store.upsert_products([desk], actor="test", at=shop.NOW)
    await store.upsert_purchase_orders(
        [PurchaseOrder("PO-D", "DESK", 100, shop.PO_DUE)], actor="test", at=shop.NOW
    )
    order = Order(
        "O-912",
        "C-912",
        shop.NOW - timedelta(days=1),
        "EUR",
        promised_ship_date=shop.PROMISED,
        lines=(OrderLine("O-912", 1, "DESK", 1, 39900),),
    )
    await store.upsert_orders(
        [Customer("C-912", "Desk buyer", language="en")], [order], actor="test", at=shop.NOW
    )
    await recompute_etas(store, rules=shop.RULES, today=shop.TODAY)
    await store.link_chat(DESK_CHAT, "C-912", via="deep_link", actor="test", at=shop.NOW)
    await mark_communicated(store, "C-912", now=shop.NOW)


async def held_for(store: SqlStore, chat_id: int) -> list[tuple[object, ...]]:
    """The pending rows waiting for a chat: id, text and when they may go."""
    rows = await fetch_all(
        store,
        "SELECT id, text, not_before, due_at FROM outbox"
        " WHERE chat_id = :chat_id AND status = 'pending' ORDER BY id",
        chat_id=chat_id,
    )
    return [tuple(row) for row in rows]


async def test_a_staff_change_to_one_sku_keeps_a_held_notice_of_a_customer_not_waiting_on_it(
    store: SqlStore, catalogs: Catalogs
) -> None:
    await shop.seed(store, [CHAIR_BUYER])
    await seed_desk_buyer(store)
    settings = NoticeSettings(
        timezone=ZoneInfo("UTC"),
        rules=shop.RULES,
        refund_days=14,
        quiet_hours=QuietHours.parse("21:00-08:00"),
        render=make_renderer(catalogs),
    )
    earlier = await move_expected_date(
        store, "PO-D", date(2026, 12, 7), actor="staff:555", now=EVENING, settings=settings
    )
    assert isinstance(earlier, SupplyChange)
    held = await held_for(store, DESK_CHAT)
    assert len(held) == 1 and "O-912" in str(held[0][1]) and held[0][2] is not None
    history = await store.notice_history("O-912")

    later = await move_expected_date(
        store,
        "PO-1",
        shop.SLIPPED_PO_DUE,
        actor="staff:555",
        now=EVENING + timedelta(minutes=10),
        settings=settings,
    )

    assert isinstance(later, SupplyChange) and later.impact.notices_queued == 1
    assert await held_for(store, CHAIR_BUYER.chat_id)
    assert await held_for(store, DESK_CHAT) == held
    assert await store.notice_history("O-912") == history
    withdrawn = [e for e in await store.audit_entries("order:O-912") if "withdrawn" in e.action]
    assert withdrawn == []
