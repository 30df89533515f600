"""`backorder-bot order ORDER_ID [--json]` prints an imported order with its dates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.databases import use_database

PRODUCTS = """sku,name,price,currency,on_hand,lead_time_days
MUG-1,Blue mug,12.50,EUR,3,
CUP-1,Tea cup,8.00,EUR,0,21
BOWL-1,Bowl,9.00,EUR,0,
"""
ORDERS = """order_id,customer_id,customer_name,placed_at,sku,quantity,unit_price,currency,status
1001,C1,Ada Lovelace,2026-02-27T10:00:00+00:00,MUG-1,2,12.50,EUR,
1001,C1,Ada Lovelace,2026-02-27T10:00:00+00:00,CUP-1,1,8.00,EUR,
1001,C1,Ada Lovelace,2026-02-27T10:00:00+00:00,BOWL-1,1,9.00,EUR,shipped
"""
PURCHASE_ORDERS = """po_id,sku,quantity,expected_date,status
PO-1,CUP-1,5,2026-03-13,confirmed
"""


@pytest.fixture
def imported(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database (chosen by the environment) holding one order with three lines."""
    monkeypatch.chdir(tmp_path)
    use_database(monkeypatch, database_url)
    monkeypatch.setenv("BACKORDER_NOW", "2026-03-02T09:00:00+00:00")  # a Monday
    monkeypatch.setenv("BACKORDER_HANDLING_DAYS", "1")
    for kind, content in (
        ("products", PRODUCTS),
        ("orders", ORDERS),
        ("purchase-orders", PURCHASE_ORDERS),
    ):
        path = tmp_path / f"{kind}.csv"
        path.write_text(content, encoding="utf-8")
        assert main(["import", kind, str(path)]) == 0


def test_order_json_prints_the_contract_object(
    imported: None, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()

    assert main(["order", "1001", "--json"]) == 0

    printed = json.loads(capsys.readouterr().out)
    assert printed == {
        "order_id": "1001",
        "customer_id": "C1",
        "status": "backordered",
        "estimated_ship_date": "2026-03-16",
        "lines": [
            {
                "line_no": 1,
                "sku": "MUG-1",
                "quantity": 2,
                "status": "ready",
                "available_date": "2026-03-02",
                "estimated_ship_date": "2026-03-03",
                "confidence": "in_stock",
                "ship_now": False,
                "supply_overdue": False,
            },
            {
                "line_no": 2,
                "sku": "CUP-1",
                "quantity": 1,
                "status": "backordered",
                "available_date": "2026-03-13",
                "estimated_ship_date": "2026-03-16",
                "confidence": "confirmed",
                "ship_now": False,
                "supply_overdue": False,
            },
            {
                "line_no": 3,
                "sku": "BOWL-1",
                "quantity": 1,
                "status": "shipped",
                "available_date": None,
                "estimated_ship_date": None,
                "confidence": None,
                "ship_now": False,
                "supply_overdue": False,
            },
        ],
    }


def test_order_without_json_prints_a_readable_table(
    imported: None, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()

    assert main(["order", "1001"]) == 0

    out = capsys.readouterr().out
    assert "Status: backordered; estimated ship date: 2026-03-16" in out
    assert "Tea cup" in out


def test_an_unknown_order_is_an_error_on_stderr_with_exit_1(
    imported: None, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()

    assert main(["order", "9999", "--json"]) == 1

    captured = capsys.readouterr()
    assert captured.out == ""
    assert "9999" in captured.err


def test_a_line_waiting_on_a_purchase_order_past_its_date_is_flagged_supply_overdue(
    imported: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # PO-1 was due on 13 March and has not arrived a week later.
    monkeypatch.setenv("BACKORDER_NOW", "2026-03-20T09:00:00+00:00")
    assert main(["import", "purchase-orders", str(tmp_path / "purchase-orders.csv")]) == 0
    capsys.readouterr()

    assert main(["order", "1001", "--json"]) == 0
    lines = json.loads(capsys.readouterr().out)["lines"]
    assert [line["supply_overdue"] for line in lines] == [False, True, False]

    assert main(["order", "1001"]) == 0
    assert "supply overdue" in capsys.readouterr().out
