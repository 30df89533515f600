"""The quick refresh after a customer action stores what a full recompute would (real SQLite)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.calendar import BusinessCalendar
from bot.domain.eta import EtaRules
from bot.domain.model import Confidence
from bot.services.eta import recompute_etas
from bot.services.order_changes import refresh_etas
from storage.store import SqlStore, open_store
from tests.conftest import MoreDatabases
from tests.eta.shop import NOW, TODAY, add_order, add_po, add_product
from tests.sql import execute, fetch_all

RULES = EtaRules(calendar=BusinessCalendar(), default_handling_days=1)
SKUS = ("MUG", "CUP")

Row = tuple[object, ...]


async def stored_rows(store: SqlStore) -> set[Row]:
    """Every stored ETA row, without the day it was computed on."""
    rows = await fetch_all(
        store,
        "SELECT order_id, line_no, sku, available_date, ship_date, confidence,"
        " waiting_for_po_date, lead_time_days FROM line_etas",
    )
    return {tuple(row) for row in rows}


async def set_line(store: SqlStore, order_id: str, column: str, value: str | int) -> None:
    """Change one line behind the store's back, as an action or import would."""
    await execute(
        store,
        f"UPDATE order_lines SET {column} = :value WHERE order_id = :order_id AND line_no = 1",
        value=value,
        order_id=order_id,
    )


order_spec = st.tuples(st.sampled_from(SKUS), st.integers(1, 4), st.integers(0, 2))
change_spec = st.tuples(
    st.sampled_from(["cancelled", "shipped", "MUG", "CUP", "released"]), st.integers(0, 11)
)


async def scenario(
    database: str,
    on_hand: tuple[int, int],
    orders: list[tuple[str, int, int]],
    changes: list[tuple[str, int]],
    restock: int,
    days_later: int,
) -> None:
    store = await open_store(database)
    try:
        await add_product(store, "MUG", on_hand=on_hand[0], lead_time_days=14, handling_days=1)
        await add_product(store, "CUP", on_hand=on_hand[1], handling_days=0)
        await add_po(store, "PO-MUG", "MUG", 5, TODAY + timedelta(days=3))
        await add_po(store, "PO-CUP", "CUP", 3, TODAY - timedelta(days=2))
        for number, (sku, quantity, priority) in enumerate(orders):
            placed = NOW - timedelta(hours=len(orders) - number)
            await add_order(
                store, f"O-{number}", [(sku, quantity)], placed_at=placed, priority=priority
            )
        await recompute_etas(store, rules=RULES, today=TODAY)

        for change, index in changes:
            order_id = f"O-{index % len(orders)}"
            if change == "released":
                await set_line(store, order_id, "ship_now", 1)
                continue
            column = "status" if change in ("cancelled", "shipped") else "sku"
            await set_line(store, order_id, column, change)
        await add_product(store, "MUG", on_hand=restock, lead_time_days=14, handling_days=1)
        later = TODAY + timedelta(days=days_later)

        await refresh_etas(store, rules=RULES, today=later, skus=SKUS)
        refreshed = await stored_rows(store)
        await recompute_etas(store, rules=RULES, today=later)
        assert refreshed == await stored_rows(store)
    finally:
        await store.close()


@settings(
    max_examples=40,
    deadline=None,
    # Why: more_databases hands each example a database of its own, so sharing it is harmless.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    on_hand=st.tuples(st.integers(0, 6), st.integers(0, 6)),
    orders=st.lists(order_spec, min_size=1, max_size=12),
    changes=st.lists(change_spec, max_size=4),
    restock=st.integers(0, 6),
    days_later=st.integers(0, 5),
)
def test_a_refresh_after_any_change_stores_exactly_what_a_full_recompute_stores(
    more_databases: MoreDatabases,
    on_hand: tuple[int, int],
    orders: list[tuple[str, int, int]],
    changes: list[tuple[str, int]],
    restock: int,
    days_later: int,
) -> None:
    asyncio.run(scenario(more_databases(), on_hand, orders, changes, restock, days_later))


async def test_after_a_cancel_the_next_customer_moves_up_and_nothing_else_is_rewritten(
    store: SqlStore,
) -> None:
    await add_product(store, "MUG", on_hand=2, lead_time_days=21, handling_days=0)
    await add_po(store, "PO-1", "MUG", 2, TODAY + timedelta(days=6))
    for number in range(5):
        await add_order(store, f"O-{number}", [("MUG", 2)], placed_at=NOW + timedelta(hours=number))
    await recompute_etas(store, rules=RULES, today=TODAY)
    await set_line(store, "O-0", "status", "cancelled")

    # O-1 takes the stock O-0 gave back, O-2 the purchase order; O-3 and O-4 still wait.
    written = await refresh_etas(store, rules=RULES, today=TODAY, skus=["MUG"])

    assert written == 3  # two lines moved up, one cancelled line's ETA dropped
    etas = await store.line_etas([f"O-{number}" for number in range(5)])
    assert ("O-0", 1) not in etas
    assert etas["O-1", 1].confidence is Confidence.IN_STOCK
    assert etas["O-2", 1].confidence is Confidence.CONFIRMED
    assert etas["O-3", 1].confidence is Confidence.ESTIMATE


async def test_a_refresh_of_an_untouched_sku_writes_nothing(store: SqlStore) -> None:
    await add_product(store, "MUG", on_hand=1, lead_time_days=21)
    await add_order(store, "O-1", [("MUG", 1)])
    await add_order(store, "O-2", [("MUG", 1)], placed_at=NOW)
    await recompute_etas(store, rules=RULES, today=TODAY)

    assert await refresh_etas(store, rules=RULES, today=TODAY, skus=["MUG"]) == 0


async def test_a_released_line_keeps_its_stock_when_a_higher_priority_order_is_imported(
    store: SqlStore,
) -> None:
    await add_product(store, "MUG", on_hand=2, lead_time_days=21, handling_days=0)
    await add_order(store, "O-SHIP", [("MUG", 2)])
    await set_line(store, "O-SHIP", "ship_now", 1)
    await add_order(store, "O-VIP", [("MUG", 2)], placed_at=NOW - timedelta(days=9), priority=5)

    await refresh_etas(store, rules=RULES, today=TODAY, skus=["MUG"])
    refreshed = await store.line_etas(["O-SHIP", "O-VIP"])
    await recompute_etas(store, rules=RULES, today=TODAY)
    recomputed = await store.line_etas(["O-SHIP", "O-VIP"])

    for etas in (refreshed, recomputed):
        assert etas["O-SHIP", 1].confidence is Confidence.IN_STOCK
        assert etas["O-VIP", 1].confidence is Confidence.ESTIMATE
