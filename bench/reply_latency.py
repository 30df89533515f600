"""Reply latency: how long 20 chatting customers wait for the right screen when Telegram is slow.

The real bot (`bot.app.polling`, as `backorder-bot run` runs it) answers linked customers through
the sandbox with Telegram's flood limits on, under three conditions in one run:

- `no_delay`: no API delay. Every customer sends /orders, then taps their first order; these screens
  are the right answers the other conditions are checked against.
- `api_delay`: every Bot API call takes 3 s (sandbox `delay_ms=3000`); every customer sends /orders
  once. Goal: p50 at most 1.5 times the delay (one round trip, not a queue of them).
- `faults_5xx`: a fifth of sends and edits answer 500/502 (sandbox `fault_5xx_rate=0.2`); every
  customer sends /orders and taps their order, twice. Goal: 100 % answered with the right screen.

Latency is from the customer's message (or press) reaching the sandbox to the bot's first message
or edit after it. An action counts as answered correctly when that first message is the screen the
customer saw without faults; one with no answer within the condition's time limit counts as wrong
and as an infinite wait in the percentiles (shown as null). Prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import math
import tempfile
import time
from collections.abc import Sequence
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.app import build_application, polling
from bot.config import Settings
from bot.context import Services
from bot.demo.seed import seed_store
from bot.i18n import Catalogs
from bot.runtime import make_clock, make_rules
from bot.sandbox.client import SandboxClient, SandboxTimeout
from bot.sandbox.config import SandboxConfig
from bot.sandbox.server import Sandbox
from storage.store import SqlStore, open_store

BOT_TOKEN = "100000001:bench-token"
CUSTOMERS = 20
FIRST_USER_ID = 950000
DELAY_MS = 3000
FAULT_RATE = 0.2
# Why: long enough for a queue of 20 slow replies to drain; short enough to keep the run near 2 min.
DELAY_LIMIT_SECONDS = 75.0
LIMIT_SECONDS = 30.0


@dataclasses.dataclass
class Customer:
    """A linked chat and the screens it saw without faults."""

    user_id: int
    orders_screen: str = ""
    order_button: str = ""
    detail_screen: str = ""


@dataclasses.dataclass(frozen=True)
class Outcome:
    """One action: seconds until the first reply (None: none in time) and whether it was right."""

    seconds: float | None
    right: bool


async def act(
    client: SandboxClient, user_id: int, *, text: str | None, data: str | None, limit: float
) -> tuple[float | None, dict[str, Any]]:
    """Send `text` or press the button with `data`; seconds to the first reply, and that reply."""
    after = await client.last_seq(user_id)
    started = time.perf_counter()
    if text is not None:
        await client.send_text(user_id, text)
    else:
        await client.press(user_id, data=data)
    try:
        (first, *_) = await client.wait_for(user_id, after=after, timeout=limit)
    except SandboxTimeout:
        return None, {}
    return time.perf_counter() - started, first


async def learn_screens(client: SandboxClient, customer: Customer) -> list[Outcome]:
    """The no-fault run: /orders and a tap on the first order, remembered as the right screens."""
    listed, orders = await act(
        client, customer.user_id, text="/orders", data=None, limit=LIMIT_SECONDS
    )
    customer.orders_screen = str(orders["text"])
    customer.order_button = str(orders["buttons"][0][0]["callback_data"])
    tapped, detail = await act(
        client, customer.user_id, text=None, data=customer.order_button, limit=LIMIT_SECONDS
    )
    customer.detail_screen = str(detail["text"])
    return [Outcome(listed, True), Outcome(tapped, True)]


async def chat(
    client: SandboxClient, customer: Customer, *, rounds: int, tap: bool, limit: float
) -> list[Outcome]:
    """`rounds` times /orders (and a tap on the order), each checked against the right screen."""
    outcomes: list[Outcome] = []
    for _ in range(rounds):
        seconds, reply = await act(client, customer.user_id, text="/orders", data=None, limit=limit)
        outcomes.append(Outcome(seconds, reply.get("text") == customer.orders_screen))
        if tap:
            seconds, reply = await act(
                client, customer.user_id, text=None, data=customer.order_button, limit=limit
            )
            outcomes.append(Outcome(seconds, reply.get("text") == customer.detail_screen))
    return outcomes


def figures(outcomes: Sequence[Outcome], delay_seconds: float | None = None) -> dict[str, object]:
    """p50/p99 seconds (None when the wait is over the limit) and the share answered rightly."""
    waits = sorted(math.inf if o.seconds is None else o.seconds for o in outcomes)

    def percentile(share: float) -> float | None:
        wait = waits[min(len(waits) - 1, math.ceil(share * len(waits)) - 1)]
        return None if math.isinf(wait) else round(wait, 2)

    result: dict[str, object] = {
        "actions": len(outcomes),
        "p50_s": percentile(0.50),
        "p99_s": percentile(0.99),
        "answered_correctly_pct": round(100 * sum(o.right for o in outcomes) / len(outcomes), 1),
    }
    p50 = result["p50_s"]
    if delay_seconds is not None:
        result["p50_over_delay"] = round(p50 / delay_seconds, 2) if isinstance(p50, float) else None
    return result


async def linked_customers(store: SqlStore, settings: Settings, count: int) -> list[Customer]:
    """Seed the demo shop and link one chat to each of `count` customers with an open order."""
    clock = make_clock(settings)
    shop = await seed_store(
        store,
        settings.db_path.parent,
        now=clock.now(),
        timezone=settings.timezone,
        rules=make_rules(settings),
        customers=count * 3 // 2,
        orders=count * 6,
    )
    open_rows = (row for row in shop.orders if row["status"] == "open")
    customer_ids = list(dict.fromkeys(row["customer_id"] for row in open_rows))[:count]
    customers = [Customer(FIRST_USER_ID + n) for n in range(len(customer_ids))]
    for customer, customer_id in zip(customers, customer_ids, strict=True):
        await store.link_chat(
            customer.user_id, customer_id, via="deep_link", actor="bench", at=clock.now()
        )
    return customers


async def outbox_drained(services: Services) -> None:
    """Wait until the start-up notices are sent, so they do not queue ahead of replies."""
    deadline = time.perf_counter() + LIMIT_SECONDS
    now = services.clock.now()
    while await services.store.due_messages(now=now, after_id=0, limit=1):
        if time.perf_counter() > deadline:
            raise TimeoutError("the dispatcher did not send the start-up notices in time")
        await asyncio.sleep(0.05)


async def measure(count: int, *, delay_ms: int = DELAY_MS) -> dict[str, Any]:
    """Run the three conditions against one bot and sandbox; the figures of each."""
    with tempfile.TemporaryDirectory(prefix="bench-replies-") as workdir:
        async with AsyncExitStack() as cleanup:
            sandbox = Sandbox(SandboxConfig(seed=20))
            await sandbox.start("127.0.0.1", port=0)
            cleanup.push_async_callback(sandbox.stop)
            settings = Settings(
                token=BOT_TOKEN,
                api_base_url=sandbox.api_base_url,
                db_path=Path(workdir) / "bench.sqlite3",
                frozen_now=datetime.now(UTC).replace(microsecond=0),
            )
            store = await open_store(settings.db_path)
            cleanup.push_async_callback(store.close)
            customers = await linked_customers(store, settings, count)
            client = await cleanup.enter_async_context(SandboxClient(sandbox.base_url))
            for customer in customers:
                await client.create_user(customer.user_id, "Customer", language_code="en")
            services = Services(
                settings,
                store,
                make_clock(settings),
                make_rules(settings),
                Catalogs.load(default_language="en"),
            )
            application = build_application(services)
            assert application.job_queue is not None
            # Why: a scheduled sweep could queue notices that land between an action and its reply.
            application.job_queue.scheduler.remove_all_jobs()
            async with polling(application, poll_timeout=10):
                await outbox_drained(services)
                learned = await asyncio.gather(*(learn_screens(client, c) for c in customers))
                baseline = [outcome for outcomes in learned for outcome in outcomes]
                await client.configure(delay_ms=delay_ms)
                try:
                    delayed = await asyncio.gather(
                        *(
                            chat(client, c, rounds=1, tap=False, limit=DELAY_LIMIT_SECONDS)
                            for c in customers
                        )
                    )
                finally:
                    await client.configure(delay_ms=0)
                await client.configure(fault_5xx_rate=FAULT_RATE)
                try:
                    faulty = await asyncio.gather(
                        *(
                            chat(client, c, rounds=2, tap=True, limit=LIMIT_SECONDS)
                            for c in customers
                        )
                    )
                finally:
                    await client.configure(fault_5xx_rate=0.0)
                stats = await client.stats()
    return {
        "customers": len(customers),
        "no_delay": figures(baseline),
        "api_delay": {
            "delay_s": delay_ms / 1000,
            **figures([o for outcomes in delayed for o in outcomes], delay_ms / 1000),
        },
        "faults_5xx": {
            "fault_rate": FAULT_RATE,
            **figures([o for outcomes in faulty for o in outcomes]),
            "faults_injected": stats["faults_injected"],
        },
        "429s": stats["rate_limited"],
    }


def run(scale: float) -> dict[str, object]:
    """The figures at this scale (a share of the 20 customers), for `python -m bench`."""
    return {
        "benchmark": "reply_latency",
        **asyncio.run(measure(max(2, round(CUSTOMERS * scale)))),
        "goals": "api_delay p50_over_delay <= 1.5; faults_5xx answered_correctly_pct = 100",
    }


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its JSON figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.reply_latency", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the 20 customers")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.scale)))


if __name__ == "__main__":
    main()
