"""A broadcast queued at night waits for each recipient's own morning (BACKORDER_QUIET_HOURS,
in the customer's time zone): the customer in Berlin gets it at 08:00 Berlin time, the one in
New York (still evening there) at once; the counts add up and tell the waiting apart."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.app import BotApplication, build_application, polling
from bot.clock import FrozenClock
from bot.config import DEFAULT_QUIET_HOURS
from bot.context import Services
from bot.domain.broadcasts import (
    BroadcastStatus,
    Segment,
    SegmentKind,
    TemplateMessage,
    template_message,
)
from bot.domain.model import Customer, Order, OrderLine
from bot.i18n import Catalogs
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import Sandbox
from bot.services.broadcasts import (
    BroadcastView,
    Preview,
    Queued,
    QuietHoursRule,
    broadcast_json,
    broadcast_status,
    preview_broadcast,
    queue_broadcast,
)
from bot.services.eta import recompute_etas
from bot.services.notices import mark_communicated
from handlers.broadcast_texts import broadcast_texts
from storage.store import SqlStore
from tests.databases import database_settings
from tests.notices import shop
from tests.notices.conftest import TOKEN, bot_messages, catalogs, client, sandbox, store

__all__ = ["catalogs", "client", "sandbox", "store"]

BERLIN_CHAT, NEW_YORK_CHAT = 9501, 9502
# 23:30 in Berlin (quiet), 17:30 in New York (not quiet).
NIGHT = datetime(2026, 12, 2, 22, 30, tzinfo=UTC)
BERLIN_MORNING = datetime(2026, 12, 3, 8, 0, tzinfo=ZoneInfo("Europe/Berlin"))
ORDERS = ("5001", "5002")


async def seed(store: SqlStore) -> None:
    """Two customers waiting on chairs, one in Berlin and one in New York, each linked."""
    await shop.seed(store, [])
    customers = [
        Customer("C-BER", "Lena Berg", language="de", timezone="Europe/Berlin"),
        Customer("C-NYC", "Sam Hill", language="en", timezone="America/New_York"),
    ]
    orders = [
        Order(
            order_id,
            customer.customer_id,
            shop.NOW - timedelta(days=1),
            "EUR",
            promised_ship_date=shop.PROMISED,
            lines=(OrderLine(order_id, 1, "CHAIR", 1, shop.CHAIR_PRICE),),
        )
        for order_id, customer in zip(ORDERS, customers, strict=True)
    ]
    await store.upsert_orders(customers, orders, actor="test", at=shop.NOW)
    await recompute_etas(store, rules=shop.RULES, today=shop.TODAY)
    for chat, customer in ((BERLIN_CHAT, "C-BER"), (NEW_YORK_CHAT, "C-NYC")):
        await store.link_chat(chat, customer, via="deep_link", actor="test", at=shop.NOW)
        # Why: the customers already know their dates, so the only message is the broadcast.
        await mark_communicated(store, customer, now=shop.NOW)


@asynccontextmanager
async def running_bot(
    sandbox: Sandbox, store: SqlStore, catalogs: Catalogs, database_url: str, clock: FrozenClock
) -> AsyncIterator[BotApplication]:
    """The real application (jobs and dispatcher) on a clock the test moves."""
    settings = database_settings(database_url, token=TOKEN, api_base_url=sandbox.api_base_url)
    services = Services(
        settings=settings, store=store, clock=clock, rules=shop.RULES, catalogs=catalogs
    )
    async with polling(build_application(services), poll_timeout=1) as application:
        yield application


async def checked(store: SqlStore, broadcast_id: int, now: datetime) -> BroadcastView:
    """The broadcast as read at `now`; its counts add up, waiting ones being part of pending."""
    view = await broadcast_status(store, broadcast_id, now=now)
    assert view is not None
    for counts in (view.counts, *view.by_language.values()):
        assert (
            counts.sent + counts.held + counts.failed + counts.pending + counts.withdrawn
            == counts.recipients
        )
        assert 0 <= counts.waiting_for_morning <= counts.pending
    return view


async def until_sent(store: SqlStore, broadcast_id: int, now: datetime, sent: int) -> None:
    for _ in range(300):
        if (await checked(store, broadcast_id, now)).counts.sent >= sent:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{sent} copies were not sent")


async def test_a_broadcast_queued_at_night_reaches_berlin_at_eight_and_new_york_at_once(
    store: SqlStore,
    sandbox: Sandbox,
    client: SandboxClient,
    catalogs: Catalogs,
    database_url: str,
) -> None:
    await seed(store)
    await client.create_user(BERLIN_CHAT, "Lena", language_code="de")
    await client.create_user(NEW_YORK_CHAT, "Sam", language_code="en")
    quiet = QuietHoursRule(DEFAULT_QUIET_HOURS, ZoneInfo("UTC"))  # the bot's defaults
    texts = broadcast_texts(catalogs)
    segment = Segment(SegmentKind.ORDERS, ORDERS)
    message = template_message("supplier_delay", {"sku": "CHAIR"})
    assert isinstance(message, TemplateMessage)

    preview = await preview_broadcast(
        store, segment, message, texts=texts, today=shop.TODAY, quiet=quiet, now=NIGHT
    )
    assert isinstance(preview, Preview)
    assert (preview.recipients, preview.waiting_for_morning) == (2, 1)

    clock = FrozenClock(NIGHT)
    async with running_bot(sandbox, store, catalogs, database_url, clock):
        queued = await queue_broadcast(
            store,
            segment,
            message,
            texts=texts,
            actor="cli",
            now=NIGHT,
            today=shop.TODAY,
            quiet=quiet,
        )
        assert isinstance(queued, Queued)
        assert (queued.recipients, queued.waiting_for_morning) == (2, 1)

        await until_sent(store, queued.broadcast_id, NIGHT, 1)
        night = await checked(store, queued.broadcast_id, NIGHT)
        assert (night.counts.sent, night.counts.pending, night.counts.waiting_for_morning) == (
            1,
            1,
            1,
        )
        assert night.status is BroadcastStatus.SENDING
        assert night.seconds_left == 0.0  # nothing is due before the morning
        shown = broadcast_json(night)
        assert (shown["pending"], shown["waiting_for_morning"]) == (1, 1)
        assert len(await bot_messages(client, NEW_YORK_CHAT)) == 1
        assert await bot_messages(client, BERLIN_CHAT) == []

        just_before = BERLIN_MORNING - timedelta(minutes=1)
        clock.moment = just_before
        await asyncio.sleep(0.5)  # the dispatcher looks again; the copy is not due yet
        assert (await checked(store, queued.broadcast_id, just_before)).counts.sent == 1
        assert await bot_messages(client, BERLIN_CHAT) == []

        clock.moment = BERLIN_MORNING
        await until_sent(store, queued.broadcast_id, BERLIN_MORNING, 2)
        morning = await checked(store, queued.broadcast_id, BERLIN_MORNING)
        assert (morning.counts.sent, morning.counts.pending) == (2, 0)
        assert morning.counts.waiting_for_morning == 0
        assert morning.status is BroadcastStatus.DONE

    (berlin,) = await bot_messages(client, BERLIN_CHAT)
    assert "5001" in berlin["text"]
    assert len(await bot_messages(client, NEW_YORK_CHAT)) == 1
