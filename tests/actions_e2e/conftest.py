"""Fixtures for the action flows: the e2e bot and sandbox, on the richer action shop."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import BotApplication, build_application, polling
from bot.config import Settings
from bot.context import Services
from bot.i18n import Catalogs
from storage.store import SqlStore, open_store
from tests.actions_e2e import shop
from tests.e2e import shop as e2e_shop
from tests.e2e.conftest import (
    User,
    Users,
    catalogs,
    client,
    sandbox,
    settings,
    users,
)

__all__ = ["catalogs", "client", "sandbox", "settings", "users"]


@pytest.fixture
async def bot(
    settings: Settings, store: SqlStore, catalogs: Catalogs
) -> AsyncIterator[BotApplication]:
    """The real Application polling the sandbox, without its scheduled jobs."""
    services = Services(
        settings=settings,
        store=store,
        clock=e2e_shop.clock(),
        rules=e2e_shop.RULES,
        catalogs=catalogs,
    )
    application = build_application(services)
    assert application.job_queue is not None
    # Why: proactive notices may arrive at any moment, between a flow's replies; they have
    # their own tests.
    application.job_queue.scheduler.remove_all_jobs()
    async with polling(application, poll_timeout=1) as running:
        yield running


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    """The action shop in the test's database."""
    opened = await open_store(database_url)
    await shop.seed(opened)
    yield opened
    await opened.close()


@pytest.fixture
def linked(users: Users, store: SqlStore) -> Linker:
    """Creates sandbox users already linked to one of the shop's customers."""
    return Linker(users, store)


class Linker:
    """Makes linked chat users: `await linked("alice", "C-ALICE")`."""

    def __init__(self, users: Users, store: SqlStore) -> None:
        self.users = users
        self.store = store

    async def __call__(self, name: str, customer_id: str, *, language_code: str = "en") -> User:
        """A sandbox user whose chat is linked to `customer_id`."""
        chat_id = shop.CHAT[name]
        user = await self.users.create(chat_id, name.title(), language_code=language_code)
        await shop.link(self.store, chat_id, customer_id)
        return user
