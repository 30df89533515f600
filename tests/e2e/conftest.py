"""End-to-end fixtures: the real PTB Application polling the sandbox, on a real database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from bot.app import BotApplication, build_application, polling
from bot.config import Settings
from bot.context import Services
from bot.i18n import Catalogs
from bot.sandbox.client import SandboxClient
from bot.sandbox.config import SandboxConfig
from bot.sandbox.server import Sandbox
from storage.store import SqlStore, open_store
from tests.databases import database_settings
from tests.e2e import shop

TOKEN = "123456:TEST-TOKEN"
LINK_SECRET = "e2e-link-secret"
BOT_USERNAME = "BackorderTestBot"


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    """The shipped catalogs, compiled once for the whole run."""
    return Catalogs.load()


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    """The test shop in the test's database."""
    opened = await open_store(database_url)
    await shop.seed(opened)
    yield opened
    await opened.close()


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """A sandbox Bot API server without flood limits."""
    config = SandboxConfig(global_rate=None, per_chat_rate=None, bot_username=BOT_USERNAME)
    server = Sandbox(config)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[SandboxClient]:
    """The control-API client that plays the users."""
    async with SandboxClient(sandbox.base_url) as opened:
        yield opened


@pytest.fixture
def settings(sandbox: Sandbox, database_url: str) -> Settings:
    """Settings pointing the bot at the sandbox and the test's database."""
    return database_settings(
        database_url,
        token=TOKEN,
        api_base_url=sandbox.api_base_url,
        link_secret=LINK_SECRET,
    )


@pytest.fixture
async def bot(
    settings: Settings, store: SqlStore, catalogs: Catalogs
) -> AsyncIterator[BotApplication]:
    """The real Application, long-polling the sandbox for the duration of a test."""
    services = Services(
        settings=settings, store=store, clock=shop.clock(), rules=shop.RULES, catalogs=catalogs
    )
    async with polling(build_application(services), poll_timeout=1) as application:
        yield application


@dataclass
class User:
    """A simulated Telegram user talking to the bot through the sandbox."""

    client: SandboxClient
    user_id: int

    async def say(self, text: str, *, replies: int = 1) -> list[dict[str, Any]]:
        """Send a text and return the bot's next `replies` messages or edits."""
        after = await self.client.last_seq(self.user_id)
        await self.client.send_text(self.user_id, text)
        return await self.client.wait_for(self.user_id, after=after, count=replies)

    async def share_contact(
        self,
        *,
        phone_number: str | None = None,
        contact_user_id: int | None = None,
        replies: int = 1,
    ) -> list[dict[str, Any]]:
        """Share a contact and return the bot's next `replies` messages."""
        after = await self.client.last_seq(self.user_id)
        await self.client.share_contact(
            self.user_id, phone_number=phone_number, contact_user_id=contact_user_id
        )
        return await self.client.wait_for(self.user_id, after=after, count=replies)

    async def tap(self, label: str) -> dict[str, Any]:
        """Press the newest button containing `label` and return the edit or message it causes."""
        after = await self.client.last_seq(self.user_id)
        await self.client.press(self.user_id, label=label)
        return (await self.client.wait_for(self.user_id, after=after))[-1]

    async def tap_data(self, data: str) -> dict[str, Any]:
        """Press the button with this callback data and return the edit or message it causes."""
        after = await self.client.last_seq(self.user_id)
        await self.client.press(self.user_id, data=data)
        return (await self.client.wait_for(self.user_id, after=after))[-1]

    async def press_data(self, data: str) -> dict[str, Any]:
        """Send raw (possibly forged) callback data and return the bot's answer to the press."""
        after = await self.client.last_seq(self.user_id)
        await self.client.press(self.user_id, data=data)
        return await self.callback_answer(after)

    async def callback_answer(self, after: int) -> dict[str, Any]:
        """The bot's answer to a button press after sequence `after`."""
        for _ in range(200):
            events = await self.client.transcript(self.user_id, after=after)
            answers = [event for event in events if event["kind"] == "callback_answer"]
            if answers:
                return answers[-1]
            await asyncio.sleep(0.05)
        raise AssertionError("the bot never answered the button press")

    async def bot_events_after(self, after: int) -> list[dict[str, Any]]:
        """Every bot message and edit after sequence `after`."""
        events = await self.client.transcript(self.user_id, after=after)
        return [event for event in events if event["kind"] in ("bot_message", "bot_edit")]


@dataclass
class Users:
    """Creates users who have a private chat with the running bot."""

    client: SandboxClient

    async def create(
        self, user_id: int, name: str, *, language_code: str | None = "en", phone: str | None = None
    ) -> User:
        """A new user; `phone` is what their shared contact will carry."""
        await self.client.create_user(
            user_id, name, language_code=language_code, phone_number=phone
        )
        return User(self.client, user_id)


@pytest.fixture
def users(client: SandboxClient, bot: BotApplication) -> Users:
    """The user factory, with the bot already polling."""
    return Users(client)
