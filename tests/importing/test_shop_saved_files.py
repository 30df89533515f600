"""Files as real shops save them import, or fail with one line that says how to save them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.cli import main
from storage.store import SqlStore
from tests.importing.conftest import Importer, dump
from tests.importing.samples import ORDERS, PRODUCTS, PURCHASE_ORDERS

SAVE_AS = "save it as CSV UTF-8 (comma delimited)"


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


ACCEPTED = {
    "capitalised headers with spaces": (
        " SKU ,Name, PRICE ,Currency,On_Hand\nNEW-1,Saucer,3.00,EUR,4\n"
    ),
    "Excel's trailing empty columns": (
        "sku,name,price,currency,on_hand,,,\nNEW-1,Saucer,3.00,EUR,4,,,\n,,,,,,,\n"
    ),
    "byte-order mark and CRLF line ends": (
        "\ufeffsku,name,price,currency,on_hand\r\nNEW-1,Saucer,3.00,EUR,4\r\n"
    ),
    "a currency code in lower case": "sku,name,price,currency,on_hand\nNEW-1,Saucer,3.00,eur,4\n",
}


@pytest.mark.parametrize("case", list(ACCEPTED), ids=list(ACCEPTED))
async def test_a_product_file_as_excel_saves_it_is_imported(
    case: str, store: SqlStore, run_import: Importer
) -> None:
    report = await run_import("products", ACCEPTED[case])

    assert (report.rows, report.errors) == (1, [])
    saucer = (await store.get_products(["NEW-1"]))["NEW-1"]
    assert (saucer.name, saucer.price_minor, saucer.on_hand) == ("Saucer", 300, 4)
    assert saucer.currency == "EUR"


async def test_statuses_and_jurisdictions_are_read_in_any_letter_case(
    seeded: SqlStore, run_import: Importer
) -> None:
    header = "po_id,sku,quantity,expected_date,status\n"
    report = await run_import("purchase-orders", header + "PO-CASE,MUG-1,2,2026-12-20,Planned\n")

    assert report.errors == []
    po = (await seeded.get_purchase_orders({"PO-CASE"}))["PO-CASE"]
    assert po.status.value == "planned"


async def test_a_header_only_nightly_file_imports_nothing_and_succeeds(
    seeded: SqlStore, run_import: Importer
) -> None:
    before = await dump(seeded)

    report = await run_import("purchase-orders", "po_id,sku,quantity,expected_date\r\n")

    assert (report.rows, report.errors) == (0, [])
    assert await dump(seeded) == before


def test_the_cli_says_a_header_only_file_had_nothing_to_import_and_exits_0(
    cli_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nightly = tmp_path / "nightly.csv"
    nightly.write_text("sku,name,price,currency,on_hand\n", encoding="utf-8")

    assert main(["import", "products", str(nightly)]) == 0

    assert capsys.readouterr().out == (
        f"{nightly}: nothing to import (the file has a header but no rows)\n"
    )


@dataclass(frozen=True)
class WrongFile:
    """A file saved the wrong way, and what its one error line must say."""

    content: bytes
    line: int
    words: str


PRODUCT_ROWS = (
    "sku,name,price,currency,on_hand\nNEW-1,Saucer,3.00,EUR,4\nNEW-2,Café cup,4.00,EUR,1\n"
)

WRONG_FILES = {
    "semicolon-separated": WrongFile(
        b"sku;name;price;currency;on_hand\nNEW-1;Saucer;3,00;EUR;4\n",
        1,
        f"the columns are separated by semicolons, not commas; {SAVE_AS}",
    ),
    "tab-separated": WrongFile(
        b"sku\tname\tprice\tcurrency\ton_hand\nNEW-1\tSaucer\t3.00\tEUR\t4\n",
        1,
        f"the columns are separated by tabs, not commas; {SAVE_AS}",
    ),
    "UTF-16 with a byte-order mark": WrongFile(
        PRODUCT_ROWS.encode("utf-16"),
        1,
        f"the file is saved as UTF-16 (Unicode text), not UTF-8; {SAVE_AS}",
    ),
    "UTF-16 without a byte-order mark": WrongFile(
        PRODUCT_ROWS.encode("utf-16-le"),
        1,
        f"the file is saved as UTF-16 (Unicode text), not UTF-8; {SAVE_AS}",
    ),
    "a NUL byte inside": WrongFile(
        PRODUCT_ROWS.encode().replace(b"Saucer", b"Sau\x00cer"),
        2,
        f"contains a NUL byte, so it is not a text CSV file; {SAVE_AS}",
    ),
    "Windows-1252": WrongFile(
        PRODUCT_ROWS.encode("cp1252"),
        3,
        "byte 0xE9 is not UTF-8 (the file looks like Windows-1252 or another legacy "
        f"encoding); {SAVE_AS}",
    ),
}


@pytest.mark.parametrize("case", list(WRONG_FILES), ids=list(WRONG_FILES))
async def test_a_file_saved_in_another_format_is_rejected_with_one_line_and_changes_nothing(
    case: str, seeded: SqlStore, run_import: Importer, csv_path: Path
) -> None:
    wrong = WRONG_FILES[case]
    before = await dump(seeded)

    report = await run_import("products", wrong.content)

    column = "file"
    assert report.errors == [f"{csv_path}:{wrong.line}: {column}: {wrong.words}"]
    assert report.rows == 0
    assert await dump(seeded) == before


async def test_an_unnamed_column_with_values_is_reported_and_changes_nothing(
    seeded: SqlStore, run_import: Importer, csv_path: Path
) -> None:
    before = await dump(seeded)

    report = await run_import(
        "products",
        "sku,name,price,currency,on_hand,\nNEW-1,Saucer,3.00,EUR,4,\nNEW-2,Cup,4.00,EUR,1,blue\n",
    )

    assert report.errors == [f"{csv_path}:3: column 6: has values but no name in the header"]
    assert await dump(seeded) == before


async def test_the_same_column_in_two_spellings_is_a_duplicate(
    seeded: SqlStore, run_import: Importer, csv_path: Path
) -> None:
    report = await run_import("products", "sku,name,price,currency,on_hand,SKU\n")

    assert report.errors == [f"{csv_path}:1: sku: duplicate column"]
