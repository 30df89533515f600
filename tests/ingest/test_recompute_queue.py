"""Imports' recomputes in the background: every SKU handed in is dated, later ones merged."""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

from bot.clock import FrozenClock
from bot.domain.calendar import BusinessCalendar
from bot.domain.eta import EtaRules
from bot.domain.model import Customer, Order, OrderLine
from bot.services.recompute_queue import RecomputeQueue
from storage.store import SqlStore
from tests.ingest.conftest import NOW


async def test_skus_handed_in_while_a_recompute_runs_are_dated_by_the_next(
    store: SqlStore,
) -> None:
    customer = Customer("C1", "Ada")
    orders = [
        Order("1", "C1", NOW, "EUR", lines=(OrderLine("1", 1, "MUG-1", 1, 1250),)),
        Order("2", "C1", NOW, "EUR", lines=(OrderLine("2", 1, "CUP-1", 1, 800),)),
    ]
    await store.upsert_orders([customer], orders, actor="test", at=NOW)
    queue = RecomputeQueue(
        store,
        rules=EtaRules(calendar=BusinessCalendar(), default_handling_days=1),
        timezone=ZoneInfo("Europe/Berlin"),
        clock=FrozenClock(NOW),
    )
    queue.add({"MUG-1"})
    await asyncio.sleep(0)  # the first recompute starts and waits on the database
    queue.add({"CUP-1"})
    await queue.idle()
    etas = await store.line_etas({"1", "2"})
    assert set(etas) == {("1", 1), ("2", 1)}
    assert not (await store.eta_marks()).pending
