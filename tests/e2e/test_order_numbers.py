"""Order numbers as customers type them reach the order, at linking, in /orders and in free text."""

from __future__ import annotations

import pytest

from bot.domain.model import Order, OrderLine
from storage.store import SqlStore
from tests.e2e import shop
from tests.e2e.conftest import Users


async def add_shopify_order(store: SqlStore) -> None:
    """Bob's second order, imported under Shopify's order name "#4004"."""
    line = OrderLine("#4004", 1, "LAMP", 1, 2999)
    order = Order("#4004", shop.BOB.customer_id, shop.NOW, "EUR", shop.LAMP_SHIPS, lines=(line,))
    await shop.add_order(store, shop.BOB, order)


@pytest.mark.parametrize("typed", ["4004", "#4004", "order #4004", "Order 4004.", "４００４"])
async def test_a_shopify_order_links_however_its_number_is_typed_and_keeps_its_name(
    users: Users, store: SqlStore, typed: str
) -> None:
    await add_shopify_order(store)
    bob = await users.create(801, "Bob", language_code="en")
    await bob.say("/start")
    (ask_email,) = await bob.say(typed)
    assert "email address or phone number" in ask_email["text"]
    welcome, orders = await bob.say("bob@example.com", replies=2)
    assert "Bob" in welcome["text"]
    labels = [button["text"] for row in orders["buttons"] for button in row]
    assert any(label.startswith("Order #4004") for label in labels)
    assert await store.linked_customer(801) == "C-BOB"
    assert await store.link_failures_since(801, shop.NOW) == 0


@pytest.mark.parametrize("typed", ["order 2002", "2002.", "Nr. 2002", "２００２", "№2002"])
async def test_a_plain_order_number_in_a_phrase_links_at_the_first_try(
    users: Users, store: SqlStore, typed: str
) -> None:
    bob = await users.create(802, "Bob", language_code="en")
    await bob.say("/start")
    await bob.say(typed)
    await bob.say("bob@example.com", replies=2)
    assert await store.linked_customer(802) == "C-BOB"
    assert await store.link_failures_since(802, shop.NOW) == 0


async def test_messages_without_digits_at_the_order_step_use_up_no_attempt(
    users: Users, store: SqlStore
) -> None:
    bob = await users.create(803, "Bob", language_code="en")
    await bob.say("/start")
    for typed in ("where is my order?", "hello", "my order", "Nr.", "#", "help me"):
        (hint,) = await bob.say(typed)
        assert "digits" in hint["text"] and "order number" in hint["text"]
    assert await store.link_failures_since(803, shop.NOW) == 0
    await bob.say("2002")
    welcome, _ = await bob.say("bob@example.com", replies=2)
    assert "Bob" in welcome["text"]
    assert await store.linked_customer(803) == "C-BOB"


async def test_a_linked_chat_reaches_a_shopify_order_by_its_bare_number(
    users: Users, store: SqlStore
) -> None:
    await add_shopify_order(store)
    bob = await users.create(804, "Bob", language_code="en")
    await bob.say("/start")
    await bob.say("2002")
    await bob.say("bob@example.com", replies=2)
    (by_command,) = await bob.say("/orders 4004")
    (by_text,) = await bob.say("order #4004")
    (by_number,) = await bob.say("４００４")
    for reply in (by_command, by_text, by_number):
        assert "Order #4004" in reply["text"] and "Desk lamp" in reply["text"]
    (others,) = await bob.say("/orders 1001")
    (missing,) = await bob.say("/orders 9999")
    assert others["text"] == missing["text"]
    assert "Desk lamp" not in others["text"]
