"""Two taps or two devices confirming at once give exactly one cancellation."""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

from bot.domain.actions import AlreadyDone, Done
from bot.services.cancel import confirm_cancel
from storage.store import SqlStore, open_store
from tests.actions.shop import CUSTOMER, NOW, RULES, order, product, stock


async def confirm(store: SqlStore, version: int) -> object:
    return await confirm_cancel(
        store,
        CUSTOMER,
        "1042",
        None,
        version,
        actor="customer:C1",
        now=NOW,
        timezone=ZoneInfo("UTC"),
        rules=RULES,
        refund_days=14,
    )


async def prepared(store: SqlStore) -> int:
    await stock(store, [product("MUG")], [order("1042", ("MUG", 2, 1000), ("MUG", 1, 500))])
    state = await store.order_state("1042")
    assert state is not None
    return state.version


async def assert_cancelled_once(store: SqlStore, results: list[object]) -> None:
    assert sorted(type(result).__name__ for result in results) == ["AlreadyDone", "Done"]
    assert Done("1042", 2500, "EUR", NOW.date().replace(day=16)) in results
    assert AlreadyDone("1042", 2500, "EUR", NOW.date().replace(day=16)) in results
    assert len(await store.refunds()) == 2
    types = [event.type for event in await store.events_after(0, limit=1000)]
    assert sorted(types) == ["line.cancelled"] * 2 + ["order.cancelled"] + ["refund.due"] * 2
    cancels = [e for e in await store.audit_entries("order:1042") if e.action == "order.cancel"]
    assert len(cancels) == 1


async def test_two_confirmations_at_once_on_one_connection_cancel_once(store: SqlStore) -> None:
    version = await prepared(store)
    results = await asyncio.gather(confirm(store, version), confirm(store, version))
    await assert_cancelled_once(store, list(results))


async def test_two_devices_on_separate_connections_cancel_once(
    store: SqlStore, database_url: str
) -> None:
    version = await prepared(store)
    second = await open_store(database_url)
    try:
        results = await asyncio.gather(confirm(store, version), confirm(second, version))
    finally:
        await second.close()
    await assert_cancelled_once(store, list(results))
