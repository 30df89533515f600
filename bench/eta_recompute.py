"""Full ETA recompute over a large shop, against the floor of only reading and writing its rows."""

from __future__ import annotations

import asyncio
import resource
import time

import holidays

from bench.databases import Database, bench_database
from bench.dataset import TODAY, ShopSize, build_shop
from bot.domain.calendar import BusinessCalendar
from bot.domain.eta import EtaRules
from bot.domain.model import Confidence, LineEta
from bot.services.eta import recompute_etas
from storage.store import SqlStore, open_store

NAME = "eta_recompute"
GOAL_RATIO = 3.0
GOAL_RSS_MIB = 1024.0


def run(scale: float = 1.0, database: Database = "sqlite") -> dict[str, object]:
    """Generate the shop, time the floor and the full recompute, and return the figures."""
    return asyncio.run(_measure(ShopSize.scaled(scale), database))


async def _measure(size: ShopSize, database: Database) -> dict[str, object]:
    rules = EtaRules(BusinessCalendar(holidays=holidays.country_holidays("US")), 1)
    async with bench_database(database, "eta") as path:
        started = time.perf_counter()
        await build_shop(path, size)
        generated = time.perf_counter() - started
        store = await open_store(path)
        try:
            floor = await _floor_seconds(store)
            started = time.perf_counter()
            lines = await recompute_etas(store, rules=rules, today=TODAY)
            recompute = time.perf_counter() - started
        finally:
            await store.close()
    peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ratio = recompute / floor if floor else 0.0
    return {
        "benchmark": NAME,
        "database": database,
        "open_lines": size.open_lines,
        "lines_computed": lines,
        "skus": size.skus,
        "purchase_orders": size.purchase_orders,
        "orders": size.orders,
        "customers": size.customers,
        "generate_seconds": round(generated, 2),
        "floor_seconds": round(floor, 2),
        "recompute_seconds": round(recompute, 2),
        "ratio_to_floor": round(ratio, 2),
        "peak_rss_mib": round(peak_rss_mib, 1),
        "goal": f"ratio <= {GOAL_RATIO}, peak RSS < {GOAL_RSS_MIB:.0f} MiB",
        "goal_met": ratio <= GOAL_RATIO and peak_rss_mib < GOAL_RSS_MIB,
    }


async def _floor_seconds(store: SqlStore) -> float:
    """Time to read every SKU's book and write one trivial ETA per open line."""
    started = time.perf_counter()
    books = await store.sku_books(None)
    trivial = [
        LineEta(line.order_id, line.line_no, book.sku, TODAY, TODAY, Confidence.IN_STOCK)
        for book in books
        for line in book.demand
    ]
    await store.save_etas(trivial, skus=None, computed_on=TODAY)
    return time.perf_counter() - started
