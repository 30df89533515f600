"""An old database's first start: many overdue purchase orders alert as digest pages, each purchase
order once, never twice on the next run (DESIGN §12)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.domain.alerts import DIGEST_AFTER, DIGEST_PAGE, DIGEST_PAGES
from bot.domain.model import Customer, Order, OrderLine, Product, PurchaseOrder
from bot.i18n import Catalogs
from bot.services.alerts import alert_overdue_supply
from bot.services.overdue_supply import overdue_supply
from handlers.staff.alert_texts import AlertTexts
from storage.store import SqlStore
from tests.sql import fetch_all

NOW = datetime(2026, 12, 16, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
POS = 20
CHATS = (555, 556)


async def seed_overdue(store: SqlStore, count: int) -> None:
    """`count` SKUs, each with one late purchase order and one customer waiting on it."""
    products = [Product(f"SKU-{n}", f"Lamp {n}", 1000, "EUR", on_hand=0) for n in range(count)]
    await store.upsert_products(products, actor="test", at=NOW)
    pos = [
        PurchaseOrder(f"PO-{n}", f"SKU-{n}", 5, date(2026, 12, 1) + timedelta(days=n % 10))
        for n in range(count)
    ]
    await store.upsert_purchase_orders(pos, actor="test", at=NOW)
    customers = [Customer(f"C-{n}", f"Buyer {n}") for n in range(count)]
    orders = [
        Order(
            f"O-{n}",
            f"C-{n}",
            NOW - timedelta(days=30),
            "EUR",
            lines=(OrderLine(f"O-{n}", 1, f"SKU-{n}", 1, 1000),),
        )
        for n in range(count)
    ]
    await store.upsert_orders(customers, orders, actor="test", at=NOW)


async def check(store: SqlStore, catalogs: Catalogs) -> int:
    found = await overdue_supply(store, today=TODAY)
    texts = AlertTexts(catalogs.translator("en"))
    return await alert_overdue_supply(store, found, chats=CHATS, texts=texts, now=NOW)


async def test_twenty_overdue_pos_alert_as_digest_pages_each_po_once_and_never_again(
    store: SqlStore, catalogs: Catalogs
) -> None:
    await seed_overdue(store, POS)

    first = await check(store, catalogs)
    second = await check(store, catalogs)

    rows: Sequence[Any] = await fetch_all(
        store, "SELECT chat_id, text, buttons FROM outbox ORDER BY id"
    )
    pages = -(-POS // DIGEST_PAGE)
    assert (first, second) == (POS, 0)
    assert POS > DIGEST_AFTER
    assert len(rows) == pages * len(CHATS)
    texts = [str(row[1]) for row in rows if row[0] == CHATS[0]]
    assert all("20 purchase orders are overdue with customers waiting" in text for text in texts)
    shown = "\n".join(texts)
    assert all(f"<b>PO-{n}</b> (SKU-{n}," in shown for n in range(POS))
    assert sum(str(row[2]).count("al:") for row in rows if row[0] == CHATS[0]) == POS


async def test_past_three_pages_the_rest_are_counted_and_never_alerted_later(
    store: SqlStore, catalogs: Catalogs
) -> None:
    count = DIGEST_PAGE * DIGEST_PAGES + 7
    await seed_overdue(store, count)

    first = await check(store, catalogs)
    second = await check(store, catalogs)

    rows: Sequence[Any] = await fetch_all(
        store, "SELECT text FROM outbox WHERE chat_id = 555 ORDER BY id"
    )
    assert (first, second) == (count, 0)
    assert len(rows) == DIGEST_PAGES
    assert "… and 7 more overdue purchase orders, not listed here" in str(rows[-1][0])


async def test_a_few_overdue_pos_alert_one_message_each(
    store: SqlStore, catalogs: Catalogs
) -> None:
    await seed_overdue(store, 3)

    assert await check(store, catalogs) == 3

    rows: Sequence[Any] = await fetch_all(store, "SELECT chat_id FROM outbox")
    assert len(rows) == 3 * len(CHATS)
