"""Staff see purchase orders past their date with who waits on them, in `outbox` and the log."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.clock import FrozenClock
from bot.config import Settings
from bot.context import Services
from bot.domain.calendar import BusinessCalendar
from bot.domain.eta import EtaRules
from bot.domain.model import Customer, Order, OrderLine, PoStatus, Product, PurchaseOrder
from bot.domain.overdue_supply import OverduePurchaseOrder
from bot.i18n import Catalogs
from bot.jobs import report_overdue_supply
from bot.services.eta import recompute_etas
from bot.services.overdue_supply import overdue_text
from storage.store import SqlStore, open_store
from tests.databases import use_database

TODAY = date(2026, 12, 9)
NOW = datetime(2026, 12, 9, 9, 0, tzinfo=UTC)
RULES = EtaRules(calendar=BusinessCalendar(holidays=frozenset()), default_handling_days=1)


async def seed(store: SqlStore) -> None:
    """Lamps due 20 Nov for three lines of two customers, chairs due next week, a cancelled PO."""
    await store.upsert_products(
        [
            Product("LAMP", "Desk lamp", 2999, "EUR", on_hand=0, supplier="Lumen GmbH"),
            Product("CHAIR", "Office chair", 14900, "EUR", on_hand=0, lead_time_days=30),
        ],
        actor="test",
        at=NOW,
    )
    await store.upsert_purchase_orders(
        [
            PurchaseOrder("PO-LATE", "LAMP", 3, date(2026, 11, 20)),
            PurchaseOrder("PO-GONE", "LAMP", 5, date(2026, 11, 1), status=PoStatus.CANCELLED),
            PurchaseOrder("PO-SOON", "CHAIR", 5, TODAY + timedelta(days=7), supplier="Sitz AG"),
        ],
        actor="test",
        at=NOW,
    )
    ada, bob = Customer("C-ADA", "Ada"), Customer("C-BOB", "Bob")

    def order(order_id: str, customer: Customer, sku: str, quantity: int, days: int) -> Order:
        line = OrderLine(order_id, 1, sku, quantity, 1000)
        return Order(
            order_id, customer.customer_id, NOW - timedelta(days=days), "EUR", lines=(line,)
        )

    orders = [
        order("1", ada, "LAMP", 1, 30),
        order("2", bob, "LAMP", 1, 20),
        order("3", ada, "LAMP", 1, 10),
        # Does not fit in what the late delivery brings: waits on the lead time, not on it.
        order("4", bob, "LAMP", 2, 5),
        order("5", bob, "CHAIR", 1, 5),
    ]
    await store.upsert_orders([ada, bob], orders, actor="test", at=NOW)
    await recompute_etas(store, rules=RULES, today=TODAY)


@pytest.fixture
async def db_path(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    path = database_url
    store = await open_store(path)
    try:
        await seed(store)
    finally:
        await store.close()
    use_database(monkeypatch, path)
    monkeypatch.setenv("BACKORDER_NOW", NOW.isoformat())
    monkeypatch.chdir(tmp_path)
    return path


def test_outbox_json_lists_each_overdue_purchase_order_with_who_waits_on_it(
    db_path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["outbox", "--json"]) == 0

    shown = json.loads(capsys.readouterr().out)
    assert shown["overdue_purchase_orders"] == [
        {
            "po_id": "PO-LATE",
            "sku": "LAMP",
            "supplier": "Lumen GmbH",
            "expected_date": "2026-11-20",
            "days_overdue": 19,
            "lines_waiting": 3,
            "customers_waiting": 2,
        }
    ]
    assert {"pending", "held", "sent", "failed", "unreachable"} <= shown.keys()


def test_outbox_text_names_the_overdue_purchase_order_for_staff(
    db_path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["outbox"]) == 0

    out = capsys.readouterr().out
    assert "overdue purchase orders: 1" in out
    assert "PO-LATE  sku LAMP  supplier Lumen GmbH  due 2026-11-20 (19 days overdue)" in out


def test_the_lines_on_the_overdue_delivery_are_the_ones_flagged_for_their_customers(
    db_path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    flagged = []
    for order_id in ("1", "2", "3", "4", "5"):
        assert main(["order", order_id, "--json"]) == 0
        (line,) = json.loads(capsys.readouterr().out)["lines"]
        flagged.append(line["supply_overdue"])

    assert flagged == [True, True, True, False, False]


def services_at(store: SqlStore, moment: datetime) -> Services:
    """The running bot's services with the clock at `moment`."""
    return Services(
        settings=Settings(token="1:x"),
        store=store,
        clock=FrozenClock(moment),
        rules=RULES,
        catalogs=Catalogs.load(),
    )


async def test_the_running_bot_warns_once_a_day_per_overdue_purchase_order(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = await open_store(database_url)
    try:
        await seed(store)
        caplog.set_level(logging.WARNING, logger="bot.jobs")

        await report_overdue_supply(services_at(store, NOW))
        await report_overdue_supply(services_at(store, NOW + timedelta(hours=3)))
        same_day = [record.getMessage() for record in caplog.records]
        caplog.clear()
        await report_overdue_supply(services_at(store, NOW + timedelta(days=1)))
        next_day = [record.getMessage() for record in caplog.records]
    finally:
        await store.close()

    assert len(same_day) == 1
    assert "PO-LATE" in same_day[0] and "2026-11-20" in same_day[0]
    assert "3 lines of 2 customers" in same_day[0]
    assert len(next_day) == 1 and "(20 days overdue)" in next_day[0]


def test_a_purchase_order_one_day_late_reads_one_day_overdue() -> None:
    late = OverduePurchaseOrder(
        po_id="PO-1",
        sku="LAMP",
        supplier=None,
        expected_date=date(2026, 12, 8),
        days_overdue=1,
        lines=(("1001", 1),),
        customers=frozenset({"C1"}),
    )

    assert "due 2026-12-08 (1 day overdue)" in overdue_text([late])
