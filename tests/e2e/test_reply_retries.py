"""Slow or failing Telegram costs customers no answers: replies are retried, or logged."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.app import BotApplication, build_application, polling
from bot.config import Settings
from bot.context import Services
from bot.i18n import Catalogs
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import Sandbox
from storage.store import SqlStore
from tests.e2e import shop
from tests.e2e.conftest import TOKEN, User, Users

SORRY = "Sorry, something went wrong on our side. Please try again in a moment."
CUSTOMERS = [("C-ALICE", "1001"), ("C-BOB", "2002"), ("C-CARMEN", "3003")]


async def linked(users: Users, store: SqlStore, user_id: int, customer_id: str) -> User:
    """A user whose chat is linked to `customer_id`, speaking English."""
    await store.link_chat(user_id, customer_id, via="contact", actor="test", at=shop.NOW)
    return await users.create(user_id, f"Customer {user_id}", language_code="en")


async def screens(user: User, order_id: str) -> list[str]:
    """What a customer reads on /orders, then on tapping the order: the two screens' texts."""
    (orders,) = await user.say("/orders")
    detail = await user.tap(order_id)
    return [orders["text"], detail["text"]]


async def test_replies_that_meet_server_errors_arrive_with_the_right_screen(
    users: Users, store: SqlStore, client: SandboxClient
) -> None:
    expected = await screens(await linked(users, store, 601, "C-BOB"), "2002")
    bob = await linked(users, store, 602, "C-BOB")
    await client.configure(
        fail_next="sendMessage:2,editMessageText:2,answerCallbackQuery:2", fault_code=502
    )

    seen = await screens(bob, "2002")

    assert seen == expected
    assert SORRY not in seen
    assert (await client.stats())["faults_injected"] == 6


async def test_with_a_fifth_of_sends_failing_every_customer_gets_every_screen(
    users: Users, store: SqlStore, client: SandboxClient
) -> None:
    expected = {
        order_id: await screens(await linked(users, store, 610 + n, customer_id), order_id)
        for n, (customer_id, order_id) in enumerate(CUSTOMERS)
    }
    chatting = [
        (await linked(users, store, 620 + n, customer_id), order_id)
        for n, (customer_id, order_id) in enumerate(CUSTOMERS * 3)
    ]
    await client.configure(fault_5xx_rate=0.2, seed=8)

    seen = await asyncio.gather(*(screens(user, order_id) for user, order_id in chatting))

    assert seen == [expected[order_id] for _, order_id in chatting]
    assert (await client.stats())["faults_injected"] > 0


async def test_a_storm_of_429s_longer_than_ptbs_three_retries_loses_no_reply(
    users: Users, store: SqlStore, client: SandboxClient
) -> None:
    expected = await screens(await linked(users, store, 631, "C-ALICE"), "1001")
    alice = await linked(users, store, 632, "C-ALICE")
    await client.configure(fail_next="sendMessage:4", fault_code=429)

    seen = await screens(alice, "1001")

    assert seen == expected
    assert (await client.stats())["faults_injected"] == 4


async def test_a_reply_refused_for_good_is_not_retried_and_is_logged_with_its_update(
    users: Users,
    store: SqlStore,
    client: SandboxClient,
    sandbox: Sandbox,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bob = await linked(users, store, 641, "C-BOB")
    await client.configure(fail_next="sendMessage:1", fault_code=400)
    calls_before = (await client.stats())["calls"].get("sendMessage", 0)

    with caplog.at_level(logging.ERROR):
        (apology,) = await bob.say("/orders")

    update_id = sandbox.state.bot().last_update_id
    assert apology["text"] == SORRY
    # One refused reply, one apology: the refusal was not tried again.
    assert (await client.stats())["calls"]["sendMessage"] - calls_before == 2
    assert f"update {update_id} from chat 641" in caplog.text
    assert "Injected fault" in caplog.text and TOKEN not in caplog.text


async def test_a_bot_api_slower_than_ptbs_fixed_five_seconds_still_gets_answers(
    users: Users, client: SandboxClient
) -> None:
    ann = await users.create(661, "Ann", language_code="en")
    (expected,) = await ann.say("/help")
    await client.configure(delay_ms=5500)
    try:
        after = await client.last_seq(661)
        await client.send_text(661, "/help")
        (slow,) = await client.wait_for(661, after=after, timeout=30)
    finally:
        await client.configure(delay_ms=0)
    assert slow["text"] == expected["text"]


@pytest.fixture
async def impatient_bot(
    settings: Settings, store: SqlStore, catalogs: Catalogs
) -> AsyncIterator[BotApplication]:
    """The bot with a one-second reply retry window."""
    services = Services(
        settings=replace(settings, reply_retry_seconds=1.0),
        store=store,
        clock=shop.clock(),
        rules=shop.RULES,
        catalogs=catalogs,
    )
    async with polling(build_application(services), poll_timeout=1) as application:
        yield application


async def test_a_reply_still_failing_when_its_window_closes_is_logged_with_its_update(
    impatient_bot: BotApplication,
    store: SqlStore,
    client: SandboxClient,
    sandbox: Sandbox,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bob = await linked(Users(client), store, 651, "C-BOB")
    await client.configure(failing_methods="sendMessage")
    after = await client.last_seq(651)

    with caplog.at_level(logging.WARNING):
        await client.send_text(651, "/orders")
        lost = await wait_for_log(caplog, "lost its reply")

    update_id = sandbox.state.bot().last_update_id
    assert f"update {update_id} from chat 651 lost its reply: sendMessage to chat 651" in lost
    assert "reply not delivered: sendMessage to chat 651" in caplog.text
    assert TOKEN not in caplog.text
    assert await bob.bot_events_after(after) == []


async def wait_for_log(caplog: pytest.LogCaptureFixture, words: str) -> str:
    """The first captured log message containing `words`, waiting for it up to 10 s."""
    for _ in range(200):
        found = [record.getMessage() for record in caplog.records if words in record.getMessage()]
        if found:
            return found[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"nothing was logged with {words!r}: {caplog.text}")
