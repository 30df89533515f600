"""Cancelling a line or an order: refund owed, events for the shop, the queue moves up."""

from __future__ import annotations

import json
from datetime import date
from zoneinfo import ZoneInfo

from bot.domain.actions import AlreadyDone, Changed, Done, NotAllowed, NotFound
from bot.domain.model import Jurisdiction, LineStatus
from bot.services.cancel import CancelQuote, cancel_for_system, confirm_cancel, quote_cancel
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

UTC_ZONE = ZoneInfo("UTC")


async def two_line_order(store: SqlStore, jurisdiction: Jurisdiction | None = None) -> None:
    await stock(
        store,
        [product("MUG"), product("PLATE")],
        [order("1042", ("MUG", 2, 1250), ("PLATE", 1, 800), jurisdiction=jurisdiction)],
    )


async def cancel(
    store: SqlStore, line_no: int | None, version: int, customer: str = CUSTOMER
) -> object:
    return await confirm_cancel(
        store,
        customer,
        "1042",
        line_no,
        version,
        actor=f"customer:{customer}",
        now=NOW,
        timezone=UTC_ZONE,
        rules=RULES,
        refund_days=14,
    )


async def version_of(store: SqlStore, order_id: str = "1042") -> int:
    state = await store.order_state(order_id)
    assert state is not None
    return state.version


async def test_the_quote_for_one_line_shows_its_value_and_the_due_date(store: SqlStore) -> None:
    await two_line_order(store, Jurisdiction.EU)
    quote = await quote_cancel(store, CUSTOMER, "1042", 1, rules=RULES, refund_days=30, today=TODAY)
    assert quote == CancelQuote("1042", (1,), 2500, "EUR", in_days(14), await version_of(store))


async def test_the_quote_for_the_whole_order_covers_every_open_line(store: SqlStore) -> None:
    await two_line_order(store, Jurisdiction.US)
    quote = await quote_cancel(
        store, CUSTOMER, "1042", None, rules=RULES, refund_days=30, today=TODAY
    )
    assert isinstance(quote, CancelQuote)
    assert (quote.line_nos, quote.refund_minor, quote.refund_due) == (
        (1, 2),
        3300,
        date(2026, 12, 11),
    )


async def test_another_customers_order_and_a_missing_order_look_the_same(
    store: SqlStore,
) -> None:
    await two_line_order(store)
    theirs = await quote_cancel(
        store, OTHER_CUSTOMER, "1042", None, rules=RULES, refund_days=14, today=TODAY
    )
    missing = await quote_cancel(
        store, CUSTOMER, "9999", None, rules=RULES, refund_days=14, today=TODAY
    )
    assert theirs == NotFound("1042")
    assert missing == NotFound("9999")
    assert await cancel(store, None, await version_of(store), OTHER_CUSTOMER) == NotFound("1042")
    assert await store.refunds() == []


async def test_cancelling_a_line_records_the_refund_the_events_and_the_audit(
    store: SqlStore,
) -> None:
    await two_line_order(store)
    result = await cancel(store, 1, await version_of(store))

    assert result == Done("1042", 2500, "EUR", in_days(14))
    state = await store.order_state("1042")
    assert state is not None
    assert [line.status for line in state.lines] == [LineStatus.CANCELLED, LineStatus.OPEN]
    [refund] = await store.refunds()
    assert (refund.line_no, refund.amount_minor, refund.status, refund.reason) == (
        1,
        2500,
        "due",
        "cancel",
    )
    events = await store.events_after(0, limit=1000)
    assert [event.type for event in events] == ["line.cancelled", "refund.due"]
    assert events[0].payload["sku"] == "MUG" and events[0].payload["quantity"] == 2
    assert events[1].payload["due_date"] == in_days(14).isoformat()
    audit = await store.audit_entries("order:1042")
    assert audit[-1].action == "order.cancel"
    assert audit[-1].actor == "customer:C1"
    assert json.loads(audit[-1].before or "{}")["lines"][0]["status"] == "open"


async def test_cancelling_the_last_open_line_cancels_the_order(store: SqlStore) -> None:
    await two_line_order(store)
    await cancel(store, 1, await version_of(store))
    await cancel(store, 2, await version_of(store))
    types = [event.type for event in await store.events_after(0, limit=1000)]
    assert types.count("order.cancelled") == 1
    assert types[-2:] == ["order.cancelled", "refund.due"]


async def test_cancelling_the_whole_order_refunds_every_open_line(store: SqlStore) -> None:
    await two_line_order(store, Jurisdiction.UK)
    result = await cancel(store, None, await version_of(store))
    assert result == Done("1042", 3300, "EUR", in_days(14))
    assert sorted(r.line_no for r in await store.refunds()) == [1, 2]


async def test_a_shipped_line_cannot_be_cancelled_and_nothing_changes(store: SqlStore) -> None:
    await stock(
        store,
        [product("MUG")],
        [order("1042", ("MUG", 1, 1000), statuses=[LineStatus.SHIPPED])],
    )
    assert await cancel(store, 1, await version_of(store)) == NotAllowed("1042", "shipped")
    assert await cancel(store, None, await version_of(store)) == NotAllowed("1042", "shipped")
    quote = await quote_cancel(store, CUSTOMER, "1042", 1, rules=RULES, refund_days=14, today=TODAY)
    assert quote == NotAllowed("1042", "shipped")
    assert await store.events_after(0, limit=1000) == []


async def test_a_double_tap_cancels_once_and_then_says_already_done_with_the_refund_owed(
    store: SqlStore,
) -> None:
    await two_line_order(store)
    version = await version_of(store)
    done = await cancel(store, 1, version)
    assert isinstance(done, Done)
    # Why: the first answer may never have reached the customer (a crash before the reply).
    assert await cancel(store, 1, version) == AlreadyDone(
        "1042", done.refund_minor, done.currency, done.refund_due
    )
    assert len(await store.refunds()) == 1
    assert len(await store.events_after(0, limit=1000)) == 2


async def test_a_button_from_before_the_order_changed_is_refused_as_stale(
    store: SqlStore,
) -> None:
    await two_line_order(store)
    stale = await version_of(store)
    await cancel(store, 2, stale)
    assert await cancel(store, 1, stale) == Changed("1042")
    assert len(await store.refunds()) == 1


async def test_reimporting_a_changed_order_makes_old_buttons_stale(store: SqlStore) -> None:
    await two_line_order(store)
    stale = await version_of(store)
    await stock(store, [product("MUG"), product("PLATE")], [order("1042", ("MUG", 3, 1250))])
    assert await cancel(store, 1, stale) == Changed("1042")


async def test_customers_behind_move_up_when_a_line_ahead_is_cancelled(store: SqlStore) -> None:
    await stock(
        store,
        [product("MUG", on_hand=2, lead_time_days=30)],
        [
            order("1042", ("MUG", 2, 1000), placed_days_ago=10),
            order("2000", ("MUG", 2, 1000), customer_id=OTHER_CUSTOMER, placed_days_ago=5),
        ],
    )
    before = (await store.line_etas(["2000"]))["2000", 1]
    assert before.ship_date == in_days(30)

    await cancel(store, 1, await version_of(store))

    after = (await store.line_etas(["2000"]))["2000", 1]
    assert after.ship_date == TODAY


async def test_the_system_can_cancel_any_order_without_a_version(store: SqlStore) -> None:
    await two_line_order(store)
    result = await cancel_for_system(
        store, "1042", reason="deadline", now=NOW, timezone=UTC_ZONE, rules=RULES, refund_days=14
    )
    assert result == Done("1042", 3300, "EUR", in_days(14))
    events = await store.events_after(0, limit=1000)
    assert {event.payload["actor"] for event in events} == {"system"}
    assert events[0].payload["reason"] == "deadline"
    assert (await store.audit_entries("order:1042"))[-1].actor == "system"


async def test_a_cancelled_line_no_longer_has_an_estimated_date(store: SqlStore) -> None:
    await two_line_order(store)
    assert ("1042", 1) in await store.line_etas(["1042"])
    await cancel(store, 1, await version_of(store))
    assert set(await store.line_etas(["1042"])) == {("1042", 2)}
