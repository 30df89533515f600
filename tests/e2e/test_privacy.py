"""A chat sees only its own customer's orders, whatever it types or forges; linking is limited."""

from __future__ import annotations

from bot.services.handles import order_handle
from storage.store import SqlStore
from tests.e2e.conftest import User, Users


async def linked_bob(users: Users, user_id: int) -> User:
    """Bob, linked by order number and email."""
    bob = await users.create(user_id, "Bob", language_code="en")
    await bob.say("/start")
    await bob.say("2002")
    await bob.say("bob@example.com", replies=2)
    return bob


async def test_a_forged_button_for_another_customers_order_shows_nothing(
    users: Users, store: SqlStore
) -> None:
    bob = await linked_bob(users, 601)
    after = await bob.client.last_seq(601)
    answer = await bob.press_data(f"o:{order_handle('1001')}")
    assert answer["callback_answer_text"] == "Sorry, that order is not available in this chat."
    shown = await bob.bot_events_after(after)
    assert shown == []


async def test_asking_for_another_customers_order_by_number_reveals_nothing(
    users: Users,
) -> None:
    bob = await linked_bob(users, 602)
    (someone_elses,) = await bob.say("/orders 1001")
    (missing,) = await bob.say("/orders 9999")
    assert "Alice" not in someone_elses["text"] and "Desk lamp" not in someone_elses["text"]
    assert someone_elses["text"] == missing["text"]
    (own,) = await bob.say("/orders 2002")
    assert "Office chair" in own["text"]


async def test_guessing_an_order_number_gives_the_same_answer_as_a_wrong_email(
    users: Users, store: SqlStore
) -> None:
    eve = await users.create(603, "Eve", language_code="en")
    await eve.say("/start")
    await eve.say("1001")
    (wrong_email,) = await eve.say("eve@example.com")
    await eve.say("9999")
    (unknown_order,) = await eve.say("alice@example.com")
    assert wrong_email["text"] == unknown_order["text"]
    assert "couldn't match" in wrong_email["text"]
    assert await store.linked_customer(603) is None


async def test_an_unlinked_chat_cannot_open_any_order(users: Users) -> None:
    eve = await users.create(604, "Eve", language_code="en")
    await eve.say("/help")
    answer = await eve.press_data(f"o:{order_handle('1001')}")
    assert answer["callback_answer_text"] == "Sorry, that order is not available in this chat."
    (orders,) = await eve.say("/orders")
    assert "link this chat" in orders["text"]


async def test_the_sixth_attempt_is_refused_politely_even_with_the_right_details(
    users: Users, store: SqlStore
) -> None:
    eve = await users.create(605, "Eve", language_code="en")
    await eve.say("/start")
    for attempt in range(4):
        await eve.say("1001")
        (reply,) = await eve.say(f"guess{attempt}@example.com")
        assert "couldn't match" in reply["text"]
    await eve.say("1001")
    (fifth,) = await eve.say("guess5@example.com")
    assert "try again in 60 minutes" in fifth["text"]
    await eve.say("/start")
    await eve.say("1001")
    (sixth,) = await eve.say("alice@example.com")
    assert "try again in" in sixth["text"]
    assert await store.linked_customer(605) is None


async def test_a_locked_out_chat_cannot_link_by_deep_link_or_contact_either(
    users: Users, store: SqlStore
) -> None:
    eve = await users.create(606, "Eve", language_code="en", phone="491701234567")
    await eve.say("/start")
    for attempt in range(5):
        await eve.say("1001")
        await eve.say(f"guess{attempt}@example.com")
    (contact,) = await eve.share_contact()
    assert "try again in" in contact["text"]
    assert await store.linked_customer(606) is None
