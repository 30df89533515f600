"""100,000 order lines pushed through the ingest API (DESIGN §14; goal ≤ 30 s).

As a shop's system would send them: 1,000 orders per request (about 2,500 lines, ~0.8 MB of
JSON), each request with its own Idempotency-Key, one after another over real HTTP to the
aiohttp routes `run` serves, on a store that holds the products. Reports the time until the last
answer and until every line is dated (the API recomputes ETAs in the background, later imports
merged into the next recompute), lines per second, the per-request latency, and one retried
request (answered from its key).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from bench.databases import Database, bench_database
from bot.clock import FrozenClock
from bot.config import Settings
from bot.context import Services
from bot.domain.calendar import BusinessCalendar
from bot.domain.eta import EtaRules
from bot.domain.model import Product
from bot.i18n import Catalogs
from bot.web import ingest as ingest_web
from bot.web import shopify as shopify_web
from storage.store import SqlStore, open_store

NAME = "ingest"
GOAL_SECONDS = 30.0
FULL_LINES = 100_000
ORDERS_PER_REQUEST = 1_000
SKUS = 2_000
TOKEN = "bench-token-0123456789"
SECRET = "bench-shopify-secret"
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
LANGUAGES = ("en", "de", "es", "fr", "ru")


@dataclass
class Served:
    """A store behind the feature routes on a real HTTP server, and a client session."""

    store: SqlStore
    server: TestServer
    session: aiohttp.ClientSession

    def url(self, path: str) -> str:
        """The server's URL of `path`."""
        return str(self.server.make_url(path))


@asynccontextmanager
async def served(database: Database, prefix: str) -> AsyncIterator[Served]:
    """A fresh store with SKUS products, served with the API token and the Shopify secret."""
    async with bench_database(database, prefix) as target:
        store = await open_store(target)
        try:
            products = [
                Product(f"SKU-{n:05d}", f"Product {n}", 1999, "EUR", on_hand=n % 7)
                for n in range(SKUS)
            ]
            await store.upsert_products(products, actor="bench", at=NOW)
            services = Services(
                settings=Settings(
                    timezone=ZoneInfo("Europe/Berlin"), api_token=TOKEN, shopify_secret=SECRET
                ),
                store=store,
                clock=FrozenClock(NOW),
                rules=EtaRules(calendar=BusinessCalendar(), default_handling_days=1),
                catalogs=Catalogs.load(),
            )
            app = web.Application()
            ingest_web.add_routes(app, services)
            shopify_web.add_routes(app, services)
            server = TestServer(app)
            await server.start_server()
            try:
                async with aiohttp.ClientSession() as session:
                    yield Served(store, server, session)
            finally:
                await server.close()
        finally:
            await store.close()


def order_lines(first_order: int, orders: int) -> list[dict[str, Any]]:
    """The API items of `orders` orders from `first_order` on: 1 to 4 lines each (2.5 on
    average), 10 orders per customer."""
    items = []
    for order in range(first_order, first_order + orders):
        customer = order // 10
        # Why: a shop pushes orders as they are placed, so later pushes hold later orders.
        placed = NOW - timedelta(days=30) + timedelta(seconds=order * 20)
        for line in range(1 + order % 4):
            items.append(
                {
                    "order_id": f"W{order:07d}",
                    "customer_id": f"C{customer:06d}",
                    "customer_name": f"Customer {customer}",
                    "customer_email": f"c{customer}@example.com",
                    "customer_language": LANGUAGES[customer % 5],
                    "placed_at": placed.isoformat(),
                    "sku": f"SKU-{(order * 7 + line * 131) % SKUS:05d}",
                    "quantity": 1 + (order + line) % 3,
                    "unit_price": "19.99",
                    "currency": "EUR",
                }
            )
    return items


def run(scale: float = 1.0, database: Database = "sqlite") -> dict[str, object]:
    """Push FULL_LINES × scale order lines through the API; the figures."""
    return asyncio.run(_measure(max(250, int(FULL_LINES * scale)), database))


async def _measure(lines: int, database: Database) -> dict[str, object]:
    orders = lines * 2 // 5
    requests = [
        order_lines(first, min(ORDERS_PER_REQUEST, orders - first))
        for first in range(0, orders, ORDERS_PER_REQUEST)
    ]
    bodies = [json.dumps(items) for items in requests]
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    latencies: list[float] = []
    imported = 0
    async with served(database, "ingest") as shop:
        url = shop.url("/api/v1/orders")
        started = time.perf_counter()
        for number, body in enumerate(bodies):
            sent = time.perf_counter()
            key = {"Idempotency-Key": f"bench-{number}"}
            async with shop.session.post(url, data=body, headers=headers | key) as response:
                answer = await response.json()
                if response.status != 200:
                    raise RuntimeError(f"request {number}: {response.status} {answer}")
                imported += answer["imported"]
            latencies.append(time.perf_counter() - sent)
        answered = time.perf_counter() - started
        await shop.server.app[ingest_web.RECOMPUTES].idle()
        seconds = time.perf_counter() - started
        sent = time.perf_counter()
        async with shop.session.post(
            url, data=bodies[0], headers=headers | {"Idempotency-Key": "bench-0"}
        ) as response:
            replayed = response.headers.get("Idempotent-Replayed") == "true"
        retry_ms = (time.perf_counter() - sent) * 1000
    latencies.sort()
    return {
        "benchmark": NAME,
        "database": database,
        "lines": imported,
        "orders": orders,
        "requests": len(bodies),
        "orders_per_request": ORDERS_PER_REQUEST,
        "answered_seconds": round(answered, 2),
        "seconds": round(seconds, 2),
        "lines_per_second": round(imported / seconds),
        "request_p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
        "request_max_ms": round(latencies[-1] * 1000, 1),
        "retry_replayed": replayed,
        "retry_ms": round(retry_ms, 1),
        "goal_seconds": GOAL_SECONDS * lines / FULL_LINES,
        "meets_goal": seconds <= GOAL_SECONDS * lines / FULL_LINES,
    }
