"""Shared fixtures: a running sandbox, its control client and a raw Bot API caller."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from bot.sandbox.client import SandboxClient
from bot.sandbox.server import Sandbox, SandboxConfig

BOT_ID = 100000001
TOKEN = f"{BOT_ID}:sandbox-test-secret"
CUSTOMER_ID = 501
CUSTOMER_PHONE = "+4915112345678"


@dataclass
class BotApi:
    """Calls the sandbox's Bot API the way an HTTP client would, returning status and body."""

    session: aiohttp.ClientSession
    api_base_url: str
    token: str = TOKEN

    async def call(self, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
        """POST the parameters as JSON."""
        url = f"{self.api_base_url}{self.token}/{method}"
        async with self.session.post(url, json=params) as response:
            return response.status, await response.json()

    async def call_form(self, method: str, **params: str) -> tuple[int, dict[str, Any]]:
        """POST the parameters form-encoded, as python-telegram-bot does."""
        url = f"{self.api_base_url}{self.token}/{method}"
        async with self.session.post(url, data=params) as response:
            return response.status, await response.json()

    async def result(self, method: str, **params: Any) -> Any:
        """Call a method that must succeed and return its result."""
        status, body = await self.call(method, **params)
        assert (status, body["ok"]) == (200, True), body
        return body["result"]


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """A sandbox without flood limits, so only tests about limits meet them."""
    server = Sandbox(SandboxConfig(global_rate=None, per_chat_rate=None))
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[SandboxClient]:
    """The control API client."""
    async with SandboxClient(sandbox.base_url) as control:
        yield control


@pytest.fixture
async def api(sandbox: Sandbox) -> AsyncIterator[BotApi]:
    """A raw Bot API caller for the test bot."""
    async with aiohttp.ClientSession() as session:
        yield BotApi(session, sandbox.api_base_url)


@pytest.fixture
async def customer(client: SandboxClient) -> int:
    """A customer with a private chat with the bot; the chat id."""
    await client.create_user(
        CUSTOMER_ID, "Ann", language_code="de", phone_number=CUSTOMER_PHONE, last_name="Lee"
    )
    return CUSTOMER_ID
