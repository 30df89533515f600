"""Linking as customers type: an order number without /start, and chatter at the contact step."""

from __future__ import annotations

import pytest

from bot.services.handles import order_handle
from bot.services.linking import MAX_FAILURES
from storage.store import SqlStore
from tests.e2e import shop
from tests.e2e.conftest import Users
from tests.e2e.test_linking_chat import buttons_data


@pytest.mark.parametrize("typed", ["2002", "where is order 2002", "Nr. 2002", "/orders 2002"])
async def test_an_order_number_sent_without_start_starts_linking_with_it(
    users: Users, store: SqlStore, typed: str
) -> None:
    bob = await users.create(601, "Bob", language_code="en")

    (ask,) = await bob.say(typed)
    assert "email address or phone number" in ask["text"]
    assert "don't know which orders are yours" not in ask["text"]

    welcome, orders = await bob.say("bob@example.com", replies=2)
    assert "Bob" in welcome["text"]
    assert buttons_data(orders) == [f"o:{order_handle('2002')}"]
    assert await store.linked_customer(601) == "C-BOB"


async def test_a_phone_number_typed_after_the_order_number_is_the_answer_not_a_new_start(
    users: Users, store: SqlStore
) -> None:
    alice = await users.create(602, "Alice", language_code="en")
    await alice.say("order 1001")

    await alice.say("+49 170 1234567", replies=2)

    assert await store.linked_customer(602) == "C-ALICE"


async def test_a_linked_chats_order_number_still_shows_the_order(
    users: Users, store: SqlStore
) -> None:
    await store.link_chat(603, "C-BOB", via="contact", actor="test", at=shop.NOW)
    bob = await users.create(603, "Bob", language_code="en")

    (detail,) = await bob.say("2002")

    assert "Office chair × 1" in detail["text"]


async def test_an_unlinked_chats_number_among_unknown_words_gets_the_help(users: Users) -> None:
    someone = await users.create(604, "Someone", language_code="en")

    (reply,) = await someone.say("asdkjh qwe 123")

    assert "didn't understand" in reply["text"] and reply["buttons"]


async def test_chatter_at_the_contact_step_gets_a_hint_keeps_the_number_and_costs_no_attempt(
    users: Users, store: SqlStore
) -> None:
    bob = await users.create(605, "Bob", language_code="en")
    await bob.say("/start")
    await bob.say("2002")

    for chatter in ["ok thanks", "one moment", "1234", "ok"] * MAX_FAILURES:
        (hint,) = await bob.say(chatter)
        assert "doesn't look like an email address or a phone number" in hint["text"]

    welcome, _ = await bob.say("It's BOB@example.com.", replies=2)
    assert "Bob" in welcome["text"]
    assert await store.linked_customer(605) == "C-BOB"


async def test_a_wrong_email_still_costs_an_attempt(users: Users, store: SqlStore) -> None:
    bob = await users.create(606, "Bob", language_code="en")
    for _ in range(MAX_FAILURES):
        await bob.say("2002")
        (reply,) = await bob.say("mallory@example.com")
    assert "paused linking" in reply["text"]
    assert await store.linked_customer(606) is None
