"""`import … --format shopify|woocommerce` reads the platforms' own export files (DESIGN §14)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.cli import main
from storage.store import open_store
from tests.importing.samples import PRODUCTS

DATA = Path(__file__).parent / "data"


def order_json(capsys: pytest.CaptureFixture[str], order_id: str) -> dict[str, object]:
    capsys.readouterr()
    assert main(["order", order_id, "--json"]) == 0
    result: dict[str, object] = json.loads(capsys.readouterr().out)
    return result


def lines(order: dict[str, object]) -> list[tuple[object, ...]]:
    return [
        (line["line_no"], line["sku"], line["quantity"], line["status"])
        for line in order["lines"]  # type: ignore[attr-defined]
    ]


@pytest.fixture
def products(cli_env: str, tmp_path: Path) -> None:
    """The sample products (MUG-1, CUP-1) imported."""
    path = tmp_path / "products.csv"
    path.write_text(PRODUCTS, encoding="utf-8")
    assert main(["import", "products", str(path)]) == 0


def copy_with(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """A copy of a data file with one text replaced (once)."""
    text = (DATA / name).read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_a_shopify_order_export_imports_its_orders_by_name(
    products: None, capsys: pytest.CaptureFixture[str]
) -> None:
    path = DATA / "shopify_orders.csv"
    assert main(["import", "orders", str(path), "--format", "shopify"]) == 0
    assert "imported 4 rows of orders" in capsys.readouterr().out
    first = order_json(capsys, "#1001")
    assert lines(first) == [(1, "MUG-1", 2, "ready"), (3, "CUP-1", 1, "backordered")]
    assert first["customer_id"] == "jutta@example.de"
    assert lines(order_json(capsys, "#1002")) == [(1, "MUG-1", 1, "shipped")]
    assert lines(order_json(capsys, "#1003")) == [(1, "CUP-1", 3, "cancelled")]


def test_a_bad_row_of_a_shopify_order_export_names_its_line_and_column(
    products: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copy_with(
        tmp_path, "shopify_orders.csv", ",CUP-1,true,true,pending", ",LAMP,true,true,pending"
    )
    assert main(["import", "orders", str(path), "--format", "shopify"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert (
        err[0] == f"{path}:4: Lineitem sku: unknown SKU 'LAMP' (import it with the products first)"
    )
    assert err[-1] == f"{path}: nothing imported (1 error)"
    assert main(["order", "#1001"]) == 1


async def test_a_shopify_product_export_imports_its_variants(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = DATA / "shopify_products.csv"
    args = ["import", "products", str(path), "--format", "shopify", "--currency", "eur"]
    assert await asyncio.to_thread(main, args) == 0
    assert "imported 3 rows of products" in capsys.readouterr().out
    store = await open_store(cli_env)
    try:
        products = await store.get_products({"MUG-1", "TS-RED-M", "TS-RED-L"})
    finally:
        await store.close()
    shown = {
        sku: (p.name, p.price_minor, p.currency, p.on_hand, p.category, p.supplier)
        for sku, p in products.items()
    }
    assert shown == {
        "MUG-1": ("Blue mug", 1250, "EUR", 3, "Kitchen", "Potter & Co"),
        "TS-RED-M": ("T-shirt - Red / M", 1900, "EUR", 0, "Apparel", "Shirt Co"),
        "TS-RED-L": ("T-shirt - Red / L", 2100, "EUR", 5, "Apparel", "Shirt Co"),
    }


def test_a_shopify_product_export_needs_the_shops_currency(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = DATA / "shopify_products.csv"
    assert main(["import", "products", str(path), "--format", "shopify"]) == 1
    err = capsys.readouterr().err
    assert f"{path}:2: currency: a Shopify product export has no currency column" in err


def test_a_bad_price_in_a_shopify_product_export_names_its_line(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copy_with(tmp_path, "shopify_products.csv", ",21.00,", ",21,00,")
    args = ["import", "products", str(path), "--format", "shopify", "--currency", "EUR"]
    assert main(args) == 1
    assert f"{path}:4: row: has " in capsys.readouterr().err
    path = copy_with(tmp_path, "shopify_products.csv", ",21.00,", ",twenty,")
    assert main(args) == 1
    assert f"{path}:4: Variant Price: 'twenty' is not a number" in capsys.readouterr().err


def test_a_woocommerce_order_export_imports_its_orders(
    products: None, capsys: pytest.CaptureFixture[str]
) -> None:
    path = DATA / "woocommerce_orders.csv"
    assert main(["import", "orders", str(path), "--format", "woocommerce"]) == 0
    assert "imported 4 rows of orders" in capsys.readouterr().out
    assert lines(order_json(capsys, "4993")) == [
        (1, "MUG-1", 2, "ready"),
        (2, "CUP-1", 3, "backordered"),
    ]
    assert lines(order_json(capsys, "4994")) == [(1, "MUG-1", 1, "shipped")]
    assert lines(order_json(capsys, "4995")) == [(1, "CUP-1", 1, "cancelled")]


def test_a_bad_row_of_a_woocommerce_export_names_its_line_and_column(
    products: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copy_with(tmp_path, "woocommerce_orders.csv", ",CUP-1,3,", ",CUP-1,three,")
    assert main(["import", "orders", str(path), "--format", "woocommerce"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"{path}:3: item_quantity: 'three' is not a whole number"


def test_a_format_a_kind_has_not_is_refused(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = DATA / "woocommerce_orders.csv"
    with pytest.raises(SystemExit) as exited:
        main(["import", "products", str(path), "--format", "woocommerce"])
    assert exited.value.code == 1
    assert "products cannot be imported as woocommerce" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "kind", "said"),
    [
        ("shopify_orders.csv", "orders", "--format shopify"),
        ("shopify_products.csv", "products", "--format shopify --currency CODE"),
        ("woocommerce_orders.csv", "orders", "--format woocommerce"),
    ],
)
def test_a_platform_export_without_its_format_gets_one_line_saying_which(
    cli_env: str, capsys: pytest.CaptureFixture[str], name: str, kind: str, said: str
) -> None:
    path = DATA / name
    assert main(["import", kind, str(path)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"{path}:1: header: this is ")
    assert err[0].endswith(said)
    assert err[-1] == f"{path}: nothing imported (1 error)"


def test_a_currency_where_the_file_has_its_own_is_refused(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = DATA / "shopify_orders.csv"
    with pytest.raises(SystemExit) as exited:
        main(["import", "orders", str(path), "--format", "shopify", "--currency", "EUR"])
    assert exited.value.code == 1
    assert "only a Shopify product export" in capsys.readouterr().err
