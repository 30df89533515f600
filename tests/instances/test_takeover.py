"""Two `backorder-bot run` on one PostgreSQL database: one leader; SIGKILL it in the middle of a
dispatch of 1,000 messages and the other takes over: every message arrives, in each chat's order,
and only the sends the killed leader had in flight or not yet recorded arrive twice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.sandbox.client import SandboxClient
from bot.sandbox.server import Sandbox
from bot.services.dispatcher import DEFAULT_IN_FLIGHT
from storage.store import SqlStore, open_store
from tests.instances.takeover import (
    CHATS,
    FOLLOWER_LINE,
    LEADER_LINE,
    PER_CHAT,
    kill_the_leader_mid_dispatch,
    stop_bot,
    two_bots,
)

pytestmark = pytest.mark.postgresql


@pytest.fixture
async def store(postgres_url: str) -> AsyncIterator[SqlStore]:
    opened = await open_store(postgres_url)
    yield opened
    await opened.close()


async def test_of_two_instances_exactly_one_leads_and_the_other_follows_until_it_stops(
    postgres_url: str, sandbox: Sandbox, tmp_path: Path
) -> None:
    async with two_bots(postgres_url, sandbox, tmp_path) as (first, second):
        await first.wait_for(LEADER_LINE)
        await second.wait_for(FOLLOWER_LINE)
        assert second.seen(LEADER_LINE) is None
        stopped = await stop_bot(first)
        await second.wait_for(LEADER_LINE)

    assert stopped == 0
    assert first.seen(FOLLOWER_LINE) is None


async def test_a_killed_leader_mid_dispatch_is_replaced_and_nothing_is_lost(
    store: SqlStore, sandbox: Sandbox, client: SandboxClient, postgres_url: str, tmp_path: Path
) -> None:
    takeover = await kill_the_leader_mid_dispatch(store, sandbox, client, postgres_url, tmp_path)

    total = CHATS * PER_CHAT
    assert takeover.sent_at_kill < total, "the leader finished before it was killed"
    assert len(takeover.arrived) == total
    assert takeover.in_order
    assert max(takeover.arrived.values()) <= 2
    # Why: send-then-mark: only a send in flight or not yet committed at the kill is repeated.
    assert sum(count - 1 for count in takeover.arrived.values()) <= DEFAULT_IN_FLIGHT
    summary = await store.outbox_summary()
    assert (summary.sent, summary.pending, summary.failed) == (total, 0, 0)
