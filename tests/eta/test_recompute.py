"""Recomputing ETAs on a real SQLite file (bot/services/eta.py + storage/etas.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from bot.domain.calendar import BusinessCalendar
from bot.domain.eta import EtaRules
from bot.domain.model import Confidence, LineStatus, PoStatus
from bot.services.eta import recompute_etas
from storage.store import SqlStore
from tests.eta.shop import NOW, TODAY, add_order, add_po, add_product

RULES = EtaRules(calendar=BusinessCalendar(), default_handling_days=1)


async def test_a_full_recompute_stores_a_date_and_confidence_for_every_open_line(
    store: SqlStore,
) -> None:
    await add_product(store, "MUG", on_hand=2, lead_time_days=21)
    await add_product(store, "LAMP", on_hand=0)
    await add_po(store, "PO-1", "MUG", 5, TODAY + timedelta(days=6), received=1)
    await add_order(store, "O-1", [("MUG", 2), ("LAMP", 1)])
    await add_order(store, "O-2", [("MUG", 3)], placed_at=NOW)
    await add_order(store, "O-3", [("MUG", 9)], placed_at=NOW + timedelta(hours=1))

    assert await recompute_etas(store, rules=RULES, today=TODAY) == 4

    etas = await store.line_etas(["O-1", "O-2", "O-3"])
    assert etas["O-1", 1].confidence is Confidence.IN_STOCK
    assert etas["O-1", 1].ship_date == TODAY
    assert etas["O-1", 2].confidence is Confidence.UNKNOWN
    assert etas["O-1", 2].ship_date is None
    assert etas["O-2", 1].confidence is Confidence.CONFIRMED
    assert etas["O-2", 1].available_date == TODAY + timedelta(days=6)
    assert etas["O-2", 1].waiting_for_po_date == TODAY + timedelta(days=6)
    assert etas["O-3", 1].confidence is Confidence.ESTIMATE
    assert etas["O-3", 1].available_date == TODAY + timedelta(days=21)
    assert etas["O-3", 1].lead_time_days == 21


async def test_a_priority_order_placed_later_gets_the_stock_first(store: SqlStore) -> None:
    await add_product(store, "MUG", on_hand=1, lead_time_days=10)
    await add_order(store, "OLD", [("MUG", 1)], placed_at=NOW - timedelta(days=9))
    await add_order(store, "VIP", [("MUG", 1)], placed_at=NOW, priority=1)

    await recompute_etas(store, rules=RULES, today=TODAY)

    etas = await store.line_etas(["OLD", "VIP"])
    assert etas["VIP", 1].confidence is Confidence.IN_STOCK
    assert etas["OLD", 1].confidence is Confidence.ESTIMATE


async def test_orders_are_queued_by_the_real_moment_they_were_placed_across_time_zones(
    store: SqlStore,
) -> None:
    await add_product(store, "MUG", on_hand=1, lead_time_days=10)
    tokyo = timezone(timedelta(hours=9))
    # 10:00 in Tokyo is 01:00 UTC, earlier than 08:00 UTC although the clock reads later.
    await add_order(
        store, "LONDON", [("MUG", 1)], placed_at=datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    )
    await add_order(
        store, "TOKYO", [("MUG", 1)], placed_at=datetime(2026, 12, 1, 10, 0, tzinfo=tokyo)
    )

    await recompute_etas(store, rules=RULES, today=TODAY)

    etas = await store.line_etas(["LONDON", "TOKYO"])
    assert etas["TOKYO", 1].confidence is Confidence.IN_STOCK
    assert etas["LONDON", 1].confidence is Confidence.ESTIMATE


async def test_shipped_and_cancelled_lines_get_no_eta(store: SqlStore) -> None:
    await add_product(store, "MUG", on_hand=5)
    await add_order(
        store,
        "O-1",
        [("MUG", 1), ("MUG", 1), ("MUG", 1)],
        statuses=[LineStatus.SHIPPED, LineStatus.CANCELLED, LineStatus.OPEN],
    )

    assert await recompute_etas(store, rules=RULES, today=TODAY) == 1

    assert set(await store.line_etas(["O-1"])) == {("O-1", 3)}


async def test_cancelled_and_fully_received_purchase_orders_bring_no_units(
    store: SqlStore,
) -> None:
    await add_product(store, "MUG", lead_time_days=30)
    await add_po(store, "PO-1", "MUG", 4, TODAY, status=PoStatus.CANCELLED)
    await add_po(store, "PO-2", "MUG", 4, TODAY, received=4)
    await add_po(store, "PO-3", "MUG", 1, TODAY + timedelta(days=3), status=PoStatus.PLANNED)
    await add_order(store, "O-1", [("MUG", 1)], placed_at=NOW - timedelta(days=2))
    await add_order(store, "O-2", [("MUG", 1)], placed_at=NOW)

    await recompute_etas(store, rules=RULES, today=TODAY)

    etas = await store.line_etas(["O-1", "O-2"])
    assert etas["O-1", 1].confidence is Confidence.PLANNED
    assert etas["O-2", 1].confidence is Confidence.ESTIMATE


async def test_recomputing_one_sku_leaves_the_others_untouched(store: SqlStore) -> None:
    await add_product(store, "MUG", on_hand=1)
    await add_product(store, "LAMP", on_hand=1)
    await add_order(store, "O-1", [("MUG", 1), ("LAMP", 1)])
    await recompute_etas(store, rules=RULES, today=TODAY)
    await add_product(store, "MUG", on_hand=0, lead_time_days=5)
    await add_product(store, "LAMP", on_hand=0, lead_time_days=5)

    assert await recompute_etas(store, rules=RULES, today=TODAY, skus={"MUG"}) == 1

    etas = await store.line_etas(["O-1"])
    assert etas["O-1", 1].confidence is Confidence.ESTIMATE
    assert etas["O-1", 2].confidence is Confidence.IN_STOCK


async def test_a_cancelled_line_loses_its_stored_eta_on_the_next_recompute(
    store: SqlStore,
) -> None:
    await add_product(store, "MUG", on_hand=1, lead_time_days=4)
    await add_order(store, "O-1", [("MUG", 1)], placed_at=NOW - timedelta(days=1))
    await add_order(store, "O-2", [("MUG", 1)], placed_at=NOW)
    await recompute_etas(store, rules=RULES, today=TODAY)
    await add_order(
        store,
        "O-1",
        [("MUG", 1)],
        placed_at=NOW - timedelta(days=1),
        statuses=[LineStatus.CANCELLED],
    )

    await recompute_etas(store, rules=RULES, today=TODAY, skus=["MUG"])

    etas = await store.line_etas(["O-1", "O-2"])
    assert ("O-1", 1) not in etas
    assert etas["O-2", 1].confidence is Confidence.IN_STOCK


async def test_thousands_of_skus_in_one_call_do_not_hit_the_sql_variable_limit(
    store: SqlStore,
) -> None:
    await add_product(store, "MUG", on_hand=1)
    await add_order(store, "O-1", [("MUG", 1)])
    many = {f"SKU-{n}" for n in range(40_000)} | {"MUG"}

    assert await recompute_etas(store, rules=RULES, today=TODAY, skus=many) == 1

    assert (await store.line_etas(["O-1"]))["O-1", 1].confidence is Confidence.IN_STOCK


async def test_etas_of_unknown_orders_are_empty(store: SqlStore) -> None:
    assert await store.line_etas(["NOPE"]) == {}
    assert await store.line_etas([]) == {}


async def test_the_handling_days_of_the_product_are_used_for_the_ship_date(
    store: SqlStore,
) -> None:
    await add_product(store, "MUG", on_hand=1, handling_days=3)
    await add_order(store, "O-1", [("MUG", 1)])

    await recompute_etas(store, rules=RULES, today=TODAY)

    # Wednesday + 3 business days is the Monday after.
    assert (await store.line_etas(["O-1"]))["O-1", 1].ship_date == date(2026, 12, 7)


async def test_a_line_switched_to_another_sku_gets_that_skus_eta_when_only_it_is_recomputed(
    store: SqlStore,
) -> None:
    await add_product(store, "MUG", on_hand=0, lead_time_days=9)
    await add_product(store, "CUP", on_hand=5)
    await add_order(store, "O-1", [("MUG", 1)])
    await recompute_etas(store, rules=RULES, today=TODAY)
    await add_order(store, "O-1", [("CUP", 1)])

    await recompute_etas(store, rules=RULES, today=TODAY, skus={"CUP"})

    eta = (await store.line_etas(["O-1"]))["O-1", 1]
    assert (eta.sku, eta.confidence) == ("CUP", Confidence.IN_STOCK)
