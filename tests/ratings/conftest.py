"""The real bot polling the sandbox over the chair shop, with a staff member and a clock to move."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.app import BotApplication, build_application, polling
from bot.clock import FrozenClock
from bot.context import Services
from bot.domain.model import LineStatus
from bot.i18n import Catalogs
from bot.sandbox.client import SandboxClient
from bot.services.importing import import_csv
from storage.store import SqlStore
from tests.databases import database_settings
from tests.notices import shop
from tests.notices.conftest import TOKEN, catalogs, client, sandbox, store

__all__ = ["catalogs", "client", "sandbox", "store"]

STAFF = 9001
RunBot = Callable[[], Any]


@pytest.fixture
def clock() -> FrozenClock:
    """The business clock, Wednesday 2 Dec 2026 09:00 UTC; tests move it."""
    return FrozenClock(shop.NOW)


@pytest.fixture
def run_bot(
    sandbox: Any, store: SqlStore, catalogs: Catalogs, database_url: str, clock: FrozenClock
) -> RunBot:
    """Start the real application (jobs and dispatcher included) for an `async with` block;
    low ratings are alerted to the staff member's private chat (no support chat)."""

    @asynccontextmanager
    async def running() -> AsyncIterator[BotApplication]:
        settings = database_settings(
            database_url,
            token=TOKEN,
            api_base_url=sandbox.api_base_url,
            staff_ids=frozenset({STAFF}),
        )
        services = Services(
            settings=settings, store=store, clock=clock, rules=shop.RULES, catalogs=catalogs
        )
        async with polling(build_application(services), poll_timeout=1) as application:
            yield application

    return running


def orders_csv(
    directory: Path, buyers: list[shop.Buyer], status: LineStatus, sku: str = "CHAIR"
) -> Path:
    """The shop's order export with each buyer's one line in `status`."""
    path = directory / f"orders-{status.value}-{len(list(directory.iterdir()))}.csv"
    rows = [
        "order_id,customer_id,customer_name,customer_language,placed_at,promised_ship_date,"
        "jurisdiction,sku,quantity,unit_price,currency,status"
    ]
    rows += [
        f"{b.order_id},{b.customer_id},Buyer {b.chat_id},{b.language},"
        f"{(shop.NOW - timedelta(days=1)).isoformat()},{shop.PROMISED.isoformat()},"
        f"US,{sku},1,149.00,EUR,{status.value}"
        for b in buyers
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


async def import_orders(store: SqlStore, path: Path, *, now: datetime) -> None:
    """Import an orders file the way the command line does (validate, write, recompute)."""
    await import_csv(
        store,
        "orders",
        path,
        timezone=ZoneInfo("UTC"),
        rules=shop.RULES,
        now=now,
        actor="cli",
    )


async def bot_messages(client: SandboxClient, chat_id: int) -> list[dict[str, Any]]:
    """Every message the bot sent to a chat (edits not included)."""
    events = await client.transcript(chat_id)
    return [event for event in events if event["kind"] == "bot_message"]


async def drained(store: SqlStore, *, timeout: float = 20.0) -> None:
    """Wait until the outbox has nothing left to send now."""
    for _ in range(int(timeout / 0.1)):
        if (await store.outbox_summary()).pending == 0:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the outbox was not drained in time")


async def ratings_of(store: SqlStore) -> dict[str, tuple[int | None, str | None]]:
    """Every rating as subject → (score, comment)."""
    rows = await store.connection.execute_fetchall(
        "SELECT subject, score, comment FROM ratings ORDER BY id"
    )
    return {str(row[0]): (row[1], row[2]) for row in rows}
