"""The one-query reads behind every chat update return what the separate reads return."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.demo.seed import seed_store
from bot.domain.calendar import BusinessCalendar
from bot.domain.chat_profile import ChatProfile
from bot.domain.eta import EtaRules
from bot.services.notices import mark_communicated
from storage.store import SqlStore

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
RULES = EtaRules(calendar=BusinessCalendar(holidays=frozenset()), default_handling_days=1)


async def _seeded_customers(store: SqlStore, directory: Path) -> list[str]:
    shop = await seed_store(
        store, directory, now=NOW, timezone=ZoneInfo("UTC"), rules=RULES, customers=12, orders=60
    )
    customer_ids = list(dict.fromkeys(row["customer_id"] for row in shop.orders))
    # Why: half of the customers have notice states, so both kinds of order are compared.
    for customer_id in customer_ids[::2]:
        await mark_communicated(store, customer_id, now=NOW)
    return customer_ids


async def test_a_customers_open_orders_read_at_once_match_the_separate_reads(
    store: SqlStore, tmp_path: Path
) -> None:
    compared_states = 0
    for customer_id in await _seeded_customers(store, tmp_path):
        read = await store.customer_open_orders(customer_id)
        orders = await store.open_orders(customer_id)
        order_ids = [order.order_id for order in orders]
        versioned = {
            entry.order.order_id: entry for entry in await store.versioned_open_orders(customer_id)
        }
        products = await store.get_products({line.sku for order in orders for line in order.lines})
        assert [entry.order for entry in read.orders] == orders
        assert {entry.order.order_id: entry for entry in read.orders} == versioned
        assert read.etas == await store.line_etas(order_ids)
        assert read.product_names == {sku: product.name for sku, product in products.items()}
        assert read.notice_states == await store.notice_states(order_ids)
        compared_states += len(read.notice_states or {})
    assert compared_states > 0


async def test_a_chats_profile_names_its_customer_and_the_languages_to_choose_from(
    store: SqlStore, tmp_path: Path
) -> None:
    first, second, *_ = await _seeded_customers(store, tmp_path)
    await store.link_chat(1, first, via="deep_link", actor="test", at=NOW)
    await store.link_chat(2, second, via="deep_link", actor="test", at=NOW)
    await store.set_customer_language(second, "ru", actor="test", at=NOW)
    await store.set_chat_language(3, "fr", actor="test", at=NOW)
    first_customer = await store.get_customer(first)
    assert first_customer is not None

    assert await store.chat_profile(1) == ChatProfile(first, first_customer.language, None)
    assert await store.chat_profile(2) == ChatProfile(second, "ru", None)
    assert await store.chat_profile(3) == ChatProfile(None, None, "fr")
    assert await store.chat_profile(4) == ChatProfile(None, None, None)
