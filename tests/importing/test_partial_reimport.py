"""A column left out of a re-import keeps the stored value; a blank cell clears it (DESIGN §4)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.domain.model import Confidence, Jurisdiction, LineStatus, PoStatus
from storage.store import SqlStore
from tests.importing.conftest import NOW, Importer, dump
from tests.importing.samples import ORDERS, PRODUCTS, PURCHASE_ORDERS

SHORT_PRODUCTS = "sku,name,price,currency,on_hand\n"
SHORT_ORDERS = "order_id,customer_id,customer_name,placed_at,sku,quantity,unit_price,currency\n"
SHORT_PURCHASE_ORDERS = "po_id,sku,quantity,expected_date\n"
ADA_LINE_1 = "1001,C1,Ada Lovelace,2026-02-27T10:00:00+00:00,MUG-1,3,12.50,EUR\n"
ADA_LINE_2 = "1001,C1,Ada Lovelace,2026-02-27T10:00:00+00:00,CUP-1,1,8.00,EUR\n"


async def test_a_stock_only_product_file_keeps_lead_time_supplier_and_alternatives(
    store: SqlStore, run_import: Importer
) -> None:
    await run_import("products", PRODUCTS)
    await run_import("orders", ORDERS)

    report = await run_import("products", SHORT_PRODUCTS + "MUG-1,Blue mug,12.50,EUR,0\n")

    assert report.errors == []
    mug = (await store.get_products(["MUG-1"]))["MUG-1"]
    assert (mug.on_hand, mug.category, mug.lead_time_days, mug.supplier, mug.alternatives) == (
        0,
        "kitchen",
        14,
        "Potter & Co",
        ("CUP-1",),
    )
    eta = (await store.line_etas(["1001"]))["1001", 1]
    assert eta.confidence is Confidence.ESTIMATE
    assert eta.ship_date is not None


async def test_a_blank_cell_in_a_present_product_column_clears_only_that_value(
    store: SqlStore, run_import: Importer
) -> None:
    await run_import("products", PRODUCTS)

    report = await run_import(
        "products",
        "sku,name,price,currency,on_hand,lead_time_days,supplier\nMUG-1,Blue mug,12.50,EUR,3,,\n",
    )

    assert report.errors == []
    mug = (await store.get_products(["MUG-1"]))["MUG-1"]
    assert (mug.lead_time_days, mug.supplier) == (None, None)
    assert (mug.category, mug.alternatives) == ("kitchen", ("CUP-1",))


async def test_a_new_product_without_the_optional_columns_gets_the_defaults(
    store: SqlStore, run_import: Importer
) -> None:
    await run_import("products", PRODUCTS)

    await run_import("products", SHORT_PRODUCTS + "NEW-1,Saucer,3.00,EUR,4\n")

    saucer = (await store.get_products(["NEW-1"]))["NEW-1"]
    assert (saucer.lead_time_days, saucer.supplier, saucer.alternatives) == (None, None, ())


async def test_a_purchase_order_file_without_status_keeps_a_planned_order_planned(
    store: SqlStore, run_import: Importer
) -> None:
    await run_import("products", PRODUCTS)
    await run_import(
        "purchase-orders", PURCHASE_ORDERS.replace("PO-1,CUP-1,10,0", "PO-1,CUP-1,10,4")
    )

    report = await run_import(
        "purchase-orders",
        SHORT_PURCHASE_ORDERS + "PO-1,CUP-1,12,2026-03-18\nPO-2,MUG-1,6,2026-03-27\n",
    )

    assert report.errors == []
    stored = await store.get_purchase_orders(["PO-1", "PO-2"])
    assert (stored["PO-2"].status, stored["PO-2"].quantity) == (PoStatus.PLANNED, 6)
    assert stored["PO-2"].expected_date == date(2026, 3, 27)
    assert (stored["PO-1"].received_quantity, stored["PO-1"].supplier) == (4, "Potter & Co")


async def test_a_new_purchase_order_without_status_is_confirmed(
    store: SqlStore, run_import: Importer
) -> None:
    await run_import("products", PRODUCTS)

    await run_import("purchase-orders", SHORT_PURCHASE_ORDERS + "PO-9,MUG-1,6,2026-03-27\n")

    po = (await store.get_purchase_orders(["PO-9"]))["PO-9"]
    assert (po.status, po.received_quantity, po.supplier) == (PoStatus.CONFIRMED, 0, None)


async def test_a_quantity_below_the_kept_received_count_is_refused_and_changes_nothing(
    store: SqlStore, run_import: Importer, csv_path: Path
) -> None:
    await run_import("products", PRODUCTS)
    await run_import(
        "purchase-orders", PURCHASE_ORDERS.replace("PO-1,CUP-1,10,0", "PO-1,CUP-1,10,4")
    )
    before = await dump(store)

    report = await run_import(
        "purchase-orders", SHORT_PURCHASE_ORDERS + "PO-1,CUP-1,3,2026-03-18\n"
    )

    assert report.errors == [
        f"{csv_path}:2: received_quantity: 4 is more than the ordered quantity 3"
    ]
    assert await dump(store) == before


async def test_an_order_row_without_customer_columns_keeps_the_customers_contact_details(
    store: SqlStore, run_import: Importer
) -> None:
    await run_import("products", PRODUCTS)
    await run_import("orders", ORDERS)

    report = await run_import("orders", SHORT_ORDERS + ADA_LINE_1)

    assert report.errors == []
    ada = (await store.imported_customers(["C1"]))["C1"]
    assert (ada.email, ada.phone, ada.language, ada.timezone) == (
        "ada@example.com",
        "+44 20 7946 0018",
        "en",
        "Europe/London",
    )
    order = await store.get_order("1001")
    assert order is not None
    assert (order.promised_ship_date, order.jurisdiction) == (date(2026, 3, 10), Jurisdiction.UK)
    assert order.lines[0].quantity == 3


async def test_a_blank_customer_email_clears_the_email_and_keeps_the_rest(
    store: SqlStore, run_import: Importer
) -> None:
    await run_import("products", PRODUCTS)
    await run_import("orders", ORDERS)

    await run_import(
        "orders", SHORT_ORDERS.replace("\n", ",customer_email\n") + ADA_LINE_1.replace("\n", ",\n")
    )

    ada = (await store.imported_customers(["C1"]))["C1"]
    assert (ada.email, ada.phone, ada.language) == (None, "+44 20 7946 0018", "en")


async def test_an_order_file_without_status_keeps_a_shipped_line_shipped_without_a_note(
    store: SqlStore, run_import: Importer
) -> None:
    await run_import("products", PRODUCTS)
    await run_import("orders", ORDERS.replace("CUP-1,1,8.00,EUR,open", "CUP-1,1,8.00,EUR,shipped"))

    report = await run_import("orders", SHORT_ORDERS + ADA_LINE_1 + ADA_LINE_2)

    assert (report.errors, report.kept_status) == ([], 0)
    order = await store.get_order("1001")
    assert order is not None
    assert [line.status for line in order.lines] == [LineStatus.OPEN, LineStatus.SHIPPED]


async def test_a_language_chosen_in_chat_still_wins_after_a_reimport_without_languages(
    store: SqlStore, run_import: Importer
) -> None:
    await run_import("products", PRODUCTS)
    await run_import("orders", ORDERS)
    await store.set_customer_language("C1", "fr", actor="chat", at=NOW)

    await run_import("orders", SHORT_ORDERS + ADA_LINE_1)

    assert (await store.imported_customers(["C1"]))["C1"].language == "en"
    ada = await store.get_customer("C1")
    assert ada is not None
    assert ada.language == "fr"


async def test_a_new_customer_without_the_optional_columns_gets_no_contact_details(
    store: SqlStore, run_import: Importer
) -> None:
    await run_import("products", PRODUCTS)

    await run_import(
        "orders", SHORT_ORDERS + "3001,C9,Alan Turing,2026-03-01T08:00:00,MUG-1,1,12.50,EUR\n"
    )

    alan = (await store.imported_customers(["C9"]))["C9"]
    assert (alan.email, alan.phone, alan.language, alan.timezone) == (None, None, None, None)
    order = await store.get_order("3001")
    assert order is not None
    assert (order.priority, order.jurisdiction, order.lines[0].status) == (
        0,
        None,
        LineStatus.OPEN,
    )
