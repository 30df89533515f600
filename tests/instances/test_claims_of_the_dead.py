"""A new leader frees the outbox claims of instances that are gone, on any machine, at once."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from bot.app import build_application, polling
from bot.clock import SystemClock
from bot.context import Services
from bot.domain.outbox import OutgoingMessage
from bot.domain.processes import gone_claimants
from bot.i18n import Catalogs
from bot.sandbox.client import SandboxClient
from bot.sandbox.server import Sandbox
from storage.store import open_store
from tests.databases import database_settings
from tests.e2e import shop

TOKEN = "100000001:instances-claims"
CHAT = 650001


def test_claimants_whose_process_has_no_session_are_gone_and_unreadable_tags_are_kept() -> None:
    holders = ["web-1/7/aa", "web-2/9/bb", "web-1/8/cc", "not a tag"]

    assert gone_claimants(holders, {"web-1/7", "web-2/10"}) == ["web-1/8/cc", "web-2/9/bb"]


@pytest.mark.postgresql
async def test_a_message_claimed_by_an_instance_on_a_machine_gone_is_sent_by_the_new_leader(
    postgres_url: str, sandbox: Sandbox, client: SandboxClient, catalogs: Catalogs
) -> None:
    await client.create_user(CHAT, "Customer")
    store = await open_store(postgres_url)
    try:
        await store.enqueue_messages(
            [OutgoingMessage("gone:1", CHAT, "claimed by the dead")], now=datetime.now(UTC)
        )
        (row,) = await store.due_messages(now=datetime.now(UTC), after_id=0, limit=10)
        # Why: a holder on another machine: its process cannot be looked up from here, and its
        # claim would last the hour without the new leader's look at the live instances.
        now = time.time()
        assert await store.claim_message(
            row.row_id, sender="elsewhere/4242/0123456789ab", clock=now, until=now + 3600
        )
        settings = database_settings(postgres_url, token=TOKEN, api_base_url=sandbox.api_base_url)
        services = Services(
            settings=settings,
            store=store,
            clock=SystemClock(),
            rules=shop.RULES,
            catalogs=catalogs,
        )
        async with polling(build_application(services), poll=False):
            (sent,) = await client.wait_for(CHAT, after=0, count=1, timeout=15)
    finally:
        await store.close()

    assert sent["text"] == "claimed by the dead"
