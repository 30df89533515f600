"""Staff tests: the notices' chair shop, with one staff member in BACKORDER_STAFF_IDS."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from bot.app import BotApplication, build_application, polling
from bot.clock import FrozenClock
from bot.context import Services
from bot.i18n import Catalogs
from bot.sandbox.server import Sandbox
from storage.store import SqlStore
from tests.databases import database_settings
from tests.notices import shop
from tests.notices.conftest import TOKEN, catalogs, client, sandbox, store

__all__ = ["catalogs", "client", "sandbox", "store"]

STAFF_ID = 555


@pytest.fixture
def run_bot(sandbox: Sandbox, store: SqlStore, catalogs: Catalogs, database_url: str) -> Any:
    """Start the real application (jobs and dispatcher included) with STAFF_ID as staff."""

    @asynccontextmanager
    async def running() -> AsyncIterator[BotApplication]:
        settings = database_settings(
            database_url,
            token=TOKEN,
            api_base_url=sandbox.api_base_url,
            staff_ids=frozenset({STAFF_ID}),
        )
        services = Services(
            settings=settings,
            store=store,
            clock=FrozenClock(shop.NOW),
            rules=shop.RULES,
            catalogs=catalogs,
        )
        async with polling(build_application(services), poll_timeout=1) as application:
            yield application

    return running
