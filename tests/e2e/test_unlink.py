"""/unlink: a linked chat can forget its customer after a confirmation; /start points to it."""

from __future__ import annotations

import pytest

from bot.i18n import SHIPPED_LANGUAGES, Catalogs
from handlers.menu import bot_commands
from storage.store import SqlStore
from tests.e2e.conftest import User, Users


async def linked_bob(users: Users, chat_id: int) -> User:
    """Bob linked by order number and email."""
    bob = await users.create(chat_id, "Bob", language_code="en")
    await bob.say("/start")
    await bob.say("2002")
    await bob.say("bob@example.com", replies=2)
    return bob


def labels(event: dict[str, object]) -> list[str]:
    """The labels of the inline buttons under a message."""
    rows = event["buttons"]
    assert isinstance(rows, list)
    return [str(button["text"]) for row in rows for button in row]


async def test_start_on_a_linked_chat_says_how_to_unlink(users: Users) -> None:
    bob = await linked_bob(users, 1101)
    welcome, orders = await bob.say("/start", replies=2)
    assert "Welcome back" in welcome["text"] and "/unlink" in welcome["text"]
    assert "open order" in orders["text"]


async def test_unlink_asks_first_then_the_chat_forgets_the_customer_audited(
    users: Users, store: SqlStore
) -> None:
    bob = await linked_bob(users, 1102)
    (question,) = await bob.say("/unlink")
    assert "Unlink this chat" in question["text"]
    assert labels(question) == ["Yes, unlink", "No, keep it"]
    assert await store.linked_customer(1102) == "C-BOB"
    done = await bob.tap("Yes, unlink")
    assert done["message_id"] == question["message_id"]
    assert "no longer linked" in done["text"]
    assert "Find my orders" in labels(done)
    assert await store.linked_customer(1102) is None
    last = (await store.audit_entries("chat:1102"))[-1]
    assert (last.action, last.actor) == ("chat.unlink", "chat:1102")
    (orders,) = await bob.say("/orders")
    assert "I don't know which orders are yours yet" in orders["text"]


async def test_keeping_the_link_changes_nothing(users: Users, store: SqlStore) -> None:
    bob = await linked_bob(users, 1103)
    await bob.say("/unlink")
    kept = await bob.tap("No, keep it")
    assert "nothing changed" in kept["text"]
    assert await store.linked_customer(1103) == "C-BOB"


async def test_unlink_on_a_chat_that_is_not_linked_says_so(users: Users) -> None:
    zoe = await users.create(1104, "Zoe", language_code="en")
    (reply,) = await zoe.say("/unlink")
    assert "not linked to any orders" in reply["text"]


@pytest.mark.parametrize("language", SHIPPED_LANGUAGES)
def test_the_command_menu_offers_unlink_in_every_language(
    language: str, catalogs: Catalogs
) -> None:
    t = catalogs.translator(language)
    commands = {command.command: command.description for command in bot_commands(t)}
    assert commands["unlink"] == t.gettext("Make this chat forget your orders")
    if language != "en":
        assert commands["unlink"] != "Make this chat forget your orders"
