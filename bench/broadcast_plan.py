"""Plan and queue a supplier-delay broadcast to every waiting customer of the 1M-line shop,
100,000 linked, each waiting for the product: time and peak memory (goal: at most 10 s and
250 MiB).

The shop is built and its ETAs computed in this process; the broadcast is previewed and queued
in a fresh child process (as `backorder-bot broadcast send` would be), so its peak resident
memory counts only the broadcast.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text

from bench.dataset import TODAY, ShopSize, build_shop, customer_id
from bot.config import DEFAULT_QUIET_HOURS
from bot.domain.broadcasts import Segment, SegmentKind, Template, TemplateMessage
from bot.domain.calendar import BusinessCalendar
from bot.domain.eta import EtaRules
from bot.i18n import Catalogs
from bot.services.broadcasts import (
    Preview,
    Queued,
    QuietHoursRule,
    preview_broadcast,
    queue_broadcast,
)
from bot.services.eta import recompute_etas
from handlers.broadcast_texts import broadcast_texts
from storage.store import open_store

# Rows per INSERT statement while building the shop.
CHUNK = 1_000

NAME = "broadcast_plan"
GOAL_SECONDS = 10.0
GOAL_MIB = 250.0
FIRST_CHAT = 50_000_000
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
HOT_SKU = "SKU-000000"
PLACED = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
PLACED_UTC = PLACED.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
MESSAGE = TemplateMessage(
    Template.SUPPLIER_DELAY, (("reason", "A strike at the port"), ("sku", HOT_SKU))
)


def run(scale: float = 1.0) -> dict[str, object]:
    """Build the shop at `scale`, link every customer, then time the broadcast in a child."""
    size = ShopSize.scaled(scale)
    with tempfile.TemporaryDirectory(prefix="bench-broadcast-") as folder:
        path = Path(folder) / "shop.sqlite3"
        asyncio.run(_prepare(path, size))
        output = subprocess.run(
            [sys.executable, "-m", "bench.broadcast_plan", str(path)],
            check=True,
            cwd=Path(__file__).parents[1],
            capture_output=True,
            text=True,
        ).stdout
    figures: dict[str, object] = json.loads(output)
    seconds = float(str(figures["queue_seconds"]))
    peak = float(str(figures["peak_rss_mib"]))
    return {
        "benchmark": NAME,
        "open_lines": size.open_lines,
        "customers_linked": size.customers,
        **figures,
        "goal": f"queue <= {GOAL_SECONDS:g} s and peak RSS <= {GOAL_MIB:g} MiB",
        "goal_met": seconds <= GOAL_SECONDS and peak <= GOAL_MIB,
    }


async def _prepare(path: Path, size: ShopSize) -> None:
    await build_shop(path, size)
    store = await open_store(path)
    try:
        # Why: a product template reaches only the customers still waiting for that product, so
        # every customer gets one more order of it, none on hand: all of them are in the broadcast.
        async with store.database.write() as conn:
            await conn.execute(
                text("UPDATE products SET on_hand = 0 WHERE sku = :sku"), {"sku": HOT_SKU}
            )
            numbers = range(size.customers)
            for start in range(0, size.customers, CHUNK):
                chunk = numbers[start : start + CHUNK]
                await conn.execute(
                    text(
                        "INSERT INTO orders (order_id, customer_id, placed_at, placed_at_utc,"
                        " currency, priority) VALUES (:id, :customer, :placed, :utc, 'EUR', 0)"
                    ),
                    [
                        {
                            "id": f"BC{n:07d}",
                            "customer": customer_id(n),
                            "placed": PLACED.isoformat(),
                            "utc": PLACED_UTC,
                        }
                        for n in chunk
                    ],
                )
                await conn.execute(
                    text(
                        "INSERT INTO order_lines (order_id, line_no, sku, quantity,"
                        " unit_price_minor) VALUES (:id, 1, :sku, 1, 1999)"
                    ),
                    [{"id": f"BC{n:07d}", "sku": HOT_SKU} for n in chunk],
                )
        await recompute_etas(store, rules=EtaRules(BusinessCalendar(), 1), today=TODAY)
        # Why: linking through the chat one by one would dwarf what is measured; these are the
        # rows linking writes.
        async with store.database.write() as conn:
            for start in range(0, size.customers, CHUNK):
                await conn.execute(
                    text(
                        "INSERT INTO chat_links (chat_id, customer_id, via, linked_at)"
                        " VALUES (:chat, :customer, 'deep_link', :at)"
                    ),
                    [
                        {"chat": FIRST_CHAT + n, "customer": customer_id(n), "at": NOW.isoformat()}
                        for n in range(start, min(start + CHUNK, size.customers))
                    ],
                )
        async with store.database.write() as conn:
            await conn.execute(text("ANALYZE"))
    finally:
        await store.close()


def _memory_mib() -> float:
    """Peak resident memory (VmHWM) of this process."""
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key == "VmHWM":
            return round(int(rest.split()[0]) / 1024, 1)
    return 0.0


async def _broadcast(path: Path) -> dict[str, object]:
    store = await open_store(path)
    try:
        started = time.perf_counter()
        texts = broadcast_texts(Catalogs.load())
        segment = Segment(SegmentKind.ALL)
        quiet = QuietHoursRule(DEFAULT_QUIET_HOURS, ZoneInfo("UTC"))
        preview = await preview_broadcast(
            store, segment, MESSAGE, texts=texts, today=TODAY, quiet=quiet, now=NOW
        )
        previewed = time.perf_counter()
        queued = await queue_broadcast(
            store, segment, MESSAGE, texts=texts, actor="cli", now=NOW, today=TODAY, quiet=quiet
        )
        finished = time.perf_counter()
        assert isinstance(preview, Preview), preview
        assert isinstance(queued, Queued), queued
        async with store.database.read() as conn:
            count, characters = (
                await conn.execute(
                    text("SELECT count(*), sum(length(text)) FROM outbox WHERE broadcast_id = :id"),
                    {"id": queued.broadcast_id},
                )
            ).one()
    finally:
        await store.close()
    return {
        "recipients": queued.recipients,
        "outbox_rows": count,
        "average_copy_chars": round(characters / max(count, 1)),
        "by_language": dict(preview.by_language),
        "waiting_for_morning": queued.waiting_for_morning,
        "preview_seconds": round(previewed - started, 2),
        "queue_seconds": round(finished - previewed, 2),
        "peak_rss_mib": _memory_mib(),
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(_broadcast(Path(sys.argv[1])))))
