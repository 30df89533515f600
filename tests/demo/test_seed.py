"""The demo shop: realistic, dated relative to today, and loaded through the real CSV import."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.demo.seed import build_shop, seed_store, write_csv_files
from bot.domain.calendar import BusinessCalendar
from bot.domain.eta import EtaRules
from bot.domain.model import Confidence
from storage.store import SqlStore

TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
RULES = EtaRules(calendar=BusinessCalendar(), default_handling_days=1)


def test_the_shop_sells_at_least_twenty_products_in_several_categories() -> None:
    shop = build_shop(TODAY)
    assert len(shop.products) >= 20
    assert len({row["category"] for row in shop.products}) >= 3
    assert any(row["lead_time_days"] == "" for row in shop.products)
    assert any(int(row["on_hand"]) > 0 for row in shop.products)
    assert any(int(row["on_hand"]) == 0 for row in shop.products)
    assert any(row["alternatives"] for row in shop.products)


def test_there_are_a_hundred_orders_of_one_to_three_lines() -> None:
    lines_per_order: dict[str, int] = defaultdict(int)
    for row in build_shop(TODAY).orders:
        lines_per_order[row["order_id"]] += 1
    assert len(lines_per_order) == 100
    assert set(lines_per_order.values()) == {1, 2, 3}


def test_customers_write_in_all_five_languages_and_pay_in_their_currency() -> None:
    orders = build_shop(TODAY).orders
    assert {row["customer_language"] for row in orders} == {"en", "de", "es", "fr", "ru"}
    currency_of = {"US": "USD", "UK": "GBP", "EU": "EUR"}
    assert all(row["currency"] == currency_of[row["jurisdiction"]] for row in orders)
    assert all(row["customer_email"] and row["customer_timezone"] for row in orders)


def test_ten_purchase_orders_mix_confirmed_and_planned_overdue_and_partly_received() -> None:
    purchase_orders = build_shop(TODAY).purchase_orders
    assert len(purchase_orders) == 10
    assert {row["status"] for row in purchase_orders} == {"confirmed", "planned"}
    assert any(date.fromisoformat(row["expected_date"]) < TODAY for row in purchase_orders)
    assert any(0 < int(row["received_quantity"]) < int(row["quantity"]) for row in purchase_orders)


def test_dates_move_with_today_and_the_same_day_gives_the_same_shop() -> None:
    later = date(2027, 3, 1)
    assert build_shop(TODAY) == build_shop(TODAY)
    first, moved = build_shop(TODAY), build_shop(later)
    shift = later - TODAY
    assert [date.fromisoformat(row["expected_date"]) + shift for row in first.purchase_orders] == [
        date.fromisoformat(row["expected_date"]) for row in moved.purchase_orders
    ]
    assert all(datetime.fromisoformat(row["placed_at"]).date() < later for row in moved.orders)
    assert first.demo_customer == moved.demo_customer


def test_the_csv_files_have_the_design_headers_and_every_row(tmp_path: Path) -> None:
    shop = build_shop(TODAY)
    paths = write_csv_files(shop, tmp_path)
    with paths["orders"].open(encoding="utf-8", newline="") as source:
        rows = list(csv.DictReader(source))
    assert rows == shop.orders
    assert set(paths) == {"products", "orders", "purchase-orders"}


async def test_the_seeded_demo_customer_sees_every_kind_of_confidence(
    store: SqlStore, tmp_path: Path
) -> None:
    shop = await seed_store(
        store, tmp_path, now=NOW, timezone=ZoneInfo("Europe/Berlin"), rules=RULES
    )
    customer = shop.demo_customer
    etas = await store.line_etas(customer.order_ids)
    assert {eta.confidence for eta in etas.values()} == set(Confidence)
    assert [order.order_id for order in await store.open_orders(customer.customer_id)] == sorted(
        customer.order_ids, reverse=True
    )
    assert len(await store.known_skus()) == len(shop.products)


async def test_the_demo_customer_can_be_found_by_the_phone_on_their_orders(
    store: SqlStore, tmp_path: Path
) -> None:
    shop = await seed_store(store, tmp_path, now=NOW, timezone=ZoneInfo("UTC"), rules=RULES)
    found = await store.customers_by_phone("4155550100")
    assert [customer.customer_id for customer in found] == [shop.demo_customer.customer_id]


def test_a_us_shop_never_promises_shipping_on_a_weekend_or_a_us_holiday() -> None:
    import holidays

    us = holidays.country_holidays("US", years=range(2026, 2028))
    calendar = BusinessCalendar(holidays=us)
    promised = {
        date.fromisoformat(row["promised_ship_date"])
        for today in (date(2026, 12, day) for day in range(1, 32))
        for row in build_shop(today, calendar=calendar).orders
        if row["promised_ship_date"]
    }

    assert promised
    assert all(calendar.is_business_day(day) for day in promised)
    assert date(2026, 12, 25) not in promised
