"""Two instances of the bot on one PostgreSQL database, fed by a stand-in load balancer.

Why not two pollers: Telegram answers a second getUpdates caller 409 Conflict (the sandbox too),
and with polling only the leader polls. Behind a load balancer (a webhook) every instance takes
updates, so here the test's `Balancer` takes them from the sandbox by getUpdates and hands each
to the instance the test chose, through that instance's update inbox, as its webhook would.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from telegram import Bot, Update

from bot.app import UPDATE_INBOX_KEY, BotApplication, build_application, polling
from bot.clock import Clock
from bot.context import Services
from bot.domain.eta import EtaRules
from bot.i18n import Catalogs
from bot.leadership import LEADERSHIP_KEY, Leadership
from bot.sandbox.client import SandboxClient
from bot.sandbox.config import SandboxConfig
from bot.sandbox.server import Sandbox
from bot.update_inbox import UpdateInbox
from storage.store import SqlStore, open_store
from tests.conftest import NewDatabase
from tests.databases import database_settings


@pytest.fixture
def postgres_url(new_postgres_database: NewDatabase, postgres_template: str) -> str:
    """A new, migrated, empty database on the PostgreSQL test server (dropped after the test)."""
    return new_postgres_database(postgres_template)


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    """The shipped catalogs, compiled once."""
    return Catalogs.load()


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """A sandbox Bot API without flood limits."""
    server = Sandbox(SandboxConfig(global_rate=None, per_chat_rate=None))
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[SandboxClient]:
    """The control-API client that plays the users."""
    async with SandboxClient(sandbox.base_url) as opened:
        yield opened


@dataclass
class Balancer:
    """Takes the bot's updates from the sandbox and hands each to `target`'s update inbox
    (`target` None: keeps them in `held` for the test to hand out itself)."""

    bot: Bot
    instances: list[BotApplication]
    target: int | None = 0
    handed: list[tuple[int, int]] = field(default_factory=list)  # (update_id, instance)
    held: list[Update] = field(default_factory=list)

    async def run(self) -> None:
        offset: int | None = None
        while True:
            updates = await self.bot.get_updates(offset=offset, timeout=1)
            for update in updates:
                offset = update.update_id + 1
                if self.target is None:
                    self.held.append(update)
                    continue
                application = self.instances[self.target]
                inbox = application.bot_data[UPDATE_INBOX_KEY]
                assert isinstance(inbox, UpdateInbox)
                await inbox.receive([Update.de_json(update.to_dict(), application.bot)])
                self.handed.append((update.update_id, self.target))


@dataclass
class Pair:
    """The two running instances, the balancer in front of them and each one's own store."""

    instances: list[BotApplication]
    stores: list[SqlStore]
    balancer: Balancer

    def route_to(self, index: int | None) -> None:
        """Hand the next updates to instance `index` (0 or 1; None: hold them)."""
        self.balancer.target = index

    def roles(self) -> list[str]:
        """Each instance's role, "leader" or "follower"."""
        found: list[str] = []
        for application in self.instances:
            leadership = application.bot_data[LEADERSHIP_KEY]
            assert isinstance(leadership, Leadership)
            found.append(leadership.role)
        return found


@contextlib.asynccontextmanager
async def two_instances(
    database_url: str,
    sandbox: Sandbox,
    *,
    token: str,
    clock: Clock,
    rules: EtaRules,
    catalogs: Catalogs,
    **settings: Any,
) -> AsyncIterator[Pair]:
    """Two Applications, each with a store of its own (as two processes), on one database."""
    config = database_settings(
        database_url, token=token, api_base_url=sandbox.api_base_url, **settings
    )
    async with contextlib.AsyncExitStack() as stack:
        stores: list[SqlStore] = []
        instances: list[BotApplication] = []
        for _ in range(2):
            store = await open_store(database_url)
            stack.push_async_callback(store.close)
            services = Services(
                settings=config, store=store, clock=clock, rules=rules, catalogs=catalogs
            )
            application = await stack.enter_async_context(
                polling(build_application(services), poll=False)
            )
            stores.append(store)
            instances.append(application)
        bot = Bot(token, base_url=sandbox.api_base_url)
        await stack.enter_async_context(bot)
        balancer = Balancer(bot, instances)
        task = asyncio.create_task(balancer.run())
        try:
            yield Pair(instances, stores, balancer)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
