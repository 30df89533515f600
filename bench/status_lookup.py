"""Latency of "list my orders with ETAs" for random customers of a large shop."""

from __future__ import annotations

import asyncio
import random
import statistics
import time

from bench.databases import Database, bench_database
from bench.dataset import SEED, TODAY, ShopSize, build_shop, customer_id
from bot.domain.calendar import BusinessCalendar
from bot.domain.eta import EtaRules
from bot.services.eta import recompute_etas
from bot.services.status import customer_orders
from storage.store import open_store

NAME = "status_lookup"
LOOKUPS = 2_000
GOAL_P99_MS = 20.0


def run(scale: float = 1.0, database: Database = "sqlite") -> dict[str, object]:
    """Generate the shop, compute its ETAs, time many lookups and return the figures."""
    lookups = max(50, round(LOOKUPS * scale))
    return asyncio.run(_measure(ShopSize.scaled(scale), lookups=lookups, database=database))


async def _measure(size: ShopSize, *, lookups: int, database: Database) -> dict[str, object]:
    rng = random.Random(SEED + 1)
    async with bench_database(database, "status") as path:
        await build_shop(path, size)
        store = await open_store(path)
        try:
            await recompute_etas(
                store, rules=EtaRules(BusinessCalendar(), 1), today=TODAY, skus=None
            )
            latencies_ms: list[float] = []
            orders_seen = 0
            for _ in range(lookups):
                customer = customer_id(rng.randrange(size.customers))
                started = time.perf_counter()
                views = await customer_orders(store, customer)
                latencies_ms.append((time.perf_counter() - started) * 1000)
                orders_seen += len(views)
        finally:
            await store.close()
    cuts = statistics.quantiles(latencies_ms, n=100, method="inclusive")
    p50, p99 = statistics.median(latencies_ms), cuts[98]
    return {
        "benchmark": NAME,
        "database": database,
        "customers": size.customers,
        "orders": size.orders,
        "open_lines": size.open_lines,
        "lookups": lookups,
        "orders_per_lookup": round(orders_seen / lookups, 2),
        "p50_ms": round(p50, 3),
        "p99_ms": round(p99, 3),
        "max_ms": round(max(latencies_ms), 3),
        "goal": f"p99 < {GOAL_P99_MS} ms",
        "goal_met": p99 < GOAL_P99_MS,
    }
