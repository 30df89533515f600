"""The rating pass after a sweep in a large shop where every customer has a linked chat.

What it costs to remember the backordered orders (the first pass sees them all; later passes
only what is new), and to notice closed orders and queue their questions. Figures only: the pass
runs after each sweep (which already reads every open order) and every few minutes.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import text

from bench.dataset import TODAY, ShopSize, build_shop
from bench.postgres_copy import postgres_copy, postgres_server
from bot.domain.calendar import BusinessCalendar
from bot.domain.eta import EtaRules
from bot.domain.quiet_hours import QuietHours
from bot.i18n import Catalogs
from bot.services.eta import recompute_etas
from bot.services.ratings import ask_about_closed_orders
from handlers.ratings import make_question_renderer
from storage.store import SqlStore, open_store

NAME = "rating_pass"
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
CLOSED_ORDERS = 10_000
FIRST_CHAT = 7_000_000_000


def run(scale: float = 1.0) -> dict[str, object]:
    """Build the shop (scaled), link every customer, time the passes; return figures."""
    return asyncio.run(_measure(scale))


async def _measure(scale: float) -> dict[str, object]:
    size = ShopSize.scaled(scale)
    rules = EtaRules(BusinessCalendar(holidays=holidays.country_holidays("US")), 1)
    closing = round(CLOSED_ORDERS * min(scale, 1.0)) or 1
    server = postgres_server()
    with tempfile.TemporaryDirectory(prefix="bench-ratings-") as folder:
        path = Path(folder) / "shop.sqlite3"
        await build_shop(path, size)
        store = await open_store(path)
        try:
            await recompute_etas(store, rules=rules, today=TODAY)
            await _link_everyone(store)
            if server is not None:
                async with postgres_copy(store, server, NAME) as copy:
                    on_postgresql = await _passes(copy, closing)
            figures = await _passes(store, closing)
        finally:
            await store.close()
    result: dict[str, object] = {
        "name": NAME,
        "open_lines": size.open_lines,
        "linked_customers": size.customers,
        **figures,
    }
    if server is not None:
        result["postgresql"] = on_postgresql
    return result


async def _passes(store: SqlStore, closing: int) -> dict[str, object]:
    """Time the passes: the first (remembering every backordered order), a later one, one after
    `closing` orders shipped (queueing their questions), one without remembering."""
    render = make_question_renderer(Catalogs.load())
    quiet = QuietHours.parse("21:00-08:00")

    async def timed(watch: bool) -> tuple[float, int, int]:
        started = time.perf_counter()
        report = await ask_about_closed_orders(
            store,
            now=NOW,
            render=render,
            quiet_hours=quiet,
            timezone=ZoneInfo("UTC"),
            watch=watch,
        )
        return time.perf_counter() - started, report.watched, report.asked

    first, watched, _ = await timed(True)
    again, _, _ = await timed(True)
    closed = await _ship_some(store, closing)
    asking, _, asked = await timed(True)
    idle, _, _ = await timed(False)
    return {
        "backordered_orders_remembered": watched,
        "first_pass_s": round(first, 3),
        "later_pass_s": round(again, 3),
        "orders_closed": closed,
        "questions_queued": asked,
        "pass_with_closed_orders_s": round(asking, 3),
        "periodic_pass_without_watch_s": round(idle, 3),
    }


async def _link_everyone(store: SqlStore) -> None:
    # Why: the dataset numbers customers from 0 in insertion order ("C000042"): chat ids as the
    # SQLite rowids gave them when the figures were first measured.
    async with store.database.write() as conn:
        await conn.execute(
            text(
                "INSERT INTO chat_links (chat_id, customer_id, via, linked_at)"
                " SELECT :first + CAST(substr(customer_id, 2) AS INTEGER) + 1, customer_id,"
                " 'deep_link', :now FROM customers"
            ),
            {"first": FIRST_CHAT, "now": NOW.isoformat()},
        )


async def _ship_some(store: SqlStore, orders: int) -> int:
    """Ship every line of the first `orders` remembered orders, as an import would."""
    async with store.database.write() as conn:
        await conn.execute(
            text(
                "UPDATE order_lines SET status = 'shipped' WHERE order_id IN"
                " (SELECT order_id FROM backordered_orders ORDER BY order_id LIMIT :orders)"
            ),
            {"orders": orders},
        )
    return orders
