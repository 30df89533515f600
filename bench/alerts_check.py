"""The staff alert checks on the large shop (DESIGN §12): the daily check (overdue purchase
orders and refunds) on an old database's first start and on the next run, and the per-second
look for customers who blocked the bot with a question open once chats changed.

The shop: the 1M-line benchmark shop (its purchase orders expected from 10 days ago to 90 days
ahead), 5,000 refunds past due, 20,000 linked chats of which 10,000 blocked the bot, 2,000 of
those customers with a delay question open. Goal: each check well under a second, so the daily
catch-up and the per-second sweep tick stay quick.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import BigInteger, Text, bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bench.dataset import TODAY, ShopSize, build_shop, customer_id
from bot.i18n import Catalogs
from bot.services.alerts import alert_blocked_questions, alert_overdue_refunds, alert_overdue_supply
from bot.services.overdue_supply import overdue_supply
from handlers.staff.alert_texts import AlertTexts
from storage.store import SqlStore, open_store

NAME = "alerts_check"
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
CHATS = (555, 556)
REFUNDS = 5_000
LINKED = 20_000
BLOCKED = 10_000
QUESTIONS = 2_000
FIRST_CHAT = 8_000_000_000
CHUNK = 1_000  # rows per INSERT statement


def run(scale: float = 1.0) -> dict[str, object]:
    """Build the shop (scaled), run each check twice; return the figures."""
    return asyncio.run(_measure(scale))


async def _measure(scale: float) -> dict[str, object]:
    size = ShopSize.scaled(scale)
    texts = AlertTexts(Catalogs.load().translator("en"))
    with tempfile.TemporaryDirectory(prefix="bench-alerts-") as folder:
        path = Path(folder) / "shop.sqlite3"
        await build_shop(path, size)
        store = await open_store(path)
        try:
            await _add_refunds_and_chats(store, size, scale)

            async def daily() -> int:
                found = await overdue_supply(store, today=TODAY)
                raised = await alert_overdue_supply(store, found, chats=CHATS, texts=texts, now=NOW)
                return raised + await alert_overdue_refunds(
                    store, today=TODAY, chats=CHATS, texts=texts, now=NOW
                )

            async def blocked() -> int:
                return await alert_blocked_questions(store, chats=CHATS, texts=texts, now=NOW)

            first_daily, raised_daily = await _timed(daily)
            again_daily, raised_again = await _timed(daily)
            first_blocked, raised_blocked = await _timed(blocked)
            again_blocked, raised_blocked_again = await _timed(blocked)
            async with store.database.read() as conn:
                outbox_rows = (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar_one()
        finally:
            await store.close()
    return {
        "name": NAME,
        "open_lines": size.open_lines,
        "daily_first_start_seconds": round(first_daily, 3),
        "daily_alerts_raised": raised_daily,
        "daily_next_run_seconds": round(again_daily, 3),
        "daily_next_run_raised": raised_again,
        "blocked_first_look_seconds": round(first_blocked, 3),
        "blocked_alerts_raised": raised_blocked,
        "blocked_next_look_seconds": round(again_blocked, 3),
        "blocked_next_look_raised": raised_blocked_again,
        "outbox_rows": int(outbox_rows),
    }


async def _timed(check: Callable[[], Awaitable[int]]) -> tuple[float, int]:
    started = time.perf_counter()
    raised = await check()
    return time.perf_counter() - started, raised


async def _add_refunds_and_chats(store: SqlStore, size: ShopSize, scale: float) -> None:
    refunds = max(1, round(REFUNDS * scale))
    linked = min(size.customers, max(1, round(LINKED * scale)))
    blocked = max(1, round(BLOCKED * scale))
    questions = max(1, round(QUESTIONS * scale))
    created = NOW.isoformat()
    async with store.database.write() as conn:
        await _insert_chunked(
            conn,
            """INSERT INTO refunds (order_id, line_no, amount_minor, currency, due_date, status,
                   reason, created_at)
               VALUES (:order_id, 1, 1999, 'EUR', :due, 'due', 'cancel', :created)""",
            [
                {
                    "order_id": f"O{n:07d}",
                    "due": (TODAY - timedelta(days=1 + n % 20)).isoformat(),
                    "created": created,
                }
                for n in range(refunds)
            ],
        )
        await _insert_chunked(
            conn,
            "INSERT INTO chat_links (chat_id, customer_id, via, linked_at)"
            " VALUES (:chat, :customer, 'deep_link', :created)",
            [
                {"chat": FIRST_CHAT + n, "customer": customer_id(n), "created": created}
                for n in range(linked)
            ],
        )
        await _insert_chunked(
            conn,
            "INSERT INTO unreachable_chats (chat_id, since, reason)"
            " VALUES (:chat, :created, 'blocked')",
            [{"chat": FIRST_CHAT + n, "created": created} for n in range(blocked)],
        )
        # Why: an open question on one order of each of the first customers who blocked the bot.
        await conn.execute(
            text(
                """INSERT INTO notice_state (order_id, deadline, communicated_date,
                       communicated_at, awaiting_answer, silence_means, decision_deadline,
                       auto_cancel_on, updated_at)
                   SELECT min(o.order_id), :today, :today, :created, 1, 'cancel', :decide,
                          :cancel, :created
                     FROM orders o
                    WHERE o.customer_id IN (SELECT customer_id FROM chat_links
                                             WHERE chat_id < :below)
                    GROUP BY o.customer_id
                   ON CONFLICT DO NOTHING"""
            ).bindparams(
                bindparam("today", type_=Text),
                bindparam("created", type_=Text),
                bindparam("decide", type_=Text),
                bindparam("cancel", type_=Text),
                bindparam("below", type_=BigInteger),
            ),
            {
                "today": TODAY.isoformat(),
                "created": created,
                "decide": (TODAY + timedelta(days=20)).isoformat(),
                "cancel": (TODAY + timedelta(days=21)).isoformat(),
                "below": FIRST_CHAT + questions,
            },
        )


async def _insert_chunked(conn: AsyncConnection, sql: str, rows: list[dict[str, object]]) -> None:
    for start in range(0, len(rows), CHUNK):
        await conn.execute(text(sql), rows[start : start + CHUNK])
