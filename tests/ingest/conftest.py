"""Fixtures for the shop's systems: a real store, the routes on a real aiohttp server, a client."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.clock import FrozenClock
from bot.config import Settings
from bot.context import Services
from bot.domain.calendar import BusinessCalendar
from bot.domain.eta import EtaRules
from bot.domain.model import Product
from bot.i18n import Catalogs
from bot.web import ingest as ingest_web
from bot.web import shopify as shopify_web
from bot.web.server import build_web_app
from storage.store import SqlStore, open_store

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TOKEN = "test-api-token-0123456789"
SECRET = "shopify-webhook-secret"
PRODUCTS = (
    Product("MUG-1", "Blue mug", 1250, "EUR", on_hand=1),
    Product("CUP-1", "Tea cup", 800, "EUR", on_hand=0),
)


@dataclass
class Api:
    """A client of the test server, with the store behind it."""

    session: aiohttp.ClientSession
    server: TestServer
    store: SqlStore

    async def post(
        self, path: str, body: Any, *, token: str | None = TOKEN, key: str | None = None
    ) -> tuple[int, Any]:
        """POST `body` (JSON, or raw bytes/str as is); the status and the JSON answer."""
        status, answer, _ = await self.post_replayed(path, body, token=token, key=key)
        return status, answer

    async def post_replayed(
        self, path: str, body: Any, *, token: str | None = TOKEN, key: str | None = None
    ) -> tuple[int, Any, bool]:
        """As `post`, and whether the answer says it is a replayed first answer."""
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if key is not None:
            headers["Idempotency-Key"] = key
        data = body if isinstance(body, bytes | str) else json.dumps(body)
        async with self.session.post(self.server.make_url(path), data=data, headers=headers) as r:
            replayed = r.headers.get("Idempotent-Replayed") == "true"
            text = await r.text()
            answer = json.loads(text) if r.content_type == "application/json" else text
        await self.dated()
        return r.status, answer, replayed

    async def dated(self) -> None:
        """Wait for the ETA recomputes the API runs in the background after its imports."""
        if ingest_web.RECOMPUTES in self.server.app:
            await self.server.app[ingest_web.RECOMPUTES].idle()

    async def webhook(
        self,
        topic: str,
        order: dict[str, Any],
        *,
        webhook_id: str,
        secret: str = SECRET,
        signature: str | None = None,
    ) -> tuple[int, Any]:
        """POST a Shopify order webhook signed with `secret` (or with `signature` as given)."""
        body = json.dumps(order).encode()
        digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": signature or base64.b64encode(digest).decode(),
            "X-Shopify-Webhook-Id": webhook_id,
            "X-Shopify-Shop-Domain": "example.myshopify.com",
        }
        url = self.server.make_url(shopify_web.PATH)
        async with self.session.post(url, data=body, headers=headers) as response:
            text = await response.text()
            json_answer = response.content_type == "application/json"
            return response.status, json.loads(text) if json_answer else text


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    """The shipped catalogs."""
    return Catalogs.load()


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    """The test's store with two products."""
    opened = await open_store(database_url)
    await opened.upsert_products(list(PRODUCTS), actor="test", at=NOW)
    yield opened
    await opened.close()


def make_services(
    store: SqlStore, catalogs: Catalogs, *, now: datetime = NOW, **settings: Any
) -> Services:
    """Services as `run` builds them, with these settings (the clock stopped at `now`)."""
    return Services(
        settings=replace(Settings(timezone=ZoneInfo("Europe/Berlin")), **settings),
        store=store,
        clock=FrozenClock(now),
        rules=EtaRules(calendar=BusinessCalendar(), default_handling_days=1),
        catalogs=catalogs,
    )


async def serve(services: Services) -> AsyncIterator[Api]:
    """The feature routes in the application `run` serves, on a real HTTP server, and a client."""
    app = build_web_app(services, features=(ingest_web.add_routes, shopify_web.add_routes))
    server = TestServer(app)
    await server.start_server()
    async with aiohttp.ClientSession() as session:
        yield Api(session, server, services.store)  # type: ignore[arg-type]
    await server.close()


@pytest.fixture
async def api(store: SqlStore, catalogs: Catalogs) -> AsyncIterator[Api]:
    """The server with the API token and the Shopify secret set."""
    services = make_services(store, catalogs, api_token=TOKEN, shopify_secret=SECRET)
    async for client in serve(services):
        yield client
