"""Alert tests: the notices' chair shop, two staff members, a clock the test moves."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import pytest

from bot.app import BotApplication, build_application, polling
from bot.clock import FrozenClock
from bot.context import Services
from bot.i18n import Catalogs
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import Sandbox
from storage.store import SqlStore
from tests.databases import database_settings
from tests.notices import shop
from tests.notices.conftest import TOKEN, catalogs, client, sandbox, store

__all__ = ["catalogs", "client", "sandbox", "store"]

SAM, ALEX = 555, 556
STAFF = (SAM, ALEX)


@pytest.fixture
def clock() -> FrozenClock:
    """The shop's clock; a test moves it to let dates pass."""
    return FrozenClock(shop.NOW)


@pytest.fixture
def run_bot(
    sandbox: Sandbox, store: SqlStore, catalogs: Catalogs, database_url: str, clock: FrozenClock
) -> Any:
    """Start the real application (jobs and dispatcher) with SAM and ALEX as staff, no support
    chat: alerts go to each staff member's private chat."""

    @asynccontextmanager
    async def running() -> AsyncIterator[BotApplication]:
        settings = database_settings(
            database_url,
            token=TOKEN,
            api_base_url=sandbox.api_base_url,
            staff_ids=frozenset(STAFF),
        )
        services = Services(
            settings=settings, store=store, clock=clock, rules=shop.RULES, catalogs=catalogs
        )
        async with polling(build_application(services), poll_timeout=1) as application:
            yield application

    return running


async def make_staff(client: SandboxClient) -> None:
    """Sam and Alex have opened the bot's chat (a bot can write only to users who did)."""
    await client.create_user(SAM, "Sam", language_code="en")
    await client.create_user(ALEX, "Alex", language_code="en")


async def messages(client: SandboxClient, chat_id: int) -> list[dict[str, Any]]:
    """Every message the bot sent to a chat (edits not included)."""
    return [event for event in await client.transcript(chat_id) if event["kind"] == "bot_message"]


async def alerts_in(client: SandboxClient, chat_id: int, heading: str) -> list[dict[str, Any]]:
    """The messages of a chat whose text has `heading` (an alert's heading or a line of it)."""
    return [m for m in await messages(client, chat_id) if heading in plain(str(m["text"]))]


async def wait_for_alert(
    client: SandboxClient, chat_id: int, heading: str, *, timeout: float = 15
) -> dict[str, Any]:
    """The first alert with `heading` in the chat, once it has arrived."""
    for _ in range(int(timeout / 0.05)):
        found = await alerts_in(client, chat_id, heading)
        if found:
            return found[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no alert {heading!r} in chat {chat_id}")


async def settle(seconds: float = 2.5) -> None:
    """Let the bot's jobs tick a few times (the sweep runs each second)."""
    await asyncio.sleep(seconds)


def moved(clock: FrozenClock, moment: datetime) -> None:
    """Move the shop's clock."""
    clock.moment = moment


def button_data(event: dict[str, Any], label: str) -> str:
    """The callback data of the button whose label contains `label`."""
    (found,) = [
        str(b["callback_data"]) for row in event["buttons"] for b in row if label in str(b["text"])
    ]
    return found


def plain(text: str) -> str:
    """Text with the no-break spaces of dates and numbers as plain spaces."""
    return text.replace("\xa0", " ").replace("\u202f", " ")
