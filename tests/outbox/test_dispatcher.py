"""The dispatcher against the sandbox over HTTP, with 5xx faults, 429 bursts and blocked users."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import Bot, Update

from bot.app import build_application
from bot.clock import FrozenClock
from bot.config import Settings
from bot.context import Services
from bot.domain.outbox import Button, OutgoingMessage
from bot.domain.retry import RetryPolicy
from bot.i18n import Catalogs
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import Sandbox
from bot.services.dispatcher import Dispatcher, DispatchLimits, sending_bot
from storage.store import SqlStore
from tests.e2e import shop
from tests.outbox.conftest import CHAT_RATE, GLOBAL_RATE, NOW, TOKEN

CUSTOMERS = 100
PER_CUSTOMER = 3
FIRST_USER = 700000

# Why: PTB itself warns when it builds a RetryAfter from the Bot API's integer seconds.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
async def bot(sandbox: Sandbox) -> AsyncIterator[Bot]:
    """A plain Bot on the sandbox (no PTB rate limiter, so 429s reach the dispatcher)."""
    sender = sending_bot(TOKEN, sandbox.api_base_url)
    async with sender:
        yield sender


def dispatcher(store: SqlStore) -> Dispatcher:
    limits = DispatchLimits(send_rate=GLOBAL_RATE, chat_send_rate=CHAT_RATE)
    retry = RetryPolicy(base_seconds=0.05, max_seconds=0.4, max_attempts=30)
    return Dispatcher(store, FrozenClock(NOW), limits=limits, retry=retry, rng=random.Random(5))


def texts(chat_id: int) -> list[str]:
    return [f"Notice {n} for <b>{chat_id}</b>" for n in range(PER_CUSTOMER)]


async def bot_texts(client: SandboxClient, chat_id: int) -> list[str]:
    events = await client.transcript(chat_id)
    return [str(event["html"]) for event in events if event["kind"] == "bot_message"]


async def flood_bursts(client: SandboxClient) -> None:
    """Telegram tightens its overall limit for a moment, twice (429s to whoever sends then)."""
    for _ in range(2):
        await asyncio.sleep(0.2)
        await client.configure(global_rate=20.0)
        await asyncio.sleep(0.3)
        await client.configure(global_rate=GLOBAL_RATE)


async def test_every_reachable_chat_gets_its_messages_once_and_in_order_despite_faults(
    store: SqlStore, sandbox: Sandbox, client: SandboxClient, bot: Bot
) -> None:
    chats = [FIRST_USER + n for n in range(CUSTOMERS)]
    blocked = set(chats[::33])
    for chat_id in chats:
        await client.create_user(chat_id, f"Customer {chat_id}")
    for chat_id in blocked:
        await client.block(chat_id)
    await store.enqueue_messages(
        [
            OutgoingMessage(f"{chat_id}:{n}", chat_id, text, customer_id=f"C{chat_id}")
            for n in range(PER_CUSTOMER)
            for chat_id in chats
            for text in [texts(chat_id)[n]]
        ],
        now=NOW,
    )
    await client.configure(fault_5xx_rate=0.05)

    sending = dispatcher(store)
    sent, _ = await asyncio.gather(sending.run_once(bot, now=NOW), flood_bursts(client))

    stats = await client.stats()
    assert stats["faults_injected"] > 0 and stats["rate_limited"] > 0
    assert sending.stats.rate_limited > 0
    assert sent == (CUSTOMERS - len(blocked)) * PER_CUSTOMER
    for chat_id in chats:
        assert await bot_texts(client, chat_id) == ([] if chat_id in blocked else texts(chat_id))
    summary = await store.outbox_summary()
    assert (summary.pending, summary.held, summary.failed) == (0, len(blocked) * 3, 0)
    assert {chat.chat_id for chat in summary.unreachable} == blocked


async def test_a_message_telegram_refuses_is_failed_with_the_reason_and_not_retried(
    store: SqlStore, client: SandboxClient, bot: Bot
) -> None:
    await client.create_user(FIRST_USER, "Ann")
    await store.enqueue_messages(
        [
            OutgoingMessage("broken", FIRST_USER, "<b>unclosed"),
            OutgoingMessage("fine", FIRST_USER, "all good"),
        ],
        now=NOW,
    )
    sending = dispatcher(store)
    assert await sending.run_once(bot, now=NOW) == 1
    assert await sending.run_once(bot, now=NOW) == 0
    assert await bot_texts(client, FIRST_USER) == ["all good"]
    summary = await store.outbox_summary()
    assert (summary.failed, summary.sent, summary.pending) == (1, 1, 0)


async def test_buttons_are_sent_under_the_message(
    store: SqlStore, client: SandboxClient, bot: Bot
) -> None:
    await client.create_user(FIRST_USER, "Ann")
    buttons = (
        (Button("Keep waiting", "dw:1042:3"), Button("Cancel for a full refund", "dx:1042:3")),
    )
    await store.enqueue_messages(
        [OutgoingMessage("delay", FIRST_USER, "Order 1042 is late", buttons=buttons)], now=NOW
    )
    await dispatcher(store).run_once(bot, now=NOW)
    (event,) = await client.transcript(FIRST_USER)
    labels = str(event["buttons"])
    assert "Keep waiting" in labels and "Cancel for a full refund" in labels


async def test_a_user_who_unblocks_the_bot_gets_the_messages_held_for_them(
    store: SqlStore, sandbox: Sandbox, client: SandboxClient, bot: Bot, tmp_path: Any
) -> None:
    await client.create_user(FIRST_USER, "Ann")
    await client.block(FIRST_USER)
    await store.enqueue_messages(
        [OutgoingMessage(f"n{n}", FIRST_USER, f"held {n}") for n in range(2)], now=NOW
    )
    sending = dispatcher(store)
    assert await sending.run_once(bot, now=NOW) == 0
    assert [chat.chat_id for chat in (await store.outbox_summary()).unreachable] == [FIRST_USER]

    await client.unblock(FIRST_USER)
    await deliver_updates(store, sandbox, bot)

    assert (await store.outbox_summary()).unreachable == ()
    assert await sending.run_once(bot, now=NOW) == 2
    assert await bot_texts(client, FIRST_USER) == ["held 0", "held 1"]


async def test_the_reason_a_blocked_chat_is_held_says_forbidden_once(
    store: SqlStore, client: SandboxClient, bot: Bot
) -> None:
    await client.create_user(FIRST_USER, "Ann")
    await client.block(FIRST_USER)
    await store.enqueue_messages([OutgoingMessage("n", FIRST_USER, "held")], now=NOW)

    await dispatcher(store).run_once(bot, now=NOW)

    (chat,) = (await store.outbox_summary()).unreachable
    assert chat.reason == "Forbidden: bot was blocked by the user"


async def test_a_user_who_blocks_the_bot_is_marked_before_any_send_fails(
    store: SqlStore, sandbox: Sandbox, client: SandboxClient, bot: Bot
) -> None:
    await client.create_user(FIRST_USER, "Ann")
    await client.block(FIRST_USER)
    await deliver_updates(store, sandbox, bot)
    summary = await store.outbox_summary()
    assert [chat.chat_id for chat in summary.unreachable] == [FIRST_USER]


async def deliver_updates(
    store: SqlStore, sandbox: Sandbox, bot: Bot, *, staff_ids: frozenset[int] = frozenset()
) -> None:
    """Hand the sandbox's pending updates to the real Application's handlers."""
    settings = Settings(token=TOKEN, api_base_url=sandbox.api_base_url, staff_ids=staff_ids)
    services = Services(
        settings=settings,
        store=store,
        clock=FrozenClock(NOW),
        rules=shop.RULES,
        catalogs=Catalogs.load(),
    )
    application = build_application(services)
    async with application:
        for update in await bot.get_updates(timeout=0):
            await application.process_update(Update.de_json(update.to_dict(), application.bot))


STAFF_USER = 777


async def test_an_alert_to_a_staff_member_with_no_chat_yet_is_held_and_sent_once_they_write(
    store: SqlStore,
    sandbox: Sandbox,
    client: SandboxClient,
    bot: Bot,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await store.enqueue_messages(
        [
            OutgoingMessage(f"alert:notice:{n}:{STAFF_USER}", STAFF_USER, f"alert {n}", urgent=True)
            for n in range(3)
        ],
        now=NOW,
    )
    sending = dispatcher(store)
    with caplog.at_level("WARNING", logger="bot.services.dispatcher"):
        assert await sending.run_once(bot, now=NOW) == 0
        assert await sending.run_once(bot, now=NOW) == 0
    summary = await store.outbox_summary()
    assert (summary.held, summary.failed) == (3, 0)
    warnings = [r.getMessage() for r in caplog.records if str(STAFF_USER) in r.getMessage()]
    assert warnings == [
        "staff member 777 has not started a chat with the bot; alerts are held until they do"
    ]

    await client.create_user(STAFF_USER, "Sam")
    await client.send_text(STAFF_USER, "/start")
    await deliver_updates(store, sandbox, bot, staff_ids=frozenset({STAFF_USER}))

    assert await sending.run_once(bot, now=NOW) == 3
    alerts = [text for text in await bot_texts(client, STAFF_USER) if text.startswith("alert")]
    assert alerts == ["alert 0", "alert 1", "alert 2"]
