"""A valid file is written completely, re-imports update by key, and ETAs follow."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.domain.model import Confidence, Jurisdiction, LineStatus, PoStatus
from storage.store import SqlStore
from tests.importing.conftest import Importer
from tests.importing.samples import ORDER_HEADER, ORDERS, PRODUCTS, PURCHASE_ORDERS, order_row


async def test_products_are_imported_with_prices_in_minor_units(
    store: SqlStore, run_import: Importer
) -> None:
    report = await run_import("products", PRODUCTS)

    assert (report.rows, report.errors) == (3, [])
    products = await store.get_products(["MUG-1", "CUP-1", "YEN-1"])
    assert products["MUG-1"].price_minor == 1250
    assert products["MUG-1"].alternatives == ("CUP-1",)
    assert products["MUG-1"].lead_time_days == 14
    assert products["MUG-1"].handling_days is None
    assert products["CUP-1"].lead_time_days is None
    assert products["CUP-1"].handling_days == 0
    assert products["YEN-1"].price_minor == 1500


async def test_reimporting_a_product_updates_it_by_sku(
    store: SqlStore, run_import: Importer
) -> None:
    await run_import("products", PRODUCTS)

    report = await run_import(
        "products", "sku,name,price,currency,on_hand\nMUG-1,Big blue mug,13.00,EUR,9\n"
    )

    assert report.errors == []
    mug = (await store.get_products(["MUG-1"]))["MUG-1"]
    assert (mug.name, mug.price_minor, mug.on_hand) == ("Big blue mug", 1300, 9)
    assert await store.known_skus() == {"MUG-1", "CUP-1", "YEN-1"}
    assert len(await store.audit_entries("product:MUG-1")) == 2


async def test_orders_are_imported_with_customers_and_numbered_lines(
    store: SqlStore, run_import: Importer
) -> None:
    await run_import("products", PRODUCTS)

    report = await run_import("orders", ORDERS)

    assert (report.rows, report.errors) == (3, [])
    order = await store.get_order("1001")
    assert order is not None
    assert [(line.line_no, line.sku, line.quantity) for line in order.lines] == [
        (1, "MUG-1", 2),
        (2, "CUP-1", 1),
    ]
    assert order.jurisdiction is Jurisdiction.UK
    assert order.promised_ship_date == date(2026, 3, 10)
    customer = await store.get_customer("C2")
    assert customer is not None
    assert (customer.name, customer.language, customer.phone) == ("Jürgen Weiß", "de", None)


async def test_a_timestamp_without_offset_is_read_in_the_business_time_zone(
    store: SqlStore, run_import: Importer
) -> None:
    await run_import("products", PRODUCTS)
    await run_import("orders", ORDERS)

    order = await store.get_order("1002")

    assert order is not None
    assert order.placed_at == datetime(2026, 2, 28, 8, 15, tzinfo=UTC)
    assert order.priority == 1


async def test_reimporting_an_order_updates_its_lines_by_key(
    store: SqlStore, run_import: Importer
) -> None:
    await run_import("products", PRODUCTS)
    await run_import("orders", ORDERS)

    report = await run_import(
        "orders",
        ORDER_HEADER
        + order_row(
            order_id="1001",
            line_no="2",
            customer_id="C1",
            customer_name="Ada Lovelace",
            sku="CUP-1",
            quantity="3",
            status="cancelled",
        ),
    )

    assert report.errors == []
    order = await store.get_order("1001")
    assert order is not None
    assert [(line.line_no, line.quantity, line.status) for line in order.lines] == [
        (1, 2, LineStatus.OPEN),
        (2, 3, LineStatus.CANCELLED),
    ]


async def test_purchase_orders_are_imported_with_defaults(
    store: SqlStore, run_import: Importer
) -> None:
    await run_import("products", PRODUCTS)

    report = await run_import("purchase-orders", PURCHASE_ORDERS)

    assert (report.rows, report.errors) == (2, [])
    books = {book.sku: book for book in await store.sku_books(["MUG-1", "CUP-1"])}
    (po2,) = books["MUG-1"].purchase_orders
    assert (po2.po_id, po2.received_quantity, po2.status) == ("PO-2", 0, PoStatus.PLANNED)


async def test_etas_are_recomputed_after_each_import(store: SqlStore, run_import: Importer) -> None:
    await run_import("products", PRODUCTS)
    await run_import("orders", ORDERS)
    etas = await store.line_etas(["1001", "1002"])
    assert etas["1001", 1].confidence is Confidence.IN_STOCK
    assert etas["1001", 2].confidence is Confidence.UNKNOWN

    await run_import("purchase-orders", PURCHASE_ORDERS)

    cup = (await store.line_etas(["1001"]))["1001", 2]
    assert cup.confidence is Confidence.CONFIRMED
    assert cup.waiting_for_po_date == date(2026, 3, 16)


async def test_a_file_with_a_byte_order_mark_and_blank_lines_is_accepted(
    store: SqlStore, run_import: Importer
) -> None:
    content = "\ufeffsku,name,price,currency,on_hand\n\nBOM-1,Thing,1.00,EUR,1\n\n"

    report = await run_import("products", content)

    assert (report.rows, report.errors) == (1, [])
    assert "BOM-1" in await store.known_skus()
