"""Guessing an order number from many chats pauses it; a new chat is announced and removable."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.sandbox.server import Sandbox
from bot.services.linking import deep_link_for_order
from storage.store import SqlStore
from tests.databases import database_settings
from tests.e2e import shop
from tests.e2e.conftest import LINK_SECRET, TOKEN, User, Users

STAFF = 990


@pytest.fixture
def settings(sandbox: Sandbox, database_url: str) -> Settings:
    """The chat tests' settings with one staff member, who gets the alerts."""
    return database_settings(
        database_url,
        token=TOKEN,
        api_base_url=sandbox.api_base_url,
        link_secret=LINK_SECRET,
        staff_ids=frozenset({STAFF}),
    )


async def guess(user: User, order_number: str, email: str) -> str:
    """Type the order number, then the email; the bot's answer to the email."""
    await user.say(order_number)
    (answer,) = await user.say(email)
    return str(answer["text"])


async def ten_chats_guess(users: Users, first_user: int, order_number: str) -> list[str]:
    """Ten chats each try four wrong emails with the order number; the bot's answers."""
    answers = []
    for chat in range(10):
        user = await users.create(first_user + chat, "Eve", language_code="en")
        for attempt in range(4):
            answers.append(await guess(user, order_number, f"eve{attempt}@example.com"))
    return answers


async def test_ten_chats_guessing_pause_the_order_number_alike_whether_it_exists_or_not(
    users: Users, store: SqlStore
) -> None:
    staff = await users.create(STAFF, "Sam", language_code="en")
    after = await staff.client.last_seq(STAFF)

    existing = await ten_chats_guess(users, 700, "1001")
    missing = await ten_chats_guess(users, 720, "9999")
    alice = await users.create(740, "Alice", language_code="en")
    right = await guess(alice, "1001", "alice@example.com")
    someone = await users.create(741, "Someone", language_code="en")
    unknown = await guess(someone, "9999", "alice@example.com")

    assert existing == missing
    assert set(existing) == {right} == {unknown}
    assert "couldn't match" in right
    assert await store.linked_customer(740) is None
    alerts = await staff.client.wait_for(STAFF, after=after, count=2)
    assert "Linking paused for order number 1001" in alerts[0]["text"]
    assert "Linking paused for order number 9999" in alerts[1]["text"]
    assert "10 attempts" in alerts[0]["text"] and "3 different chats" in alerts[0]["text"]
    rows = await store.connection.execute_fetchall(
        "SELECT dedupe_key FROM outbox WHERE dedupe_key LIKE 'alert:link-paused:%'"
    )
    assert len(list(rows)) == 2


async def test_a_paused_order_number_still_links_the_customer_sharing_their_phone(
    users: Users, store: SqlStore
) -> None:
    await ten_chats_guess(users, 750, "1001")
    alice = await users.create(770, "Alice", language_code="en", phone="491701234567")
    await alice.say("/start")
    welcome, _ = await alice.share_contact(replies=2)
    assert "Alice" in welcome["text"]
    assert await store.linked_customer(770) == "C-ALICE"


async def test_a_new_chat_is_announced_to_the_other_chat_which_removes_it(
    users: Users, store: SqlStore, settings: Settings
) -> None:
    url = await deep_link_for_order(store, settings, "2002", now=shop.NOW)
    assert url is not None
    bob = await users.create(780, "Bob", language_code="en")
    await bob.say(f"/start {url.split('start=')[1]}", replies=2)
    after = await bob.client.last_seq(780)
    intruder = await users.create(781, "Mallory", language_code="en")
    await intruder.say("2002")
    await intruder.say("bob@example.com", replies=2)

    (told,) = await bob.client.wait_for(780, after=after)
    assert told["text"].startswith("A new Telegram chat was linked to your orders on Dec 2, 2026.")
    forged = await bob.press_data("lx:AAAAAAAA")
    assert forged["callback_answer_text"] == "This button is no longer available."
    assert await store.linked_customer(781) == "C-BOB"
    question = await bob.tap("Remove that chat")
    assert "Remove the chat that was linked to your orders on Dec 2, 2026?" in question["text"]
    done = await bob.tap("Yes, remove it")

    assert done["text"] == "Done. That chat is no longer linked to your orders."
    assert await store.linked_customer(781) is None
    assert await store.linked_customer(780) == "C-BOB"
    (orders,) = await intruder.say("/orders")
    assert "Office chair" not in orders["text"]
    again = await bob.press_data(f"lx:{question['buttons'][0][0]['callback_data'][3:]}")
    assert again["callback_answer_text"] == "This button is no longer available."
