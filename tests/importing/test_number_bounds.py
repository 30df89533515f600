"""Numbers and dates beyond sane bounds are located errors, never crashes (DESIGN §4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from storage.store import SqlStore
from tests.importing.conftest import Importer, dump
from tests.importing.samples import ORDER_HEADER, ORDERS, PRODUCTS, PURCHASE_ORDERS, order_row

PRODUCT_HEADER = "sku,name,price,currency,on_hand,lead_time_days,handling_days\n"
PO_HEADER = "po_id,sku,quantity,received_quantity,expected_date\n"
HUGE = "9" * 5000


@pytest.fixture
async def seeded(store: SqlStore, run_import: Importer) -> SqlStore:
    """A store holding the sample products, orders and purchase orders."""
    for kind, content in (
        ("products", PRODUCTS),
        ("orders", ORDERS),
        ("purchase-orders", PURCHASE_ORDERS),
    ):
        assert (await run_import(kind, content)).errors == []
    return store


@dataclass(frozen=True)
class OutOfBounds:
    """A file with one value out of bounds, and the error line it must produce."""

    kind: str
    content: str
    column: str
    message: str


def product(price: str = "1.00", on_hand: str = "1", lead: str = "", handling: str = "") -> str:
    """A products file with one row."""
    return PRODUCT_HEADER + f"NEW-1,Thing,{price},EUR,{on_hand},{lead},{handling}\n"


def purchase_order(quantity: str = "5", received: str = "0", expected: str = "2026-03-20") -> str:
    """A purchase-orders file with one row."""
    return PO_HEADER + f"PO-9,CUP-1,{quantity},{received},{expected}\n"


CASES = {
    "price of 10^20": OutOfBounds(
        "products",
        product(price="99999999999999999999"),
        "price",
        "must be at most 10000000000.00 EUR, got 99999999999999999999",
    ),
    "lead time of 99999999 days": OutOfBounds(
        "products", product(lead="99999999"), "lead_time_days", "must be at most 3650, got 99999999"
    ),
    "handling of 3651 days": OutOfBounds(
        "products", product(handling="3651"), "handling_days", "must be at most 3650, got 3651"
    ),
    "on hand beyond 10^9": OutOfBounds(
        "products", product(on_hand="1000000001"), "on_hand", "must be at most 1000000000"
    ),
    "a 5000-digit stock count": OutOfBounds(
        "products",
        product(on_hand=HUGE),
        "on_hand",
        f"must be between 0 and 1000000000, got {HUGE[:30]}... (5000 characters)",
    ),
    "a 5000-digit price": OutOfBounds(
        "products",
        product(price=HUGE),
        "price",
        f"must be at most 10000000000.00 EUR, got {HUGE[:30]}... (5000 characters)",
    ),
    "ordered quantity beyond 10^9": OutOfBounds(
        "orders",
        ORDER_HEADER + order_row(quantity="99999999999999999999"),
        "quantity",
        "must be between 1 and 1000000000",
    ),
    "unit price beyond 10^12 minor units": OutOfBounds(
        "orders",
        ORDER_HEADER + order_row(unit_price="10000000000.01"),
        "unit_price",
        "must be at most 10000000000.00 EUR",
    ),
    "priority beyond 10^9": OutOfBounds(
        "orders",
        ORDER_HEADER + order_row(priority="-9223372036854775809"),
        "priority",
        "must be between -1000000000 and 1000000000",
    ),
    "line number beyond 10^9": OutOfBounds(
        "orders",
        ORDER_HEADER + order_row(line_no="9223372036854775808"),
        "line_no",
        "must be between 1 and 1000000000",
    ),
    "promised ship date in year 9999": OutOfBounds(
        "orders",
        ORDER_HEADER + order_row(promised_ship_date="9999-12-31"),
        "promised_ship_date",
        "must be between 1900-01-01 and 2999-12-31, got 9999-12-31",
    ),
    "placed at the end of year 9999 west of UTC": OutOfBounds(
        "orders",
        ORDER_HEADER + order_row(placed_at="9999-12-31T23:00:00-05:00"),
        "placed_at",
        "must be between 1900-01-01 and 2999-12-31, got 9999-12-31",
    ),
    "placed on day one of year 1": OutOfBounds(
        "orders",
        ORDER_HEADER + order_row(placed_at="0001-01-01T00:00:00"),
        "placed_at",
        "must be between 1900-01-01 and 2999-12-31, got 0001-01-01",
    ),
    "purchase order quantity beyond 10^9": OutOfBounds(
        "purchase-orders",
        purchase_order(quantity="1000000001"),
        "quantity",
        "must be at most 1000000000",
    ),
    "received quantity beyond 10^9": OutOfBounds(
        "purchase-orders",
        purchase_order(received="99999999999999999999"),
        "received_quantity",
        "must be between 0 and 1000000000",
    ),
    "expected in year 9999": OutOfBounds(
        "purchase-orders",
        purchase_order(expected="9999-12-31"),
        "expected_date",
        "must be between 1900-01-01 and 2999-12-31",
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
async def test_a_value_beyond_sane_bounds_is_one_located_error_and_changes_nothing(
    case: str, seeded: SqlStore, run_import: Importer, csv_path: Path
) -> None:
    bad = CASES[case]
    before = await dump(seeded)

    report = await run_import(bad.kind, bad.content)

    assert len(report.errors) == 1, report.errors
    assert report.errors[0].startswith(f"{csv_path}:2: {bad.column}: {bad.message}")
    assert report.rows == 0
    assert await dump(seeded) == before


async def test_values_at_the_bounds_are_imported_and_get_an_eta(
    store: SqlStore, run_import: Importer
) -> None:
    await run_import("products", PRODUCTS)
    largest = product(price="10000000000.00", on_hand="0", lead="3650", handling="3650")
    assert (await run_import("products", largest)).errors == []
    assert (await run_import("purchase-orders", purchase_order(expected="2999-12-31"))).errors == []

    report = await run_import(
        "orders",
        ORDER_HEADER
        + order_row(
            sku="NEW-1",
            quantity="1000000000",
            unit_price="10000000000.00",
            placed_at="2999-12-31T23:00:00-05:00",
            promised_ship_date="2999-12-31",
            priority="1000000000",
            line_no="1000000000",
        ),
    )

    assert report.errors == []
    eta = (await store.line_etas(["2001"]))["2001", 1000000000]
    assert eta.ship_date is not None
    assert eta.ship_date > date(2036, 1, 1)
