"""`stats` on the 1M-line shop, and the chart: figures to time against the goals of issue 10.

Goals: every figure of `stats` within 2 s on 1,000,000 open lines; the chart rendered within 1 s.
The generated shop gets what the stats read beyond it: suppliers, promised dates, linked and
blocked chats, a month of events, notices and ratings, refunds. Prints the time of each query
family too, so a slow one shows (`EXPLAIN QUERY PLAN` it).
"""

from __future__ import annotations

import asyncio
import resource
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from bench.dataset import TODAY, ShopSize, build_shop
from bot.domain.calendar import BusinessCalendar
from bot.domain.eta import EtaRules
from bot.domain.stats import BacklogStats
from bot.i18n import Catalogs
from bot.services.eta import recompute_etas
from bot.services.stats import backorder_stats
from handlers.staff.stats_chart import render_chart
from storage.store import SqlStore, open_store
from storage.transaction import transaction

NAME = "stats"
GOAL_STATS_SECONDS = 2.0
GOAL_CHART_SECONDS = 1.0
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
ZONE = ZoneInfo("Europe/Berlin")


def run(scale: float = 1.0) -> dict[str, object]:
    """Build the shop (scaled), recompute its ETAs, time the stats and the chart."""
    return asyncio.run(_measure(ShopSize.scaled(scale)))


async def _measure(size: ShopSize) -> dict[str, object]:
    rules = EtaRules(BusinessCalendar(holidays=holidays.country_holidays("US")), 1)
    with tempfile.TemporaryDirectory(prefix="bench-stats-") as folder:
        path = Path(folder) / "shop.sqlite3"
        await build_shop(path, size)
        store = await open_store(path)
        try:
            await _add_history(store, size)
            await recompute_etas(store, rules=rules, today=TODAY)
            await store.connection.execute("ANALYZE")
            timings: dict[str, float] = {}
            timed = _Timed(store, timings)
            started = time.perf_counter()
            stats = await backorder_stats(timed, now=NOW, timezone=ZONE)
            first = time.perf_counter() - started
            started = time.perf_counter()
            await backorder_stats(store, now=NOW, timezone=ZONE)
            second = time.perf_counter() - started
        finally:
            await store.close()
    t = Catalogs.load().translator("en")
    render_chart(stats, t)  # Why: the first render loads fonts; a running bot has done so.
    started = time.perf_counter()
    png = render_chart(stats, t)
    chart = time.perf_counter() - started
    peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    seconds = max(first, second)
    return {
        "benchmark": NAME,
        "open_lines": size.open_lines,
        "skus": size.skus,
        "backordered_lines": stats.open_backorder_lines,
        "customers_waiting": stats.customers_waiting,
        "skus_backordered": len(stats.by_sku),
        "stats_seconds_first": round(first, 2),
        "stats_seconds_second": round(second, 2),
        "query_seconds": {name: round(value, 2) for name, value in timings.items()},
        "chart_seconds": round(chart, 2),
        "chart_bytes": len(png),
        "peak_rss_mib": round(peak_rss_mib, 1),
        "figures": _headline(stats),
        "goal": f"stats <= {GOAL_STATS_SECONDS} s, chart <= {GOAL_CHART_SECONDS} s",
        "goal_met": seconds <= GOAL_STATS_SECONDS and chart <= GOAL_CHART_SECONDS,
    }


def _headline(stats: BacklogStats) -> dict[str, object]:
    return {
        "open_backorder_units": stats.open_backorder_units,
        "unreachable_customers": stats.unreachable_customers,
        "overdue_purchase_orders": stats.overdue_purchase_orders,
        "delay_days": [stats.delay_days.p50, stats.delay_days.p90, stats.delay_days.max],
        "notices_sent_30_days": stats.last_30_days.notices_sent,
        "csat": [stats.csat.responses, stats.csat.average],
        "waiting": [bucket.lines for bucket in stats.waiting],
    }


async def _add_history(store: SqlStore, size: ShopSize) -> None:
    """Suppliers, promises, chats (a tenth of them blocked), events, notices, ratings."""
    conn = store.connection
    month = [(NOW - timedelta(hours=hours)).isoformat() for hours in range(0, 24 * 45, 7)]
    async with transaction(conn):
        await conn.execute("UPDATE products SET supplier = 'Supplier ' || (rowid % 40)")
        await conn.execute(
            "UPDATE orders SET promised_ship_date = date(placed_at_utc, '+14 days')"
            " WHERE rowid % 4 != 0"
        )
        await conn.execute(
            """INSERT INTO chat_links (chat_id, customer_id, via, linked_at)
               SELECT 7000000000 + rowid, customer_id, 'deep_link', ? FROM customers
                WHERE rowid % 3 != 0""",
            (NOW.isoformat(),),
        )
        await conn.execute(
            """INSERT INTO unreachable_chats (chat_id, since, reason)
               SELECT chat_id, ?, 'blocked' FROM chat_links WHERE chat_id % 10 = 0""",
            (NOW.isoformat(),),
        )
        kinds = ("line.cancelled", "line.swapped", "order.split", "order.cancelled")
        events = max(1, size.orders // 20)
        await conn.executemany(
            "INSERT INTO events (type, order_id, payload, created_at) VALUES (?, ?, ?, ?)",
            [
                (
                    kinds[number % 4],
                    f"O{number:07d}",
                    '{"actor": "system"}' if number % 8 == 3 else '{"actor": "customer"}',
                    month[number % len(month)],
                )
                for number in range(events)
            ],
        )
        notice_kinds = ("delay_first", "good_news", "delay_renewed", "ready_to_ship")
        await conn.executemany(
            """INSERT INTO notice_log (order_id, customer_id, kind, promised_date,
                   silence_means, refund_minor, currency, decided_at, chats, delivery)
               VALUES (?, 'C000001', ?, '2026-12-01', 'nothing', 0, 'EUR', ?, 1, 'delivered')""",
            [
                (f"O{number:07d}", notice_kinds[number % 4], month[number % len(month)])
                for number in range(events)
            ],
        )
        await conn.executemany(
            """INSERT INTO audit_log (at, actor, action, entity) VALUES (?, ?, ?, ?)""",
            [
                (NOW.isoformat(), "telegram:1", "notice.consent", f"order:O{number:07d}")
                for number in range(0, events, 3)
            ],
        )
        await conn.executemany(
            """INSERT INTO ratings (customer_id, subject, chat_id, asked_at, score, answered_at)
               VALUES (?, ?, 1, ?, ?, ?)""",
            [
                (
                    f"C{number:06d}",
                    f"order:O{number:07d}",
                    month[-1],
                    1 + number % 5,
                    month[number % len(month)],
                )
                for number in range(max(1, size.customers // 10))
            ],
        )
        await conn.executemany(
            """INSERT INTO refunds (order_id, line_no, amount_minor, currency, due_date, status,
                   reason, created_at)
               VALUES (?, 1, 1999, 'EUR', ?, 'due', 'cancel', ?)""",
            [
                (
                    f"O{number:07d}",
                    (TODAY + timedelta(days=number % 20 - 5)).isoformat(),
                    NOW.isoformat(),
                )
                for number in range(max(1, size.orders // 100))
            ],
        )


class _Timed:
    """The store, whose stats snapshot adds up the time of each query family by name (the three
    passes over the lines overlap: each is timed from its start to its end)."""

    def __init__(self, store: SqlStore, timings: dict[str, float]) -> None:
        self._store = store
        self._timings = timings

    @asynccontextmanager
    async def stats_snapshot(self) -> AsyncIterator[_TimedReader]:
        started = time.perf_counter()
        async with self._store.stats_snapshot() as reader:
            self._timings["snapshot"] = time.perf_counter() - started
            yield _TimedReader(reader, self._timings)


class _TimedReader:
    """A stats reader with the time of each call kept by name."""

    def __init__(self, reader: Any, timings: dict[str, float]) -> None:
        self._reader = reader
        self._timings = timings

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._reader, name)

        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await method(*args, **kwargs)
            finally:
                label = name.removeprefix("stats_")
                self._timings[label] = time.perf_counter() - started

        return timed
