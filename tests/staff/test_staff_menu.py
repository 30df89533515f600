"""Staff see their commands in their own chat's command menu and in /help; customers do not
(DESIGN §7, §10)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import aiohttp

from bot.sandbox.client import SandboxClient
from bot.sandbox.server import Sandbox
from storage.store import SqlStore
from tests.notices import shop
from tests.notices.conftest import TOKEN, make_users
from tests.staff.conftest import STAFF_ID
from tests.staff.test_po_chat import say

CUSTOMER = shop.Buyer(812)
STAFF_COMMANDS = {"po", "stock", "find", "broadcast", "stats"}


async def menu(sandbox: Sandbox, **params: Any) -> list[dict[str, str]]:
    """getMyCommands as a Bot API client asks it."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{sandbox.api_base_url}{TOKEN}/getMyCommands", json=params) as response,
    ):
        body = await response.json()
    assert body["ok"], body
    result: list[dict[str, str]] = body["result"]
    return result


def names(commands: list[dict[str, str]]) -> set[str]:
    return {command["command"] for command in commands}


async def test_a_staff_members_chat_menu_has_the_staff_commands_and_a_customers_has_not(
    store: SqlStore, sandbox: Sandbox, client: SandboxClient, run_bot: Any
) -> None:
    await shop.seed(store, [CUSTOMER])
    await make_users(client, [CUSTOMER])
    await client.create_user(STAFF_ID, "Sam", language_code="de")
    await store.set_chat_language(STAFF_ID, "de", actor="test", at=datetime.now(UTC))
    async with run_bot():
        staff = await menu(sandbox, scope={"type": "chat", "chat_id": STAFF_ID})
        customer = await menu(sandbox, scope={"type": "chat", "chat_id": CUSTOMER.chat_id})
        shared = [await menu(sandbox, language_code=code) for code in ("en", "de", "ru")]
    assert names(staff) == {"orders", "start", "unlink", "language", "help"} | STAFF_COMMANDS
    descriptions = {command["command"]: command["description"] for command in staff}
    assert descriptions["broadcast"] == "Nachricht an ein Kundensegment senden"
    assert descriptions["orders"] == shared[1][0]["description"]
    assert customer == []  # a customer's chat falls back to the language menus
    assert all(not names(commands) & STAFF_COMMANDS for commands in shared)


async def test_a_staff_members_help_lists_the_staff_commands_and_a_customers_does_not(
    store: SqlStore, client: SandboxClient, run_bot: Any
) -> None:
    await shop.seed(store, [CUSTOMER])
    await make_users(client, [CUSTOMER])
    await client.create_user(STAFF_ID, "Sam", language_code="en")
    async with run_bot():
        (staff,) = await say(client, STAFF_ID, "/help")
        (customer,) = await say(client, CUSTOMER.chat_id, "/help")
    assert "/orders" in staff["text"] and "/orders" in customer["text"]
    for command in ("/po", "/stock", "/find", "/broadcast", "/stats"):
        assert command in staff["text"]
        assert command not in customer["text"]
