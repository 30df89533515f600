"""A file with any bad row is rejected as a whole, each problem named by line and column."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.domain.calendar import BusinessCalendar
from bot.domain.eta import EtaRules
from bot.services.importing import import_csv
from storage.store import SqlStore
from tests.importing.conftest import BERLIN, NOW, Importer, dump
from tests.importing.samples import (
    ORDER_HEADER,
    ORDERS,
    PRODUCTS,
    PURCHASE_ORDERS,
    order_row,
)

PRODUCT_HEADER = "sku,name,price,currency,on_hand\n"
PO_HEADER = "po_id,sku,quantity,received_quantity,expected_date,status\n"


@dataclass(frozen=True)
class BadFile:
    """One kind of bad input and where its error must point."""

    kind: str
    content: str | bytes
    line: int
    column: str
    words: str  # the message must contain these


BAD_FILES = {
    "unknown column": BadFile(
        "products", "sku,name,price,currency,on_hand,colour\n", 1, "colour", "unknown"
    ),
    "missing required column": BadFile(
        "products", "sku,name,price,currency\nX,Y,1.00,EUR\n", 1, "on_hand", "missing"
    ),
    "duplicate column": BadFile(
        "products", "sku,name,price,currency,on_hand,sku\n", 1, "sku", "duplicate"
    ),
    "missing required cell": BadFile(
        "products", PRODUCT_HEADER + "NEW-1,,1.00,EUR,1\n", 2, "name", "required"
    ),
    "negative on_hand": BadFile(
        "products", PRODUCT_HEADER + "NEW-1,Thing,1.00,EUR,-1\n", 2, "on_hand", "at least 0"
    ),
    "on_hand not a whole number": BadFile(
        "products", PRODUCT_HEADER + "NEW-1,Thing,1.00,EUR,2.5\n", 2, "on_hand", "whole number"
    ),
    "too many decimals": BadFile(
        "products", PRODUCT_HEADER + "NEW-1,Thing,1.999,EUR,1\n", 2, "price", "decimals"
    ),
    "decimal comma": BadFile(
        "products", PRODUCT_HEADER + 'NEW-1,Thing,"1,99",EUR,1\n', 2, "price", "not a number"
    ),
    "decimals on a currency without minor units": BadFile(
        "products", PRODUCT_HEADER + "NEW-1,Thing,1.5,JPY,1\n", 2, "price", "JPY has no minor unit"
    ),
    "unknown currency": BadFile(
        "products", PRODUCT_HEADER + "NEW-1,Thing,1.00,XYZ,1\n", 2, "currency", "currency"
    ),
    "duplicate sku": BadFile(
        "products", PRODUCT_HEADER + "NEW-1,A,1.00,EUR,1\nNEW-1,B,1.00,EUR,1\n", 3, "sku", "line 2"
    ),
    "unknown alternative": BadFile(
        "products",
        PRODUCT_HEADER.replace("\n", ",alternatives\n") + "NEW-1,A,1.00,EUR,1,GHOST\n",
        2,
        "alternatives",
        "GHOST",
    ),
    "own alternative": BadFile(
        "products",
        PRODUCT_HEADER.replace("\n", ",alternatives\n") + "NEW-1,A,1.00,EUR,1,CUP-1|NEW-1\n",
        2,
        "alternatives",
        "own",
    ),
    "wrong number of cells": BadFile(
        "products", PRODUCT_HEADER + "NEW-1,A,1.00,EUR\n", 2, "row", "4 values"
    ),
    "non-UTF-8 file": BadFile(
        "products",
        PRODUCT_HEADER.encode() + b"NEW-1,A,1.00,EUR,1\nNEW-2,Caf\xe9,1.00,EUR,1\n",
        3,
        "file",
        "byte 0xE9 is not UTF-8",
    ),
    "empty file": BadFile("products", "", 1, "header", "empty"),
    "quantity 0": BadFile(
        "orders", ORDER_HEADER + order_row(quantity="0"), 2, "quantity", "at least 1"
    ),
    "bad timestamp": BadFile(
        "orders", ORDER_HEADER + order_row(placed_at="yesterday"), 2, "placed_at", "ISO-8601"
    ),
    "bad promised date": BadFile(
        "orders",
        ORDER_HEADER + order_row(promised_ship_date="2026-02-30"),
        2,
        "promised_ship_date",
        "date",
    ),
    "unknown SKU in an order": BadFile(
        "orders", ORDER_HEADER + order_row(sku="GHOST"), 2, "sku", "unknown SKU"
    ),
    "mixed currencies in one order": BadFile(
        "orders",
        ORDER_HEADER + order_row() + order_row(currency="USD"),
        3,
        "currency",
        "mixed currencies",
    ),
    "currency differs from the stored order": BadFile(
        "orders",
        ORDER_HEADER
        + order_row(
            order_id="1001", customer_id="C1", customer_name="Ada Lovelace", currency="USD"
        ),
        2,
        "currency",
        "stored in EUR",
    ),
    "bad language tag": BadFile(
        "orders",
        ORDER_HEADER + order_row(customer_language="xx-YY"),
        2,
        "customer_language",
        "language tag",
    ),
    "bad time zone": BadFile(
        "orders",
        ORDER_HEADER + order_row(customer_timezone="Mars/Olympus"),
        2,
        "customer_timezone",
        "time zone",
    ),
    "a time zone folder, not a zone": BadFile(
        "orders",
        ORDER_HEADER + order_row(customer_timezone="America"),
        2,
        "customer_timezone",
        "time zone",
    ),
    "bad jurisdiction": BadFile(
        "orders", ORDER_HEADER + order_row(jurisdiction="CA"), 2, "jurisdiction", "US, EU, UK"
    ),
    "bad line status": BadFile(
        "orders", ORDER_HEADER + order_row(status="lost"), 2, "status", "open, shipped, cancelled"
    ),
    "bad e-mail": BadFile(
        "orders",
        ORDER_HEADER + order_row(customer_email="grace at example"),
        2,
        "customer_email",
        "e-mail",
    ),
    "conflicting order header": BadFile(
        "orders",
        ORDER_HEADER + order_row() + order_row(placed_at="2026-03-01T09:00:00"),
        3,
        "placed_at",
        "differs",
    ),
    "conflicting customer across orders": BadFile(
        "orders",
        ORDER_HEADER + order_row() + order_row(order_id="2002", customer_name="G. Hopper"),
        3,
        "customer_name",
        "differs",
    ),
    "duplicate order line number": BadFile(
        "orders",
        ORDER_HEADER + order_row(line_no="1") + order_row(line_no="1", sku="CUP-1"),
        3,
        "line_no",
        "already has line 1",
    ),
    "bad expected date": BadFile(
        "purchase-orders",
        PO_HEADER + "PO-9,CUP-1,5,0,20.03.2026,confirmed\n",
        2,
        "expected_date",
        "date",
    ),
    "received more than ordered": BadFile(
        "purchase-orders",
        PO_HEADER + "PO-9,CUP-1,5,6,2026-03-20,confirmed\n",
        2,
        "received_quantity",
        "more than",
    ),
    "bad purchase order status": BadFile(
        "purchase-orders",
        PO_HEADER + "PO-9,CUP-1,5,0,2026-03-20,maybe\n",
        2,
        "status",
        "confirmed, planned, cancelled",
    ),
    "duplicate po_id": BadFile(
        "purchase-orders",
        PO_HEADER + "PO-9,CUP-1,5,0,2026-03-20,\nPO-9,MUG-1,5,0,2026-03-21,\n",
        3,
        "po_id",
        "duplicate",
    ),
    "unknown SKU in a purchase order": BadFile(
        "purchase-orders", PO_HEADER + "PO-9,GHOST,5,0,2026-03-20,\n", 2, "sku", "unknown SKU"
    ),
}


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


@pytest.mark.parametrize("case", list(BAD_FILES), ids=list(BAD_FILES))
async def test_a_bad_file_is_reported_at_its_line_and_column_and_changes_nothing(
    case: str, seeded: SqlStore, run_import: Importer, csv_path: Path
) -> None:
    bad = BAD_FILES[case]
    before = await dump(seeded)

    report = await run_import(bad.kind, bad.content)

    prefix = f"{csv_path}:{bad.line}: {bad.column}: "
    assert any(error.startswith(prefix) and bad.words in error for error in report.errors), (
        report.errors
    )
    assert report.rows == 0
    assert await dump(seeded) == before


async def test_every_bad_row_is_reported_not_just_the_first(
    seeded: SqlStore, run_import: Importer, csv_path: Path
) -> None:
    content = PO_HEADER + (
        "PO-7,CUP-1,5,0,2026-03-20,\nPO-8,GHOST,5,0,2026-03-20,\nPO-9,CUP-1,0,0,someday,\n"
    )

    report = await run_import("purchase-orders", content)

    assert [error.removeprefix(f"{csv_path}:").split(":")[:2] for error in report.errors] == [
        ["3", " sku"],
        ["4", " quantity"],
        ["4", " expected_date"],
    ]


async def test_a_quoted_cell_spanning_lines_keeps_later_line_numbers_physical(
    seeded: SqlStore, run_import: Importer, csv_path: Path
) -> None:
    content = PRODUCT_HEADER + '"NEW-1","Mug,\nwith a long name",1.00,EUR,1\nNEW-2,B,1.00,EUR,-4\n'

    report = await run_import("products", content)

    assert len(report.errors) == 1
    assert report.errors[0].startswith(f"{csv_path}:4: on_hand: ")


async def test_a_missing_file_is_reported_without_touching_the_database(
    seeded: SqlStore, tmp_path: Path
) -> None:

    before = await dump(seeded)
    missing = tmp_path / "nope.csv"
    report = await import_csv(
        seeded,
        "products",
        missing,
        timezone=BERLIN,
        rules=EtaRules(calendar=BusinessCalendar(), default_handling_days=1),
        now=NOW,
        actor="cli",
    )

    assert report.errors[0].startswith(f"{missing}:0: file: cannot be read")
    assert await dump(seeded) == before
