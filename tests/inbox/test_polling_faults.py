"""getUpdates failing for a while: polling retries with a warning (never the token) and recovers."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.app import build_application, polling
from bot.config import Settings
from bot.context import Services
from bot.i18n import Catalogs
from bot.sandbox.client import SandboxClient
from storage.store import SqlStore
from tests.e2e import shop

ANN = 9501


async def test_failing_get_updates_is_retried_and_the_message_sent_meanwhile_is_answered(
    settings: Settings,
    store: SqlStore,
    catalogs: Catalogs,
    client: SandboxClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    services = Services(
        settings=settings, store=store, clock=shop.clock(), rules=shop.RULES, catalogs=catalogs
    )
    caplog.set_level(logging.WARNING)
    async with polling(build_application(services), poll_timeout=1):
        await client.configure(failing_methods="getUpdates")
        await client.create_user(ANN, "Ann")
        await client.send_text(ANN, "/help")
        while not (await client.stats())["faults_injected"]:
            await asyncio.sleep(0.02)
        await client.configure(failing_methods="")
        (reply,) = await client.wait_for(ANN, after=0, timeout=30)

    assert "/unlink" in reply["text"]
    retries = [r for r in caplog.records if r.name == "bot.polling" and "retrying" in r.message]
    assert retries and all(r.levelno == logging.WARNING for r in retries)
    assert settings.token and not any(settings.token in r.getMessage() for r in caplog.records)
