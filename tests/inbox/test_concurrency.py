"""A slow Bot API: chats are answered side by side, each chat's messages one at a time, in order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.app import BotApplication, build_application, polling
from bot.config import Settings
from bot.context import Services
from bot.i18n import Catalogs
from bot.sandbox.client import SandboxClient
from storage.store import SqlStore
from tests.e2e import shop

SLOW_SEND_MS = 1500
CHATS = [9401, 9402, 9403, 9404, 9405]


@pytest.fixture
async def bot(
    settings: Settings, store: SqlStore, catalogs: Catalogs, client: SandboxClient
) -> AsyncIterator[BotApplication]:
    """The real Application polling a sandbox whose sendMessage takes 1.5 s."""
    services = Services(
        settings=settings, store=store, clock=shop.clock(), rules=shop.RULES, catalogs=catalogs
    )
    async with polling(build_application(services), poll_timeout=1) as application:
        await client.configure(delay_ms=SLOW_SEND_MS, delayed_methods="sendMessage")
        yield application


async def sends_at_once(client: SandboxClient) -> int:
    """The most sendMessage calls the sandbox was answering at the same time."""
    return int((await client.stats())["peak_in_flight"].get("sendMessage", 0))


async def test_five_chats_asking_at_once_are_answered_side_by_side(
    bot: BotApplication, client: SandboxClient
) -> None:
    for chat_id in CHATS:
        await client.create_user(chat_id, "Customer")
    for chat_id in CHATS:
        await client.send_text(chat_id, "/help")
    replies = await asyncio.gather(
        *(client.wait_for(chat_id, after=0, timeout=30) for chat_id in CHATS)
    )
    assert all("/unlink" in reply["text"] for (reply,) in replies)
    assert await sends_at_once(client) == len(CHATS)


async def test_one_chats_messages_are_answered_one_at_a_time_in_order(
    bot: BotApplication, client: SandboxClient
) -> None:
    ann = CHATS[0]
    await client.create_user(ann, "Ann")
    await client.send_text(ann, "/help")
    await client.send_text(ann, "what is this?")
    first, second = await client.wait_for(ann, after=0, count=2, timeout=30)
    assert "/unlink" in first["text"]
    assert "didn't understand" in second["text"]
    assert await sends_at_once(client) == 1
