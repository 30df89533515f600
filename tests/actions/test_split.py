"""Shipping what is ready now; a partly ready line becomes two lines."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.domain.actions import AlreadyDone, Changed, Done, NotAllowed, NotFound
from bot.domain.model import Confidence, LineStatus
from bot.services.split import (
    SplitPart,
    SplitQuote,
    confirm_split,
    quote_split,
    set_ship_complete,
)
from storage.store import SqlStore
from tests.actions.shop import CUSTOMER, NOW, OTHER_CUSTOMER, RULES, TODAY, order, product, stock


async def shop(store: SqlStore) -> int:
    """Plates all in stock, only 2 of 5 mugs, no spoons."""
    await stock(
        store,
        [
            product("PLATE", on_hand=10),
            product("MUG", on_hand=2),
            product("SPOON", on_hand=0),
        ],
        [order("1042", ("PLATE", 1, 800), ("MUG", 5, 1000), ("SPOON", 4, 200))],
    )
    state = await store.order_state("1042")
    assert state is not None
    return state.version


async def split(store: SqlStore, version: int, customer: str = CUSTOMER) -> object:
    return await confirm_split(
        store,
        customer,
        "1042",
        version,
        actor=f"customer:{customer}",
        now=NOW,
        timezone=ZoneInfo("UTC"),
        rules=RULES,
    )


async def test_the_quote_lists_ready_units_and_waiting_units(store: SqlStore) -> None:
    version = await shop(store)
    quote = await quote_split(store, CUSTOMER, "1042", rules=RULES, today=TODAY)
    assert quote == SplitQuote(
        "1042",
        ready=(SplitPart(1, "PLATE", "Product PLATE", 1), SplitPart(2, "MUG", "Product MUG", 2)),
        waiting=(SplitPart(2, "MUG", "Product MUG", 3), SplitPart(3, "SPOON", "Product SPOON", 4)),
        version=version,
    )


async def test_splitting_marks_the_ready_part_and_splits_a_line_by_quantity(
    store: SqlStore,
) -> None:
    version = await shop(store)
    assert await split(store, version) == Done("1042", 0, "EUR", None)

    state = await store.order_state("1042")
    assert state is not None
    assert not state.ship_complete
    facts = [(line.line_no, line.sku, line.quantity, line.ship_now) for line in state.lines]
    assert facts == [
        (1, "PLATE", 1, True),
        (2, "MUG", 2, True),
        (3, "SPOON", 4, False),
        (4, "MUG", 3, False),
    ]
    etas = await store.line_etas(["1042"])
    assert etas["1042", 2].confidence == Confidence.IN_STOCK
    assert etas["1042", 4].confidence == Confidence.ESTIMATE
    [event] = await store.events_after(0, limit=1000)
    assert event.type == "order.split"
    assert event.payload["new_lines"] == [
        {
            "line_no": 4,
            "sku": "MUG",
            "quantity": 3,
            "unit_price_minor": 1000,
            "split_from_line_no": 2,
        }
    ]
    assert (await store.audit_entries("order:1042"))[-1].action == "order.split"


async def test_a_second_split_is_already_done(store: SqlStore) -> None:
    version = await shop(store)
    await split(store, version)
    assert await split(store, version) == AlreadyDone("1042")
    assert len(await store.events_after(0, limit=1000)) == 1


async def test_an_order_with_nothing_on_hand_cannot_be_split(store: SqlStore) -> None:
    await stock(store, [product("SPOON")], [order("1042", ("SPOON", 4, 200))])
    assert await quote_split(store, CUSTOMER, "1042", rules=RULES, today=TODAY) == NotAllowed(
        "1042", "nothing_ready"
    )


async def test_someone_elses_order_cannot_be_split(store: SqlStore) -> None:
    version = await shop(store)
    assert await split(store, version, OTHER_CUSTOMER) == NotFound("1042")
    quote = await quote_split(store, OTHER_CUSTOMER, "1042", rules=RULES, today=TODAY)
    assert quote == NotFound("1042")


async def test_a_split_from_a_stale_screen_is_refused(store: SqlStore) -> None:
    version = await shop(store)
    await stock(store, [], [order("1042", ("PLATE", 2, 800), ("MUG", 5, 1000), ("SPOON", 4, 200))])
    assert await split(store, version) == Changed("1042")


async def test_the_preference_for_one_complete_delivery_is_stored_and_audited(
    store: SqlStore,
) -> None:
    await shop(store)
    changed = await set_ship_complete(store, CUSTOMER, "1042", False, actor="customer:C1", now=NOW)
    again = await set_ship_complete(store, CUSTOMER, "1042", False, actor="customer:C1", now=NOW)
    assert changed == Done("1042", 0, "EUR", None)
    assert again == AlreadyDone("1042")
    state = await store.order_state("1042")
    assert state is not None and not state.ship_complete
    assert (await store.audit_entries("order:1042"))[-1].action == "order.ship_complete"
    assert [line.status for line in state.lines] == [LineStatus.OPEN] * 3
