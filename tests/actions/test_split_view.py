"""After a split: released lines show as shipping now and are not offered to ship ahead again."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.domain.actions import NotAllowed
from bot.services.split import SplitPart, SplitQuote, confirm_split, offers_split, quote_split
from bot.services.status import order_json, order_view
from storage.store import SqlStore
from tests.actions.shop import CUSTOMER, NOW, RULES, TODAY, in_days, order, po, product, stock


async def shop(store: SqlStore) -> None:
    """Plates in stock, 2 of 5 mugs on hand with more due in 9 days."""
    await stock(
        store,
        [product("PLATE", on_hand=10), product("MUG", on_hand=2)],
        [order("1042", ("PLATE", 1, 800), ("MUG", 5, 1000))],
        [po("PO-1", "MUG", 3, in_days(9))],
    )


async def split(store: SqlStore) -> None:
    state = await store.order_state("1042")
    assert state is not None
    await confirm_split(
        store,
        CUSTOMER,
        "1042",
        state.version,
        actor="customer:C1",
        now=NOW,
        timezone=ZoneInfo("UTC"),
        rules=RULES,
    )


async def test_after_a_split_nothing_new_can_ship_ahead(store: SqlStore) -> None:
    await shop(store)
    await split(store)
    quote = await quote_split(store, CUSTOMER, "1042", rules=RULES, today=TODAY)
    assert quote == NotAllowed("1042", "nothing_ready")


async def test_stock_arriving_after_a_split_offers_only_the_waiting_part(
    store: SqlStore,
) -> None:
    await shop(store)
    await split(store)
    await stock(store, [product("PLATE", on_hand=9), product("MUG", on_hand=5)])
    quote = await quote_split(store, CUSTOMER, "1042", rules=RULES, today=TODAY)
    assert isinstance(quote, SplitQuote)
    assert quote.ready == (SplitPart(3, "MUG", "Product MUG", 3),)
    assert quote.waiting == ()


async def test_the_ship_ahead_button_is_offered_before_a_split_and_not_after(
    store: SqlStore,
) -> None:
    await shop(store)
    before = await order_view(store, "1042")
    assert before is not None
    assert await offers_split(store, before, rules=RULES, today=TODAY)
    await split(store)
    after = await order_view(store, "1042")
    assert after is not None
    assert not await offers_split(store, after, rules=RULES, today=TODAY)


async def test_an_order_with_nothing_on_hand_offers_no_ship_ahead_button(
    store: SqlStore,
) -> None:
    await stock(store, [product("SPOON")], [order("1042", ("SPOON", 4, 200))])
    view = await order_view(store, "1042")
    assert view is not None
    assert not await offers_split(store, view, rules=RULES, today=TODAY)


async def test_a_split_order_shows_released_lines_and_the_waiting_parts_date(
    store: SqlStore,
) -> None:
    await shop(store)
    await split(store)
    view = await order_view(store, "1042")
    assert view is not None
    assert [(line.line_no, line.ship_now) for line in view.lines] == [
        (1, True),
        (2, True),
        (3, False),
    ]
    assert view.ships_in_parts
    assert view.estimated_ship_date == in_days(9)
    shown = order_json(view)
    assert [line["ship_now"] for line in shown["lines"]] == [True, True, False]  # type: ignore[attr-defined]
    assert shown["estimated_ship_date"] == in_days(9).isoformat()


async def test_an_order_not_split_reports_no_line_as_shipping_now(store: SqlStore) -> None:
    await shop(store)
    view = await order_view(store, "1042")
    assert view is not None
    assert not view.ships_in_parts
    assert [line["ship_now"] for line in order_json(view)["lines"]] == [False, False]  # type: ignore[attr-defined]
