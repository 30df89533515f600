"""Updates lost across a SIGKILL during confirmations (goal 0).

Customers of a seeded shop each tap [Yes, cancel] on their order while the bot (`backorder-bot run`
against the sandbox) answers slowly; the bot is SIGKILLed as soon as the sandbox has been told every
tap arrived (the next getUpdates confirmed them), then started again. A tap is lost when its order
is still open or its chat was not told the refund after the tap; an order refunded twice was acted
on twice.
Prints JSON.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from telegram import Bot

from bot.domain.model import Customer, LineStatus, Order, OrderLine, Product
from bot.sandbox.client import SandboxClient
from bot.sandbox.config import SandboxConfig
from bot.sandbox.server import Sandbox
from bot.services.handles import order_handle
from storage.store import SqlStore, open_store

CONFIRMATIONS = 60
TOKEN = "100000001:update-loss-token"
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
FIRST_USER_ID = 820000
# Why: the killed run's answers are slowed so that none of them arrives before the kill.
SLOW_ANSWER_MS = 20_000
SLOW_METHODS = "answerCallbackQuery,editMessageText,sendMessage"
ANSWER_TIMEOUT = 60.0
# Why: the English outcome of a cancellation with money back, first told or restated.
REFUND_TOLD = "We will refund"
ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Outcome:
    """What became of the taps across the kill and restart."""

    confirmations: int
    not_acted_on: frozenset[int]
    not_answered: frozenset[int]
    acted_on_twice: frozenset[int]
    killed_run_exit: int
    restarted_run_exit: int

    @property
    def lost(self) -> int:
        """Taps (chats) not acted on or not answered, each counted once."""
        return len(self.not_acted_on | self.not_answered)


async def seed(store: SqlStore, customers: int) -> list[tuple[int, str]]:
    """One customer per chat, each with one open order of one backordered line, chats linked."""
    await store.upsert_products(
        [Product("CHAIR", "Office chair", 14900, "EUR", on_hand=0, lead_time_days=30)],
        actor="bench",
        at=NOW,
    )
    people = [Customer(f"C-{n}", f"Customer {n}", language="en") for n in range(customers)]
    orders = [
        Order(
            f"{5000 + n}",
            person.customer_id,
            NOW,
            "EUR",
            lines=(OrderLine(f"{5000 + n}", 1, "CHAIR", 1, 14900),),
        )
        for n, person in enumerate(people)
    ]
    await store.upsert_orders(people, orders, actor="bench", at=NOW)
    chats = []
    for n, order in enumerate(orders):
        chat_id = FIRST_USER_ID + n
        await store.link_chat(
            chat_id, order.customer_id, via="order_contact", actor="bench", at=NOW
        )
        chats.append((chat_id, order.order_id))
    return chats


async def start_bot(
    db_path: Path, sandbox: Sandbox, workdir: Path, name: str
) -> asyncio.subprocess.Process:
    """`backorder-bot run` against the sandbox, in `workdir` (its log in `<name>.log`)."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": sandbox.api_base_url,
        "BACKORDER_DB": str(db_path),
        "BACKORDER_NOW": NOW.isoformat(),
        "BACKORDER_LINK_SECRET": "update-loss-secret",
        "BACKORDER_LOG_LEVEL": "WARNING",
        # Why: several bots run side by side; each web server takes a free port.
        "BACKORDER_LISTEN": "127.0.0.1:0",
    }
    with (workdir / f"{name}.log").open("wb") as log:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", cwd=workdir, env=env, stderr=log
        )


async def _until(
    check: Callable[[], Awaitable[bool]], what: str, timeout: float = ANSWER_TIMEOUT
) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout:.0f} s for {what}")
        await asyncio.sleep(0.02)


async def _polling(client: SandboxClient, calls_before: int) -> bool:
    return int((await client.stats())["calls"].get("getUpdates", 0)) > calls_before


async def kill_during_confirmations(
    confirmations: int, sandbox: Sandbox, client: SandboxClient, workdir: Path
) -> Outcome:
    """Run the scenario against a sandbox without flood limits; the outcome, counted."""
    db_path = workdir / "bot.sqlite3"
    store = await open_store(db_path)
    try:
        chats = await seed(store, confirmations)
        order_of = dict(chats)
        for chat_id, _ in chats:
            await client.create_user(chat_id, f"Customer {chat_id}")
        first = await start_bot(db_path, sandbox, workdir, "killed")
        calls = int((await client.stats())["calls"].get("getUpdates", 0))
        await _until(lambda: _polling(client, calls), "the bot to poll")

        async def ask_orders(chat_id: int) -> None:
            after = await client.last_seq(chat_id)
            await client.send_text(chat_id, "/orders")
            await client.wait_for(chat_id, after=after, timeout=ANSWER_TIMEOUT)

        await asyncio.gather(*(ask_orders(chat_id) for chat_id, _ in chats))
        await client.configure(delay_ms=SLOW_ANSWER_MS, delayed_methods=SLOW_METHODS)
        delivered = int((await client.stats())["updates_delivered"])
        tapped_after: dict[int, int] = {}
        for chat_id, order_id in chats:
            state = await store.order_state(order_id)
            assert state is not None
            tapped_after[chat_id] = await client.last_seq(chat_id)
            await client.press(chat_id, data=f"cy:{order_handle(order_id)}:*:{state.version}")

        async with Bot(TOKEN, base_url=sandbox.api_base_url) as observer:

            async def confirmed() -> bool:
                stats = await client.stats()
                pending = (await observer.get_webhook_info()).pending_update_count
                return int(stats["updates_delivered"]) >= delivered + len(chats) and not pending

            await _until(confirmed, "the bot to confirm the taps")
        first.send_signal(signal.SIGKILL)
        killed_exit = await first.wait()

        await client.configure(delay_ms=0, delayed_methods="")
        second = await start_bot(db_path, sandbox, workdir, "restarted")
        answered = await _answered(client, tapped_after)
        second.send_signal(signal.SIGTERM)
        restarted_exit = await asyncio.wait_for(second.wait(), ANSWER_TIMEOUT)

        refunds = Counter(
            refund.order_id for refund in await store.refunds(list(order_of.values()))
        )
        open_chats = set()
        for chat_id, order_id in chats:
            order = await store.get_order(order_id)
            if order is None or any(line.status != LineStatus.CANCELLED for line in order.lines):
                open_chats.add(chat_id)
        return Outcome(
            confirmations=len(chats),
            not_acted_on=frozenset(open_chats),
            not_answered=frozenset(set(order_of) - answered),
            acted_on_twice=frozenset(
                chat for chat, order in order_of.items() if refunds[order] > 1
            ),
            killed_run_exit=killed_exit,
            restarted_run_exit=restarted_exit,
        )
    finally:
        await store.close()


async def _answered(client: SandboxClient, tapped_after: dict[int, int]) -> set[int]:
    """The chats told the refund after their tap (each waited for up to ANSWER_TIMEOUT).

    Told means a reply or an edit stating the refund: the first answer, or the restatement a
    confirmation handled again after the restart gets ("already cancelled. We will refund …").
    """

    async def told(chat_id: int) -> bool:
        events = await client.transcript(chat_id, after=tapped_after[chat_id])
        return any(REFUND_TOLD in str(event.get("text", "")) for event in events)

    async def answered(chat_id: int) -> bool:
        try:
            await _until(lambda: told(chat_id), f"chat {chat_id} to be told its refund")
        except TimeoutError:
            return False
        return True

    chats = list(tapped_after)
    results = await asyncio.gather(*(answered(chat_id) for chat_id in chats))
    return {chat_id for chat_id, ok in zip(chats, results, strict=True) if ok}


async def _measure(confirmations: int) -> Outcome:
    config = SandboxConfig(global_rate=None, per_chat_rate=None)
    with tempfile.TemporaryDirectory(prefix="update-loss-") as folder:
        async with Sandbox(config) as sandbox, SandboxClient(sandbox.base_url) as client:
            return await kill_during_confirmations(confirmations, sandbox, client, Path(folder))


def run(scale: float) -> dict[str, object]:
    """The figures: taps lost and acted on twice across one SIGKILL and restart."""
    confirmations = max(2, round(CONFIRMATIONS * min(scale, 1.0)))
    outcome = asyncio.run(_measure(confirmations))
    return {
        "benchmark": "update_loss",
        "goal": "updates_lost == 0 and acted_on_twice == 0",
        "confirmations": outcome.confirmations,
        "updates_lost": outcome.lost,
        "not_acted_on": len(outcome.not_acted_on),
        "not_answered": len(outcome.not_answered),
        "acted_on_twice": len(outcome.acted_on_twice),
    }


if __name__ == "__main__":
    print(json.dumps(run(1.0)))
