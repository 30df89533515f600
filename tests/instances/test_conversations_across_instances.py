"""A conversation whose steps land on different instances goes on where it was (DESIGN §13)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from telegram import Update

from bot.app import UPDATE_INBOX_KEY, BotApplication
from bot.domain.update_inbox import InboxedUpdate
from bot.i18n import Catalogs
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import Sandbox
from bot.update_inbox import UpdateInbox
from storage.store import open_store
from tests.e2e import shop
from tests.instances.conftest import two_instances

pytestmark = pytest.mark.postgresql

TOKEN = "100000001:instances-test"


async def say(client: SandboxClient, chat_id: int, text: str, count: int = 1) -> list[Any]:
    after = await client.last_seq(chat_id)
    await client.send_text(chat_id, text)
    return await client.wait_for(chat_id, after=after, count=count, timeout=15)


def inbox(application: BotApplication) -> UpdateInbox:
    found = application.bot_data[UPDATE_INBOX_KEY]
    assert isinstance(found, UpdateInbox)
    return found


@pytest.fixture
async def linking_shop(postgres_url: str) -> str:
    store = await open_store(postgres_url)
    try:
        await shop.seed(store)
    finally:
        await store.close()
    return postgres_url


async def test_linking_started_on_one_instance_is_finished_on_the_other(
    linking_shop: str, sandbox: Sandbox, client: SandboxClient, catalogs: Catalogs
) -> None:
    await client.create_user(701, "Bob", language_code="en")
    async with two_instances(
        linking_shop,
        sandbox,
        token=TOKEN,
        clock=shop.clock(),
        rules=shop.RULES,
        catalogs=catalogs,
        link_secret="instances-link-secret",
    ) as pair:
        assert sorted(pair.roles()) == ["follower", "leader"]
        pair.route_to(0)
        (ask,) = await say(client, 701, "/start")
        assert "order number" in ask["text"]
        pair.route_to(1)
        (ask_contact,) = await say(client, 701, "2002")
        assert "email address or phone number" in ask_contact["text"]
        pair.route_to(0)
        welcome, _orders = await say(client, 701, "bob@example.com", count=2)
        linked = await pair.stores[1].linked_customer(701)
        handed_to = [instance for _, instance in pair.balancer.handed]

    assert "Bob" in welcome["text"]
    assert linked == "C-BOB"
    assert handed_to == [0, 1, 0]


async def test_a_cancelled_linking_is_over_on_every_instance(
    linking_shop: str, sandbox: Sandbox, client: SandboxClient, catalogs: Catalogs
) -> None:
    await client.create_user(702, "Bob", language_code="en")
    async with two_instances(
        linking_shop,
        sandbox,
        token=TOKEN,
        clock=shop.clock(),
        rules=shop.RULES,
        catalogs=catalogs,
        link_secret="instances-link-secret",
    ) as pair:
        pair.route_to(0)
        await say(client, 702, "2002")
        pair.route_to(1)
        await say(client, 702, "/cancel")
        pair.route_to(0)
        (reply,) = await say(client, 702, "bob@example.com")
        linked = await pair.stores[0].linked_customer(702)

    assert linked is None
    assert "Bob" not in reply["text"]


async def test_an_answer_handed_to_one_instance_waits_for_its_question_still_on_the_other(
    linking_shop: str, sandbox: Sandbox, client: SandboxClient, catalogs: Catalogs
) -> None:
    await client.create_user(703, "Bob", language_code="en")
    async with two_instances(
        linking_shop,
        sandbox,
        token=TOKEN,
        clock=shop.clock(),
        rules=shop.RULES,
        catalogs=catalogs,
        link_secret="instances-link-secret",
    ) as pair:
        pair.route_to(None)
        after = await client.last_seq(703)
        await client.send_text(703, "2002")
        await client.send_text(703, "bob@example.com")
        async with asyncio.timeout(15):
            while len(pair.balancer.held) < 2:
                await asyncio.sleep(0.01)
        number, email = pair.balancer.held
        slow, quick = pair.instances
        # Why: instance 0 took the order number (recorded: Telegram got its answer and sent the
        # next update) but has not started on it when the email reaches instance 1.
        await pair.stores[0].record_updates(
            [InboxedUpdate(number.update_id, number.to_dict(), 703)], now=shop.NOW
        )
        await inbox(quick).receive([Update.de_json(email.to_dict(), quick.bot)])
        await asyncio.sleep(0.5)
        await slow.update_queue.put(Update.de_json(number.to_dict(), slow.bot))
        replies = await client.wait_for(703, after=after, count=3, timeout=15)
        linked = await pair.stores[0].linked_customer(703)

    assert linked == "C-BOB"
    assert "email address or phone number" in replies[0]["text"]
    assert "Bob" in replies[1]["text"]
