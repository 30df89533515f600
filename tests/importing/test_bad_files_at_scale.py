"""Big and hostile files: streamed, capped errors, the line a quote opened on, no controls."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from bot.services.importing.service import CHUNK
from storage.store import SqlStore
from tests.importing.conftest import Importer, dump
from tests.importing.samples import ORDER_HEADER, ORDERS, PRODUCTS, order_row

SHORT_ORDERS = "order_id,customer_id,customer_name,placed_at,sku,quantity,unit_price,currency\n"
# Past two chunks, so every check across rows has to hold across chunks too.
MANY = 2 * CHUNK + 500


def many_orders(count: int, *, quantity: str = "1") -> str:
    """`count` rows, two per order, of customers that repeat every 50 orders."""
    return "".join(
        f"{5000 + row // 2},C{row // 2 % 50},Customer {row // 2 % 50},"
        f"2026-03-01T08:00:00,{'MUG-1' if row % 2 else 'CUP-1'},{quantity},12.50,EUR\n"
        for row in range(count)
    )


@pytest.fixture
async def with_products(store: SqlStore, run_import: Importer) -> SqlStore:
    """A store holding the sample products and orders."""
    assert (await run_import("products", PRODUCTS)).errors == []
    assert (await run_import("orders", ORDERS)).errors == []
    return store


async def test_a_bad_row_at_the_end_of_a_big_file_changes_nothing_and_names_its_line(
    with_products: SqlStore, run_import: Importer, csv_path: Path
) -> None:
    before = await dump(with_products)
    bad_line = MANY + 2
    content = SHORT_ORDERS + many_orders(MANY) + many_orders(1, quantity="0").replace("5000", "9")

    report = await run_import("orders", content)

    assert report.errors == [f"{csv_path}:{bad_line}: quantity: must be at least 1, got 0"]
    assert report.rows == 0
    assert await dump(with_products) == before


async def test_a_big_good_file_imports_every_line_in_one_go(
    with_products: SqlStore, run_import: Importer
) -> None:
    report = await run_import("orders", SHORT_ORDERS + many_orders(MANY))

    assert (report.errors, report.rows) == ([], MANY)
    last = await with_products.get_order(str(5000 + (MANY - 1) // 2))
    assert last is not None
    assert [(line.line_no, line.sku) for line in last.lines] == [(1, "CUP-1"), (2, "MUG-1")]
    async with with_products.connection.execute("SELECT count(*) FROM order_lines") as cursor:
        row = await cursor.fetchone()
    assert row is not None and row[0] == MANY + 3


async def test_rows_of_one_order_far_apart_are_checked_together(
    with_products: SqlStore, run_import: Importer, csv_path: Path
) -> None:
    before = await dump(with_products)
    far = SHORT_ORDERS + "X7000,X1,Ada Lovelace,2026-03-01T08:00:00,MUG-1,1,12.50,EUR\n"
    far += many_orders(MANY)
    far += "X7000,X1,Ada Lovelace,2026-03-01T08:00:00,CUP-1,1,12.50,USD\n"

    report = await run_import("orders", far)

    assert report.errors == [
        f"{csv_path}:{MANY + 3}: currency: mixed currencies in one order: 'USD' differs from "
        "'EUR' on line 2 of the same order 'X7000'"
    ]
    assert await dump(with_products) == before


async def test_a_line_number_used_twice_far_apart_is_a_duplicate(
    with_products: SqlStore, run_import: Importer, csv_path: Path
) -> None:
    header = SHORT_ORDERS.replace("\n", ",line_no\n")
    row = "X7000,X1,Ada Lovelace,2026-03-01T08:00:00,MUG-1,1,12.50,EUR,4\n"
    filler = many_orders(MANY).replace("\n", ",\n")

    report = await run_import("orders", header + row + filler + row)

    assert report.errors == [
        f"{csv_path}:{MANY + 3}: line_no: order 'X7000' already has line 4 (line 2)"
    ]


def test_a_file_where_every_row_is_bad_prints_the_first_100_errors_and_counts_the_rest(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    products = tmp_path / "products.csv"
    products.write_text(PRODUCTS, encoding="utf-8")
    assert main(["import", "products", str(products)]) == 0
    bad = tmp_path / "bad.csv"
    bad.write_text(SHORT_ORDERS + many_orders(5000, quantity="0"), encoding="utf-8")
    capsys.readouterr()

    assert main(["import", "orders", str(bad)]) == 1

    err = capsys.readouterr().err.splitlines()
    assert len(err) == 102
    assert err[0] == f"{bad}:2: quantity: must be at least 1, got 0"
    assert err[99] == f"{bad}:101: quantity: must be at least 1, got 0"
    assert err[100] == f"{bad}: … and 4,900 more errors"
    assert err[101] == f"{bad}: nothing imported (5,000 errors)"


QUOTE_LEFT_OPEN = (
    SHORT_ORDERS
    + "8001,C1,Ada Lovelace,2026-03-01T08:00:00,MUG-1,1,12.50,EUR\n"
    + '8002,C1,"Ada Lovelace,2026-03-01T08:00:00,MUG-1,1,12.50,EUR\n'
    + many_orders(40)
)


async def test_a_quote_left_open_is_reported_where_it_opened(
    with_products: SqlStore, run_import: Importer, csv_path: Path
) -> None:
    before = await dump(with_products)

    report = await run_import("orders", QUOTE_LEFT_OPEN)

    assert report.errors == [f"{csv_path}:3: row: a quoted field starts here and is never closed"]
    assert await dump(with_products) == before


async def test_a_quote_left_open_until_a_later_quote_is_reported_where_it_opened(
    with_products: SqlStore, run_import: Importer, csv_path: Path
) -> None:
    later = '9000,C9,"Hopper, Grace",2026-03-01T08:00:00,MUG-1,1,12.50,EUR\n'

    report = await run_import("orders", QUOTE_LEFT_OPEN + later + many_orders(10))

    assert len(report.errors) == 1
    assert report.errors[0].startswith(
        f"{csv_path}:3: row: a quoted field starts here and is not closed where it should be "
        "(the CSV reader stopped at line 44: "
    )


async def test_a_quoted_cell_spanning_lines_then_a_bad_quote_points_at_the_bad_line(
    with_products: SqlStore, run_import: Importer, csv_path: Path
) -> None:
    content = (
        "sku,name,price,currency,on_hand\n"
        '"NEW-1","Mug,\nwith a long name",1.00,EUR,1\n'
        'NEW-2,"Bowl"x,1.00,EUR,1\n'
    )

    report = await run_import("products", content)

    assert len(report.errors) == 1
    assert report.errors[0].startswith(f"{csv_path}:4: row: not valid CSV (")


CONTROLS = {
    "escape sequence": ("\x1b[2J", "U+001B"),
    "bell": ("ding\x07", "U+0007"),
    "right-to-left override": ("\u202egnp.exe", "U+202E"),
    "first strong isolate": ("a\u2068b", "U+2068"),
    "C1 control": ("a\x9bb", "U+009B"),
    "tab": ("Ada\tLovelace", "U+0009"),
}


@pytest.mark.parametrize("case", list(CONTROLS), ids=list(CONTROLS))
def test_a_control_character_in_a_name_is_rejected_with_its_line_and_column(
    case: str, cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, code = CONTROLS[case]
    products = tmp_path / "products.csv"
    products.write_text(PRODUCTS, encoding="utf-8")
    assert main(["import", "products", str(products)]) == 0
    orders = tmp_path / "orders.csv"
    orders.write_text(
        ORDER_HEADER + order_row() + order_row(customer_name=text, order_id="2002"),
        encoding="utf-8",
    )
    capsys.readouterr()

    assert main(["import", "orders", str(orders)]) == 1

    err = capsys.readouterr().err
    assert err.startswith(f"{orders}:3: customer_name: contains a control character ({code}); ")
    assert text not in err
    assert main(["order", "2001"]) == 1


def test_a_control_character_in_a_product_supplier_is_rejected(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    products = tmp_path / "products.csv"
    products.write_text(
        "sku,name,price,currency,on_hand,supplier\nNEW-1,Mug,1.00,EUR,1,Acme\x1b]8;;x\x07\n",
        encoding="utf-8",
    )

    assert main(["import", "products", str(products)]) == 1

    assert capsys.readouterr().err.startswith(
        f"{products}:2: supplier: contains a control character (U+001B)"
    )


def test_stored_control_characters_are_printed_escaped_by_order(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for kind, content in (("products", PRODUCTS), ("orders", ORDERS)):
        path = tmp_path / f"{kind}.csv"
        path.write_text(content, encoding="utf-8")
        assert main(["import", kind, str(path)]) == 0
    # Why: rows stored before the import checked for controls, or written by another door.
    with sqlite3.connect(cli_env) as conn:
        conn.execute("UPDATE products SET name = ? WHERE sku = 'MUG-1'", ("Mug\x1b[2J\u202e",))
    capsys.readouterr()

    assert main(["order", "1001"]) == 0

    out = capsys.readouterr().out
    assert "Mug\\x1b[2J\\u202e" in out
    assert "\x1b" not in out
    assert "\u202e" not in out


async def test_a_line_number_used_twice_in_an_order_of_many_lines_is_a_duplicate(
    with_products: SqlStore, run_import: Importer, csv_path: Path
) -> None:
    header = SHORT_ORDERS.replace("\n", ",line_no\n")
    rows = "".join(
        f"X7000,X1,Ada Lovelace,2026-03-01T08:00:00,MUG-1,1,12.50,EUR,{line_no}\n"
        for line_no in [*range(1, 41), 30]
    )

    report = await run_import("orders", header + rows)

    assert report.errors == [f"{csv_path}:42: line_no: order 'X7000' already has line 30 (line 31)"]
