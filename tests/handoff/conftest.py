"""Hand-off fixtures: the e2e shop, a forum support chat with staff and a non-staff member, and
the real Application polling the sandbox with that chat as BACKORDER_SUPPORT_CHAT_ID."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.app import BotApplication, build_application, polling
from bot.clock import FrozenClock
from bot.config import Settings
from bot.context import Services
from bot.domain.support_hours import SupportHours
from bot.i18n import Catalogs
from bot.sandbox.client import SandboxClient
from bot.sandbox.config import SandboxConfig
from bot.sandbox.server import Sandbox
from storage.store import SqlStore, open_store
from tests.databases import database_settings
from tests.e2e import shop
from tests.e2e.conftest import BOT_USERNAME, LINK_SECRET, TOKEN, catalogs

__all__ = ["catalogs"]

STAFF = 700
OTHER_STAFF = 701
OUTSIDER = 702  # a member of the support chat without staff rights
ALICE_CHAT = 801
BOB_CHAT = 802
BERLIN = ZoneInfo("Europe/Berlin")
HOURS = "Mon-Fri 09:00-17:00"


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    """The e2e shop in the test's database, with Alice and Bob linked to a chat each."""
    opened = await open_store(database_url)
    await shop.seed(opened)
    await opened.link_chat(ALICE_CHAT, "C-ALICE", via="contact", actor="test", at=shop.NOW)
    await opened.link_chat(BOB_CHAT, "C-BOB", via="contact", actor="test", at=shop.NOW)
    yield opened
    await opened.close()


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """A sandbox without flood limits (the group limit included)."""
    config = SandboxConfig(
        global_rate=None,
        per_chat_rate=None,
        group_rate_per_minute=None,
        bot_username=BOT_USERNAME,
    )
    server = Sandbox(config)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[SandboxClient]:
    """The control-API client that plays the users and staff."""
    async with SandboxClient(sandbox.base_url, bot_id=int(TOKEN.split(":")[0])) as opened:
        yield opened


@pytest.fixture
async def forum(client: SandboxClient) -> int:
    """The support forum: two staff admins and a member without staff rights; its chat id."""
    await client.create_user(STAFF, "Sam", language_code="en")
    await client.create_user(OTHER_STAFF, "Tess", language_code="en")
    await client.create_user(OUTSIDER, "Olga", language_code="en")
    await client.create_user(ALICE_CHAT, "Alice", language_code="de")
    await client.create_user(BOB_CHAT, "Bob", language_code="en")
    return await client.create_group(
        "Support", [STAFF, OTHER_STAFF, OUTSIDER], admin_ids=[STAFF, OTHER_STAFF]
    )


@pytest.fixture
def settings(sandbox: Sandbox, database_url: str, forum: int) -> Settings:
    """Settings with the support forum, staff, Berlin time and weekday hours."""
    return database_settings(
        database_url,
        token=TOKEN,
        api_base_url=sandbox.api_base_url,
        link_secret=LINK_SECRET,
        staff_ids=frozenset({STAFF, OTHER_STAFF}),
        timezone=BERLIN,
        support_chat_id=forum,
        support_hours=SupportHours.parse(HOURS),
    )


@pytest.fixture
def clock() -> FrozenClock:
    """Wednesday 2 December 2026, 10:00 in Berlin: within working hours."""
    return shop.clock()


RunBot = Callable[..., AbstractAsyncContextManager[BotApplication]]


@pytest.fixture
def run_bot(settings: Settings, store: SqlStore, catalogs: Catalogs, clock: FrozenClock) -> RunBot:
    """Start the real application; keyword arguments change its settings."""

    @asynccontextmanager
    async def running(**changes: Any) -> AsyncIterator[BotApplication]:
        services = Services(
            settings=replace(settings, **changes),
            store=store,
            clock=clock,
            rules=shop.RULES,
            catalogs=catalogs,
        )
        async with polling(build_application(services), poll_timeout=1) as application:
            yield application

    return running


@pytest.fixture
async def bot(run_bot: RunBot) -> AsyncIterator[BotApplication]:
    """The application running with the default hand-off settings."""
    async with run_bot() as application:
        yield application


@dataclass
class Desk:
    """Drives the customers' chats and the support forum, and reads what each one shows."""

    client: SandboxClient
    forum: int

    async def customer_says(self, chat_id: int, text: str, expect: str) -> dict[str, Any]:
        """A customer writes; the bot's first message after it that contains `expect` (delay
        notices the sweep sends meanwhile are passed over)."""
        after = await self.client.last_seq(chat_id)
        await self.client.send_text(chat_id, text)
        return await self.shown(chat_id, after, expect)

    async def shown(self, chat_id: int, after: int, expect: str) -> dict[str, Any]:
        """The bot's first message in a chat after `after` that contains `expect`."""
        for count in range(1, 20):
            events = await self.client.wait_for(chat_id, after=after, count=count)
            found = [event for event in events if expect in str(event["text"])]
            if found:
                return found[0]
        raise AssertionError(f"no bot message with {expect!r} in chat {chat_id}")

    async def bot_texts(self, chat_id: int, after: int) -> list[str]:
        """Every bot message shown in a chat after `after`."""
        events = await self.client.transcript(chat_id, after=after)
        return [str(event["text"]) for event in events if event["kind"] == "bot_message"]

    async def topic_messages(
        self, thread_id: int, *, after: int = 0, count: int = 1
    ) -> list[dict[str, Any]]:
        """The bot's messages in a topic after `after`, once at least `count` exist."""
        return await self.client.wait_for(
            self.forum, after=after, count=count, message_thread_id=thread_id
        )

    async def topic_transcript(self, thread_id: int) -> list[dict[str, Any]]:
        """Everything shown in a topic."""
        return await self.client.transcript(self.forum, message_thread_id=thread_id)

    async def topics(self) -> dict[str, int]:
        """Every topic created: its name and thread id (from the service messages)."""
        events = await self.client.transcript(self.forum)
        created = [event for event in events if event.get("service") == "forum_topic_created"]
        return {str(event["text"]): int(event["message_thread_id"]) for event in created}

    async def forum_seq(self) -> int:
        """The forum's latest event, as a cursor."""
        return await self.client.last_seq(self.forum)

    async def staff_writes(self, user_id: int, thread_id: int | None, text: str) -> int:
        """A member writes in a topic (or the general chat with None); the message id."""
        return await self.client.group_send(
            self.forum, user_id, text=text, message_thread_id=thread_id
        )


@pytest.fixture
def desk(client: SandboxClient, forum: int, bot: BotApplication) -> Desk:
    """The desk, with the bot already polling."""
    return Desk(client, forum)
