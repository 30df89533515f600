"""When something breaks inside the bot, the user still gets a polite answer."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from bot.app import build_application, polling
from bot.config import Settings
from bot.context import Services
from bot.domain.model import Order
from bot.domain.open_orders import OpenOrders
from bot.i18n import Catalogs
from bot.sandbox.client import SandboxClient
from storage.store import SqlStore
from tests.e2e import shop
from tests.e2e.conftest import TOKEN, User


class BrokenOrdersStore(SqlStore):
    """The real store, except that listing orders fails."""

    async def open_orders(self, customer_id: str) -> list[Order]:
        """Always fails."""
        raise RuntimeError("the orders table is on fire")

    async def customer_open_orders(self, customer_id: str) -> OpenOrders:
        """Always fails."""
        raise RuntimeError("the orders table is on fire")


@pytest.fixture
async def broken_bot(
    settings: Settings, store: SqlStore, catalogs: Catalogs
) -> AsyncIterator[None]:
    """The bot running on a store that cannot list orders."""
    services = Services(
        settings=settings,
        store=BrokenOrdersStore(store.database),
        clock=shop.clock(),
        rules=shop.RULES,
        catalogs=catalogs,
    )
    async with polling(build_application(services), poll_timeout=1):
        yield


async def test_an_internal_error_gets_an_apology_and_is_logged_without_the_token(
    broken_bot: None,
    client: SandboxClient,
    store: SqlStore,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await store.link_chat(901, "C-BOB", via="contact", actor="test", at=shop.NOW)
    await client.create_user(901, "Bob", language_code="en")
    with caplog.at_level(logging.ERROR):
        (reply,) = await User(client, 901).say("/orders")
    assert reply["text"] == "Sorry, something went wrong on our side. Please try again in a moment."
    assert "on fire" in caplog.text
    assert TOKEN not in caplog.text


async def test_an_error_after_a_button_press_was_answered_still_reaches_the_user(
    broken_bot: None, client: SandboxClient, store: SqlStore
) -> None:
    await store.link_chat(902, "C-BOB", via="contact", actor="test", at=shop.NOW)
    await client.create_user(902, "Bob", language_code="en")
    bob = User(client, 902)
    await bob.say("/help")
    apology = await bob.tap_data("orders")
    assert (
        apology["text"] == "Sorry, something went wrong on our side. Please try again in a moment."
    )
