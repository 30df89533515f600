"""A customer links their chat by deep link, by order number + email or phone, or by contact."""

from __future__ import annotations

from dataclasses import replace

from babel.dates import format_date

from bot.config import Settings
from bot.domain.model import Customer, Jurisdiction, Order, OrderLine
from bot.services.handles import order_handle
from bot.services.linking import deep_link_for_order
from storage.store import SqlStore
from tests.e2e import shop
from tests.e2e.conftest import BOT_USERNAME, Users


def buttons_data(event: dict[str, object]) -> list[str]:
    """The callback data of every inline button under a message."""
    rows = event["buttons"]
    assert isinstance(rows, list)
    return [str(button.get("callback_data")) for row in rows for button in row]


async def test_a_deep_link_links_the_chat_at_once_and_lists_the_orders(
    users: Users, store: SqlStore, settings: Settings
) -> None:
    url = await deep_link_for_order(store, settings, "1001", now=shop.NOW)
    assert url is not None and url.startswith(f"https://t.me/{BOT_USERNAME}?start=")
    alice = await users.create(501, "Alice", language_code="en")
    welcome, orders = await alice.say(f"/start {url.split('start=')[1]}", replies=2)
    assert "Alice" in welcome["text"]
    assert buttons_data(orders) == [f"o:{order_handle('1001')}"]
    assert await store.linked_customer(501) == "C-ALICE"


async def test_a_linked_customer_sees_every_line_with_its_date_in_their_language(
    users: Users, store: SqlStore, settings: Settings
) -> None:
    url = await deep_link_for_order(store, settings, "1001", now=shop.NOW)
    assert url is not None
    alice = await users.create(502, "Alice", language_code="en")
    await alice.say(f"/start {url.split('start=')[1]}", replies=2)
    detail = await alice.tap("1001")
    text = detail["text"]
    # Alice's orders say German: dates are babel's German medium format.
    assert format_date(shop.CHAIR_SHIPS, "medium", locale="de") in text
    assert format_date(shop.DESK_SHIPS, "medium", locale="de") in text
    assert format_date(shop.LAMP_SHIPS, "medium", locale="de") in text
    for product in ("Desk lamp", "Office chair", "Standing desk", "Corner sofa"):
        assert product in text


async def test_a_customer_links_by_order_number_and_email_and_sees_the_right_dates(
    users: Users, store: SqlStore
) -> None:
    bob = await users.create(503, "Bob", language_code="en")
    (ask,) = await bob.say("/start")
    assert "order number" in ask["text"]
    assert ask["keyboard"] == "reply"
    (ask_email,) = await bob.say("2002")
    assert "email address or phone number" in ask_email["text"]
    welcome, orders = await bob.say("BOB@example.com", replies=2)
    assert "Bob" in welcome["text"]
    assert buttons_data(orders) == [f"o:{order_handle('2002')}"]
    detail = await bob.tap("2002")
    assert detail["kind"] == "bot_edit" and detail["message_id"] == orders["message_id"]
    assert "Office chair × 1" in detail["text"]
    assert "Dec 15, 2026" in detail["text"]
    assert "waiting for a supplier delivery due Dec 14" in detail["text"]
    assert await store.linked_customer(503) == "C-BOB"


async def test_a_customer_links_by_order_number_and_phone(users: Users, store: SqlStore) -> None:
    order = await store.get_order("1001")
    assert order is not None
    # Why: a number typed without its country code is read in the order's country (issue 8).
    await store.upsert_orders(
        [], [replace(order, jurisdiction=Jurisdiction.EU)], actor="test", at=shop.NOW
    )
    alice = await users.create(504, "Alice", language_code="en")
    await alice.say("/start")
    await alice.say("#1001")
    await alice.say("0170 1234567", replies=2)
    assert await store.linked_customer(504) == "C-ALICE"


async def uk_customer_dana(store: SqlStore) -> None:
    """Dana of order 4004 (UK), her phone stored as her shop typed it, without the prefix."""
    dana = Customer("C-DANA", "Dana", email="dana@example.co.uk", phone="07700 900456")
    order = Order(
        "4004",
        "C-DANA",
        shop.NOW,
        "GBP",
        jurisdiction=Jurisdiction.UK,
        lines=(OrderLine("4004", 1, "LAMP", 1, 2999),),
    )
    await store.upsert_orders([dana], [order], actor="test", at=shop.NOW)


async def test_a_us_contact_with_a_uk_customers_digits_is_not_linked(
    users: Users, store: SqlStore
) -> None:
    await uk_customer_dana(store)
    mallory = await users.create(510, "Mallory", language_code="en", phone="17700900456")
    await mallory.say("/start")
    (refused,) = await mallory.share_contact()
    assert "couldn't match" in refused["text"]
    assert await store.linked_customer(510) is None


async def test_the_uk_customers_own_contact_is_linked(users: Users, store: SqlStore) -> None:
    await uk_customer_dana(store)
    dana = await users.create(511, "Dana", language_code="en", phone="447700900456")
    await dana.say("/start")
    welcome, _ = await dana.share_contact(replies=2)
    assert "Dana" in welcome["text"]
    assert await store.linked_customer(511) == "C-DANA"


async def test_a_customer_links_by_sharing_their_own_contact(users: Users, store: SqlStore) -> None:
    bob = await users.create(505, "Bob", language_code="en", phone="447700900123")
    await bob.say("/start")
    welcome, orders = await bob.share_contact(replies=2)
    assert "Bob" in welcome["text"]
    assert buttons_data(orders) == [f"o:{order_handle('2002')}"]
    assert await store.linked_customer(505) == "C-BOB"


async def test_someone_elses_contact_is_not_accepted(users: Users, store: SqlStore) -> None:
    mallory = await users.create(506, "Mallory", language_code="en", phone="15550100999")
    await mallory.say("/start")
    (reply,) = await mallory.share_contact(phone_number="447700900123", contact_user_id=999)
    assert "your own phone number" in reply["text"]
    assert await store.linked_customer(506) is None


async def test_names_with_markup_characters_are_shown_as_typed(
    users: Users, store: SqlStore, settings: Settings
) -> None:
    url = await deep_link_for_order(store, settings, "3003", now=shop.NOW)
    assert url is not None
    carmen = await users.create(507, "Carmen", language_code="es")
    welcome, _ = await carmen.say(f"/start {url.split('start=')[1]}", replies=2)
    assert "Carmen <&>" in welcome["text"]


async def test_the_back_button_returns_to_the_list_in_the_same_message(
    users: Users, store: SqlStore
) -> None:
    await store.link_chat(508, "C-ALICE", via="contact", actor="test", at=shop.NOW)
    alice = await users.create(508, "Alice", language_code="en")
    (listing,) = await alice.say("/orders")
    detail = await alice.tap("1001")
    back = await alice.tap_data("orders")
    assert detail["message_id"] == back["message_id"] == listing["message_id"]
    assert back["text"] == listing["text"]
    assert buttons_data(back) == [f"o:{order_handle('1001')}"]


async def test_a_linked_customer_who_sends_start_again_sees_their_orders(
    users: Users, store: SqlStore
) -> None:
    await store.link_chat(509, "C-BOB", via="contact", actor="test", at=shop.NOW)
    bob = await users.create(509, "Bob", language_code="en")
    _, orders = await bob.say("/start", replies=2)
    assert buttons_data(orders) == [f"o:{order_handle('2002')}"]
