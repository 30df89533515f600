"""A change that was saved is reported as saved, even when Telegram refuses the answer or edit."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest

from bot.app import BotApplication, build_application, polling
from bot.config import Settings
from bot.context import Services
from bot.domain.model import LineStatus
from bot.i18n import Catalogs
from bot.sandbox.client import SandboxClient
from storage.store import SqlStore
from tests.actions_e2e import shop
from tests.actions_e2e.chat import text
from tests.e2e import shop as e2e_shop
from tests.e2e.conftest import User

BOB = shop.CHAT["bob"]
Runner = Callable[[], AbstractAsyncContextManager[BotApplication]]


@pytest.fixture
def running(settings: Settings, store: SqlStore, catalogs: Catalogs) -> Runner:
    """Starts the real bot on the action shop for the span of a block; may be used again."""

    @asynccontextmanager
    async def run() -> AsyncIterator[BotApplication]:
        services = Services(
            settings=settings,
            store=store,
            clock=e2e_shop.clock(),
            rules=e2e_shop.RULES,
            catalogs=catalogs,
        )
        application = build_application(services)
        assert application.job_queue is not None
        application.job_queue.scheduler.remove_all_jobs()
        async with polling(application, poll_timeout=1) as started:
            yield started

    return run


async def _confirmation(running: Runner, client: SandboxClient, store: SqlStore) -> User:
    """Bob, linked, looking at [Yes, cancel] for his order 2002; the bot is stopped again."""
    async with running():
        await client.create_user(BOB, "Bob")
        await shop.link(store, BOB, "C-BOB")
        bob = User(client, BOB)
        await bob.say("/orders 2002")
        question = await bob.tap("Cancel order")
        assert "Yes, cancel" in str(question["buttons"])
    return bob


async def _press_while_stopped(
    running: Runner, client: SandboxClient, bob: User, meanwhile: Callable[[], Awaitable[object]]
) -> list[dict[str, object]]:
    """Bob presses [Yes, cancel] while the bot is down; `meanwhile` happens; the bot restarts."""
    after = await client.last_seq(BOB)
    await client.press(BOB, label="Yes, cancel")
    await meanwhile()
    async with running():
        return await client.wait_for(BOB, after=after)


async def _cancelled(store: SqlStore) -> bool:
    order = await store.get_order("2002")
    assert order is not None
    return {line.status for line in order.lines} == {LineStatus.CANCELLED}


async def test_a_press_too_old_to_answer_still_shows_the_saved_cancellation(
    running: Runner, client: SandboxClient, store: SqlStore
) -> None:
    bob = await _confirmation(running, client, store)
    events = await _press_while_stopped(running, client, bob, client.expire_callbacks)
    assert "Cancelled. We will refund" in text(events[-1])
    assert "something went wrong" not in str(await client.transcript(BOB))
    assert "Yes, cancel" not in str(events[-1]["buttons"])
    assert await _cancelled(store)
    assert len(await store.refunds(["2002"])) == 1


async def test_a_confirmation_deleted_before_the_bot_answers_gets_the_outcome_as_a_new_message(
    running: Runner, client: SandboxClient, store: SqlStore
) -> None:
    bob = await _confirmation(running, client, store)
    question = [e for e in await client.transcript(BOB) if e["kind"] == "bot_edit"][-1]

    async def delete_and_expire() -> None:
        await client.delete_message(BOB, int(question["message_id"]))
        await client.expire_callbacks()

    events = await _press_while_stopped(running, client, bob, delete_and_expire)
    assert events[-1]["kind"] == "bot_message"
    assert "Cancelled. We will refund" in text(events[-1])
    assert "something went wrong" not in str(await client.transcript(BOB))
    assert await _cancelled(store)


async def test_an_old_order_list_pressed_too_late_still_opens_the_order(
    running: Runner, client: SandboxClient, store: SqlStore
) -> None:
    async with running():
        await client.create_user(BOB, "Bob")
        await shop.link(store, BOB, "C-BOB")
        bob = User(client, BOB)
        await bob.say("/orders")
    after = await client.last_seq(BOB)
    await client.press(BOB, label="2002")
    await client.expire_callbacks()
    async with running():
        events = await client.wait_for(BOB, after=after)
    assert "Order 2002" in text(events[-1])
    assert "something went wrong" not in str(await client.transcript(BOB))


async def test_a_failing_command_menu_at_start_is_logged_and_the_bot_still_answers(
    running: Runner, client: SandboxClient, store: SqlStore, caplog: pytest.LogCaptureFixture
) -> None:
    await client.configure(failing_methods="setMyCommands")
    with caplog.at_level(logging.WARNING, logger="bot.app"):
        async with running():
            await client.create_user(BOB, "Bob")
            await shop.link(store, BOB, "C-BOB")
            replies = await User(client, BOB).say("/orders")
    assert "open order" in text(replies[-1])
    assert "could not set the command menu" in caplog.text
