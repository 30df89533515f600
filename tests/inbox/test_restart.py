"""Updates recorded by a run that died before handling them are handled first at the next start."""

from __future__ import annotations

import asyncio

from telegram import Bot

from bot.app import build_application, polling
from bot.config import Settings
from bot.context import Services
from bot.i18n import Catalogs
from bot.sandbox.client import SandboxClient
from bot.update_inbox import UpdateInbox
from storage.store import SqlStore
from tests.e2e import shop

ANN = 9301


async def test_a_previous_runs_unhandled_updates_are_answered_before_newer_ones_of_the_chat(
    settings: Settings, store: SqlStore, catalogs: Catalogs, client: SandboxClient
) -> None:
    async with Bot(settings.token or "", base_url=settings.api_base_url) as previous_run:
        await client.create_user(ANN, "Ann")
        await client.send_text(ANN, "what is this?")
        await client.send_text(ANN, "/help")
        # The previous run fetched both, recorded them and polled again (which tells Telegram
        # they arrived), then died before handling either.
        fetched = await previous_run.get_updates(timeout=0)
        await UpdateInbox(store, shop.clock(), asyncio.Queue()).receive(fetched)
        assert await previous_run.get_updates(offset=fetched[-1].update_id + 1, timeout=0) == ()
    assert len(await store.unhandled_updates()) == 2
    await client.send_text(ANN, "what is this?")

    services = Services(
        settings=settings, store=store, clock=shop.clock(), rules=shop.RULES, catalogs=catalogs
    )
    async with polling(build_application(services), poll_timeout=1):
        replies = await client.wait_for(ANN, after=0, count=3)
    # Why: stopping waits for every update in hand, so each is marked by now.
    assert await store.unhandled_updates() == []

    assert ["didn't understand" in reply["text"] for reply in replies] == [True, False, True]
    assert "/unlink" in replies[1]["text"]
