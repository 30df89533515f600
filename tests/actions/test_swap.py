"""Swapping a waiting line for a product that ships sooner."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.domain.actions import AlreadyDone, Changed, Done, NotAllowed, NotFound
from bot.domain.model import Confidence, LineStatus
from bot.services.swap import SubstituteOffer, confirm_swap, offer_substitutes, order_version
from storage.store import SqlStore
from tests.actions.shop import (
    CUSTOMER,
    NOW,
    OTHER_CUSTOMER,
    RULES,
    TODAY,
    in_days,
    order,
    product,
    stock,
)


async def shop(store: SqlStore) -> int:
    """A mug waiting 30 days; a cheaper cup in stock, a dearer mug in stock, a slow one."""
    await stock(
        store,
        [
            product("MUG", price=1000, lead_time_days=30, alternatives=["CUP"]),
            product("CUP", price=600, on_hand=5, category="cups"),
            product("MUG-XL", price=1150, on_hand=5),
            product("MUG-SLOW", price=1000, lead_time_days=40),
        ],
        [order("1042", ("MUG", 2, 1000))],
    )
    state = await store.order_state("1042")
    assert state is not None
    return state.version


async def swap(
    store: SqlStore, sku: str, version: int, *, accept: bool = False, customer: str = CUSTOMER
) -> object:
    return await confirm_swap(
        store,
        customer,
        "1042",
        1,
        sku,
        version,
        accept_price_increase=accept,
        actor=f"customer:{customer}",
        now=NOW,
        timezone=ZoneInfo("UTC"),
        rules=RULES,
        refund_days=14,
    )


async def test_offers_list_sooner_products_with_price_difference_and_date(
    store: SqlStore,
) -> None:
    await shop(store)
    offers = await offer_substitutes(store, CUSTOMER, "1042", 1, rules=RULES, today=TODAY)
    assert offers == [
        SubstituteOffer("MUG-XL", "Product MUG-XL", 1150, "EUR", 300, TODAY, Confidence.IN_STOCK),
        SubstituteOffer("CUP", "Product CUP", 600, "EUR", -800, TODAY, Confidence.IN_STOCK),
    ]


async def test_without_a_sooner_product_the_customer_is_told_there_is_none(
    store: SqlStore,
) -> None:
    await stock(store, [product("MUG"), product("MUG-SLOW", lead_time_days=40)])
    await stock(store, [], [order("1042", ("MUG", 1, 1000))])
    offers = await offer_substitutes(store, CUSTOMER, "1042", 1, rules=RULES, today=TODAY)
    assert offers == NotAllowed("1042", "no_substitute")


async def test_offers_for_someone_elses_order_are_not_found(store: SqlStore) -> None:
    await shop(store)
    offers = await offer_substitutes(store, OTHER_CUSTOMER, "1042", 1, rules=RULES, today=TODAY)
    assert offers == NotFound("1042")


async def test_a_cheaper_swap_cancels_the_line_adds_the_new_one_and_owes_the_difference(
    store: SqlStore,
) -> None:
    version = await shop(store)
    result = await swap(store, "CUP", version)

    assert result == Done("1042", 800, "EUR", in_days(14))
    state = await store.order_state("1042")
    assert state is not None
    old, new = state.lines
    assert old.status == LineStatus.CANCELLED
    assert (new.line_no, new.sku, new.quantity, new.unit_price_minor, new.replaces_line_no) == (
        2,
        "CUP",
        2,
        600,
        1,
    )
    assert (await store.line_etas(["1042"]))["1042", 2].ship_date == TODAY
    [refund] = await store.refunds()
    assert (refund.amount_minor, refund.reason) == (800, "swap_price_decrease")
    events = await store.events_after(0, limit=1000)
    assert [event.type for event in events] == ["line.swapped", "refund.due"]
    assert events[0].payload["new_line"] == {
        "line_no": 2,
        "sku": "CUP",
        "quantity": 2,
        "unit_price_minor": 600,
    }
    assert (await store.audit_entries("order:1042"))[-1].action == "order.swap"


async def test_a_dearer_swap_needs_the_increase_accepted(store: SqlStore) -> None:
    version = await shop(store)
    refused = await swap(store, "MUG-XL", version)
    assert refused == NotAllowed("1042", "price_increase_not_accepted")
    assert await store.events_after(0, limit=1000) == []

    assert await swap(store, "MUG-XL", version, accept=True) == Done("1042", 0, "EUR", None)
    [event] = await store.events_after(0, limit=1000)
    assert event.payload["price_difference_minor"] == 300
    assert await store.refunds() == []


async def test_a_repeated_swap_is_already_done_and_a_stale_one_is_changed(
    store: SqlStore,
) -> None:
    version = await shop(store)
    await swap(store, "CUP", version)
    assert await swap(store, "CUP", version) == AlreadyDone("1042")
    assert await swap(store, "MUG-XL", version, accept=True) == NotAllowed("1042", "not_open")
    assert len(await store.refunds()) == 1


async def test_a_product_that_is_no_longer_sooner_cannot_be_swapped_in(store: SqlStore) -> None:
    version = await shop(store)
    assert await swap(store, "MUG-SLOW", version) == NotAllowed("1042", "no_substitute")


async def test_a_swap_on_an_order_changed_since_the_offer_is_stale(store: SqlStore) -> None:
    version = await shop(store)
    await stock(store, [], [order("1042", ("MUG", 3, 1000))])
    assert await swap(store, "CUP", version) == Changed("1042")


async def test_a_swapped_in_line_queues_behind_customers_already_waiting_for_that_product(
    store: SqlStore,
) -> None:
    version = await shop(store)
    await stock(
        store,
        [product("CUP", price=600, on_hand=5, category="cups")],
        [order("3000", ("CUP", 3, 600), customer_id=OTHER_CUSTOMER, placed_days_ago=1)],
    )
    assert await swap(store, "CUP", version) == Done("1042", 800, "EUR", in_days(14))
    etas = await store.line_etas(["1042", "3000"])
    assert etas["3000", 1].ship_date == TODAY
    assert etas["1042", 2].ship_date == TODAY

    await stock(
        store,
        [product("CUP", price=600, on_hand=4, category="cups")],
        [order("4000", ("CUP", 1, 600), customer_id=OTHER_CUSTOMER, placed_days_ago=2)],
    )
    etas = await store.line_etas(["1042", "3000", "4000"])
    # The swap happened after orders 3000 and 4000 were placed, so it waits behind both.
    assert etas["4000", 1].ship_date == TODAY
    assert etas["3000", 1].ship_date == TODAY
    assert etas["1042", 2].confidence == Confidence.ESTIMATE


async def test_the_version_for_the_confirm_button_is_only_given_to_the_orders_customer(
    store: SqlStore,
) -> None:
    version = await shop(store)
    assert await order_version(store, CUSTOMER, "1042") == version
    assert await order_version(store, OTHER_CUSTOMER, "1042") is None
    assert await order_version(store, CUSTOMER, "nope") is None
