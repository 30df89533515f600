"""The web server's routes served for real (aiohttp TestServer) on a real database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.context import Services
from bot.i18n import Catalogs
from bot.leadership import Role
from bot.web.server import build_web_app
from storage.store import SqlStore, open_store
from tests.databases import database_settings
from tests.e2e import shop


@dataclass
class Web:
    """An HTTP client of one running web server."""

    session: aiohttp.ClientSession
    base_url: str
    role: list[Role]

    async def get(self, path: str) -> tuple[int, str, str]:
        """GET `path`: status, content type, body text."""
        async with self.session.get(self.base_url + path) as answer:
            return answer.status, answer.headers.get("Content-Type", ""), await answer.text()

    async def get_json(self, path: str) -> tuple[int, Any]:
        """GET `path` answered with JSON: status and body."""
        async with self.session.get(self.base_url + path) as answer:
            return answer.status, await answer.json()


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    """An empty store in the test's database (the test may close it: closing twice is fine)."""
    opened = await open_store(database_url)
    yield opened
    await opened.close()


@pytest.fixture
async def web_server(database_url: str, store: SqlStore) -> AsyncIterator[Web]:
    """The web application of `run` (no webhook) on a free port; `role` drives /healthz's role."""
    services = Services(
        settings=database_settings(database_url),
        store=store,
        clock=shop.clock(),
        rules=shop.RULES,
        catalogs=Catalogs.load(),
    )
    role: list[Role] = ["leader"]
    server = TestServer(build_web_app(services, role=lambda: role[0]), host="127.0.0.1")
    await server.start_server()
    async with aiohttp.ClientSession() as session:
        yield Web(session, str(server.make_url("")), role)
    await server.close()
