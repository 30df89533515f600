"""Many customers waiting on one purchase order, their chats linked, and `backorder-bot run` as a
real process sending through the sandbox: the big broadcast tests' shop and bot."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.domain.model import Customer, Order, OrderLine, Product, PurchaseOrder
from bot.i18n import SHIPPED_LANGUAGES
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import Sandbox
from bot.services.eta import recompute_etas
from storage.store import open_store
from storage.transaction import transaction
from tests.broadcasts.shop import RULES
from tests.databases import database_env

TOKEN = "100000001:broadcast-test-token"
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
# Why: the bot and the command line run on the shop's clock at NOW (outside quiet hours), so the
# dates, the notices and when copies may go never depend on when the suite runs.
AT_NOW = {"BACKORDER_NOW": NOW.isoformat()}
# What the bot estimates for the crowd's lines at NOW: PO-BIG's date plus one business day.
ESTIMATED_SHIP_DATE = date(2026, 12, 15)
FIRST_CHAT = 910_000
ROOT = Path(__file__).parents[2]
CONCURRENT_CALLS = 100


@dataclass(frozen=True)
class Crowd:
    """`size` customers C00000.. with order O00000.. on PO-BIG, in chat FIRST_CHAT + n."""

    size: int

    def customer(self, number: int) -> str:
        return f"C{number:05d}"

    def order(self, number: int) -> str:
        return f"O{number:05d}"

    def chat(self, number: int) -> int:
        return FIRST_CHAT + number

    def language(self, number: int) -> str:
        return SHIPPED_LANGUAGES[number % len(SHIPPED_LANGUAGES)]

    @property
    def numbers(self) -> range:
        return range(self.size)


async def seed(database_url: str, crowd: Crowd) -> None:
    """The crowd's shop: one SKU on one purchase order, promised on the date the bot estimates
    (no delay or good-news notice, so each chat's only message is the broadcast's copy)."""
    store = await open_store(database_url)
    try:
        await store.upsert_products(
            [Product("WIDGET", "Widget", 990, "EUR", 0, lead_time_days=30, supplier="Acme")],
            actor="test",
            at=NOW,
        )
        await store.upsert_purchase_orders(
            [PurchaseOrder("PO-BIG", "WIDGET", crowd.size, date(2026, 12, 14))],
            actor="test",
            at=NOW,
        )
        customers = [
            Customer(crowd.customer(n), f"Customer {n}", language=crowd.language(n))
            for n in crowd.numbers
        ]
        orders = [
            Order(
                crowd.order(n),
                crowd.customer(n),
                NOW - timedelta(days=2),
                "EUR",
                promised_ship_date=ESTIMATED_SHIP_DATE,
                lines=(OrderLine(crowd.order(n), 1, "WIDGET", 1, 990),),
            )
            for n in crowd.numbers
        ]
        await store.upsert_orders(customers, orders, actor="test", at=NOW)
        await recompute_etas(store, rules=RULES, today=NOW.date())
        # Why: linking 10,000 chats one by one through the chat would take minutes; the rows are
        # what linking writes (as bench/dataset.py writes its shop).
        async with transaction(store.connection):
            await store.connection.executemany(
                "INSERT INTO chat_links (chat_id, customer_id, via, linked_at)"
                " VALUES (?, ?, 'deep_link', ?)",
                [(crowd.chat(n), crowd.customer(n), NOW.isoformat()) for n in crowd.numbers],
            )
    finally:
        await store.close()


async def create_users(client: SandboxClient, crowd: Crowd) -> None:
    """Every customer as a sandbox user with a private chat."""
    await _each(
        [
            client.create_user(crowd.chat(n), f"Customer {n}", language_code=crowd.language(n))
            for n in crowd.numbers
        ]
    )


async def bot_messages(client: SandboxClient, chats: Sequence[int]) -> dict[int, list[str]]:
    """The texts the bot sent to each chat."""
    transcripts = await _each([client.transcript(chat) for chat in chats])
    return {
        chat: [str(event["text"]) for event in events if event["kind"] == "bot_message"]
        for chat, events in zip(chats, transcripts, strict=True)
    }


async def _each(calls: Sequence[Any]) -> list[Any]:
    results: list[Any] = []
    for start in range(0, len(calls), CONCURRENT_CALLS):
        results += await asyncio.gather(*calls[start : start + CONCURRENT_CALLS])
    return results


async def start_bot(
    database_url: str, sandbox: Sandbox, *, rate: float, in_flight: int, log: Path
) -> asyncio.subprocess.Process:
    """`backorder-bot run` on the database, sending at `rate` with `in_flight` sends at most."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": sandbox.api_base_url,
        **database_env(database_url),
        "BACKORDER_SEND_RATE": str(rate),
        "BACKORDER_CHAT_SEND_RATE": "1",
        "BACKORDER_SENDS_IN_FLIGHT": str(in_flight),
        **AT_NOW,
    }
    # Why: a log file, not a pipe nobody reads, so the bot never blocks on a full pipe.
    with log.open("ab") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", env=env, cwd=log.parent, stderr=output
        )
    for _ in range(600):
        if b"bot is running" in log.read_bytes():
            return process
        assert process.returncode is None, log.read_text()
        await asyncio.sleep(0.05)
    raise AssertionError("the bot did not start: " + log.read_text())


async def stop_bot(process: asyncio.subprocess.Process) -> None:
    """End the bot (SIGTERM, then SIGKILL if it lingers)."""
    if process.returncode is not None:
        return
    process.terminate()
    try:
        await asyncio.wait_for(process.wait(), 30)
    except TimeoutError:
        process.kill()
        await process.wait()


async def cli(database_url: str, *argv: str, folder: Path) -> tuple[int, str, str]:
    """`backorder-bot ARGV` as its own process in folder: exit code, stdout, stderr."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        **database_env(database_url),
        **AT_NOW,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *argv,
        env=env,
        cwd=folder,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()
