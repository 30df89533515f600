"""The SQLite store keeps what the services give it and audits every change."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.model import LineStatus, PoStatus
from storage.store import SqlStore
from tests.sql import fetch_all, fetch_value
from tests.storage.records import AT, customer, order, product, purchase_order


async def test_imported_products_can_be_read_back_by_sku(store: SqlStore) -> None:
    mug = product("MUG-1", category="kitchen", lead_time_days=14, alternatives=("MUG-2",))
    await store.upsert_products([mug, product("MUG-2")], actor="cli", at=AT)

    assert await store.known_skus() == {"MUG-1", "MUG-2"}
    assert (await store.get_products(["MUG-1", "NOPE"])) == {"MUG-1": mug}


async def test_reimporting_a_product_updates_it_and_audits_the_previous_value(
    store: SqlStore,
) -> None:
    await store.upsert_products([product("MUG-1", on_hand=3)], actor="cli", at=AT)
    await store.upsert_products([product("MUG-1", on_hand=7)], actor="staff:9", at=AT)

    assert (await store.get_products(["MUG-1"]))["MUG-1"].on_hand == 7
    entries = await store.audit_entries("product:MUG-1")
    assert [(e.actor, e.action) for e in entries] == [
        ("cli", "product.upsert"),
        ("staff:9", "product.upsert"),
    ]
    assert entries[0].before is None
    assert json.loads(entries[1].before or "")["on_hand"] == 3
    assert json.loads(entries[1].after or "")["on_hand"] == 7
    assert entries[1].at == AT


async def test_reimporting_an_unchanged_product_writes_no_audit_entry(store: SqlStore) -> None:
    await store.upsert_products([product("MUG-1")], actor="cli", at=AT)
    await store.upsert_products([product("MUG-1")], actor="cli", at=AT)

    assert len(await store.audit_entries("product:MUG-1")) == 1


async def test_an_order_is_stored_with_its_customer_and_lines(store: SqlStore) -> None:
    await store.upsert_products([product("MUG-1"), product("CUP-1")], actor="cli", at=AT)
    placed = order("1001", lines=(("MUG-1", 2), ("CUP-1", 1)))
    await store.upsert_orders([customer("C1")], [placed], actor="cli", at=AT)

    assert await store.get_order("1001") == placed
    assert await store.get_order("404") is None
    assert await store.get_customer("C1") == customer("C1")
    assert [e.action for e in await store.audit_entries("order:1001")] == ["order.upsert"]


async def test_reimporting_an_order_updates_its_lines_by_line_number(store: SqlStore) -> None:
    await store.upsert_products([product("MUG-1")], actor="cli", at=AT)
    await store.upsert_orders([customer()], [order(lines=(("MUG-1", 2),))], actor="cli", at=AT)
    await store.upsert_orders([customer()], [order(lines=(("MUG-1", 5),))], actor="cli", at=AT)

    stored = await store.get_order("1001")
    assert stored is not None
    assert [(line.line_no, line.quantity) for line in stored.lines] == [(1, 5)]
    second = (await store.audit_entries("order:1001"))[1]
    assert json.loads(second.before or "")["lines"][0]["quantity"] == 2
    assert json.loads(second.after or "")["lines"][0]["quantity"] == 5


async def test_open_orders_lists_only_orders_with_an_open_line_newest_first(
    store: SqlStore,
) -> None:
    await store.upsert_products([product("MUG-1")], actor="cli", at=AT)
    base = datetime(2026, 3, 1, tzinfo=UTC)
    orders = [
        order("old", placed_at=base),
        order("new", placed_at=base + timedelta(days=1)),
        order("done", placed_at=base + timedelta(days=2), status=LineStatus.SHIPPED),
        order("other", "C2", placed_at=base),
    ]
    await store.upsert_orders([customer("C1"), customer("C2")], orders, actor="cli", at=AT)

    assert [o.order_id for o in await store.open_orders("C1")] == ["new", "old"]
    assert await store.open_orders("nobody") == []


async def test_purchase_orders_are_upserted_by_po_id(store: SqlStore) -> None:
    await store.upsert_products([product("MUG-1")], actor="cli", at=AT)
    await store.upsert_purchase_orders([purchase_order("PO-1")], actor="cli", at=AT)
    await store.upsert_purchase_orders(
        [purchase_order("PO-1", status=PoStatus.PLANNED, received_quantity=4)], actor="cli", at=AT
    )

    rows = await fetch_all(store, "SELECT status, received_quantity FROM purchase_orders")
    assert [tuple(row) for row in rows] == [("planned", 4)]
    entries = await store.audit_entries("purchase_order:PO-1")
    assert json.loads(entries[1].before or "")["status"] == "confirmed"


async def test_a_failed_upsert_changes_nothing(store: SqlStore) -> None:
    await store.upsert_products([product("MUG-1")], actor="cli", at=AT)
    unknown_sku = purchase_order("PO-2", sku="GHOST")

    with pytest.raises(Exception, match=r"(?i)foreign key"):
        await store.upsert_purchase_orders(
            [purchase_order("PO-1"), unknown_sku], actor="cli", at=AT
        )

    assert await fetch_value(store, "SELECT count(*) FROM purchase_orders") == 0
    assert await store.audit_entries("purchase_order:PO-1") == []


async def test_customers_are_found_by_the_digits_at_the_end_of_their_phone(
    store: SqlStore,
) -> None:
    await store.upsert_products([product()], actor="cli", at=AT)
    await store.upsert_orders(
        [customer("C1", phone="+44 20 7946 0018"), customer("C2", phone="555-0100")],
        [order("1", "C1"), order("2", "C2")],
        actor="cli",
        at=AT,
    )

    assert [c.customer_id for c in await store.customers_by_phone("442079460018")] == ["C1"]
    assert [c.customer_id for c in await store.customers_by_phone("2079460018")] == ["C1"]
    assert await store.customers_by_phone("999") == []
    assert await store.customers_by_phone("") == []


async def test_linking_a_chat_replaces_the_earlier_link_and_audits_it(store: SqlStore) -> None:
    await store.upsert_products([product()], actor="cli", at=AT)
    await store.upsert_orders(
        [customer("C1"), customer("C2")], [order("1", "C1"), order("2", "C2")], actor="cli", at=AT
    )
    assert await store.linked_customer(42) is None

    await store.link_chat(42, "C1", via="deep_link", actor="chat:42", at=AT)
    await store.link_chat(42, "C2", via="contact", actor="chat:42", at=AT)

    assert await store.linked_customer(42) == "C2"
    entries = await store.audit_entries("chat:42")
    assert [e.action for e in entries] == ["chat.link", "chat.link"]
    assert json.loads(entries[1].before or "")["customer_id"] == "C1"


async def test_link_failures_are_counted_from_a_moment_on(store: SqlStore) -> None:
    for minutes in (0, 30, 90):
        await store.record_link_failure(7, at=AT + timedelta(minutes=minutes))
    await store.record_link_failure(8, at=AT)

    assert await store.link_failures_since(7, AT + timedelta(minutes=30)) == 2
    assert await store.link_failures_since(7, AT - timedelta(hours=1)) == 3
    assert await store.link_failures_since(9, AT) == 0


async def test_a_chat_language_choice_is_saved_and_audited(store: SqlStore) -> None:
    assert await store.chat_language(5) is None
    await store.set_chat_language(5, "de", actor="chat:5", at=AT)
    await store.set_chat_language(5, "fr", actor="chat:5", at=AT)

    assert await store.chat_language(5) == "fr"
    assert [e.before for e in await store.audit_entries("chat:5")] == [None, '"de"']


async def test_a_customers_chosen_language_wins_over_the_imported_one(
    store: SqlStore,
) -> None:
    await store.upsert_products([product()], actor="cli", at=AT)
    await store.upsert_orders([customer("C1", language="en")], [order()], actor="cli", at=AT)
    await store.set_customer_language("C1", "es", actor="customer:C1", at=AT)
    await store.upsert_orders([customer("C1", language="en")], [order()], actor="cli", at=AT)

    stored = await store.get_customer("C1")
    assert stored is not None and stored.language == "es"
    assert (await store.audit_entries("customer:C1"))[-1].action == "customer.language"


async def test_settings_are_stored_and_overwritten(store: SqlStore) -> None:
    assert await store.get_setting("link_secret") is None
    await store.set_setting("link_secret", "one")
    await store.set_setting("link_secret", "two")

    assert await store.get_setting("link_secret") == "two"
