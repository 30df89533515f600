"""Reading each SKU's supply and demand from SQLite (storage/etas.py)."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.model import LineStatus, PoStatus
from storage.store import SqlStore
from tests.eta.shop import NOW, TODAY, add_order, add_po, add_product
from tests.sql import execute


async def test_a_book_holds_the_products_stock_facts_and_only_open_lines(
    store: SqlStore,
) -> None:
    await add_product(store, "MUG", on_hand=3, lead_time_days=9, handling_days=2)
    await add_order(
        store, "O-1", [("MUG", 1), ("MUG", 2)], statuses=[LineStatus.OPEN, LineStatus.SHIPPED]
    )

    [book] = await store.sku_books(["MUG"])

    assert (book.sku, book.on_hand, book.lead_time_days, book.handling_days) == ("MUG", 3, 9, 2)
    assert [(line.order_id, line.line_no, line.quantity) for line in book.demand] == [("O-1", 1, 1)]


async def test_a_book_leaves_out_purchase_orders_that_bring_nothing_more(
    store: SqlStore,
) -> None:
    await add_product(store, "MUG")
    due = TODAY + timedelta(days=4)
    await add_po(store, "PO-1", "MUG", 5, due, status=PoStatus.CANCELLED)
    await add_po(store, "PO-2", "MUG", 5, due, received=5)
    await add_po(store, "PO-3", "MUG", 5, due, received=2, status=PoStatus.PLANNED)

    [book] = await store.sku_books(None)

    assert [(po.po_id, po.remaining, po.status) for po in book.purchase_orders] == [
        ("PO-3", 3, PoStatus.PLANNED)
    ]


async def test_lines_come_with_their_orders_priority_and_placement_time(
    store: SqlStore,
) -> None:
    await add_product(store, "MUG")
    await add_order(store, "O-1", [("MUG", 1)], placed_at=NOW, priority=2)

    [book] = await store.sku_books(["MUG"])

    assert book.demand[0].priority == 2
    assert book.demand[0].placed_at == NOW


async def test_a_product_without_open_lines_still_has_a_book_and_unknown_skus_have_none(
    store: SqlStore,
) -> None:
    await add_product(store, "MUG", on_hand=1)

    books = await store.sku_books(["MUG", "NO-SUCH-SKU"])

    assert [(book.sku, list(book.demand)) for book in books] == [("MUG", [])]


async def test_a_released_line_comes_first_in_its_skus_demand(store: SqlStore) -> None:
    await add_product(store, "MUG")
    await add_order(store, "O-VIP", [("MUG", 1)], placed_at=NOW - timedelta(days=9), priority=5)
    await add_order(store, "O-SHIP", [("MUG", 1)], placed_at=NOW)
    await execute(store, "UPDATE order_lines SET ship_now = 1 WHERE order_id = 'O-SHIP'")

    [book] = await store.sku_books(["MUG"])

    assert [(line.order_id, line.released) for line in book.demand] == [
        ("O-SHIP", True),
        ("O-VIP", False),
    ]
