"""The customer's language everywhere: the chat's choice wins, free text in any shipped language,
dates and money in the customer's own locale (DESIGN §7)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.dates import format_date
from babel.numbers import format_currency

from bot.domain.model import Customer, Order, OrderLine
from bot.services.handles import order_handle
from storage.store import SqlStore
from tests.e2e import shop
from tests.e2e.conftest import User, Users


async def link_bob(users: Users, chat_id: int) -> User:
    """Bob (orders in English) linked by order number and email."""
    bob = await users.create(chat_id, "Bob", language_code="en")
    await bob.say("/start")
    await bob.say("2002")
    await bob.say("bob@example.com", replies=2)
    return bob


async def test_english_chosen_in_the_chat_stays_after_linking_to_a_french_customer(
    users: Users, store: SqlStore
) -> None:
    chair = OrderLine("7007", 1, "CHAIR", 1, 1000)
    marie = Customer("C-MARIE", "Marie", email="marie@example.fr", language="fr")
    await shop.add_order(
        store, marie, Order("7007", "C-MARIE", shop.NOW, "EUR", shop.CHAIR_SHIPS, lines=(chair,))
    )
    user = await users.create(901, "Marie", language_code="fr")
    await user.say("/language")
    await user.tap("English")
    await user.say("/start")
    await user.say("7007")
    welcome, orders = await user.say("marie@example.fr", replies=2)
    assert "This chat is now linked to your orders" in welcome["text"]
    assert "open order" in orders["text"]
    detail = await user.tap("7007")
    assert "Dec 15, 2026" in detail["text"]
    customer = await store.get_customer("C-MARIE")
    assert customer is not None and customer.language == "en"


@pytest.mark.parametrize(
    "message", ["wo ist meine Bestellung?", "где мой заказ", "donde esta mi pedido"]
)
async def test_an_english_chat_understands_where_is_my_order_in_every_shipped_language(
    users: Users, message: str
) -> None:
    bob = await link_bob(users, 902)
    (reply,) = await bob.say(message)
    assert "You have 1 open order" in reply["text"]
    data = [b["callback_data"] for row in reply["buttons"] for b in row]
    assert data == ["o:" + order_handle("2002")]


@pytest.mark.parametrize(("language", "locale"), [("pt-BR", "pt_BR"), ("ja", "ja"), ("ar", "ar")])
async def test_a_customer_whose_language_is_not_shipped_gets_their_own_dates_and_money(
    users: Users, store: SqlStore, language: str, locale: str
) -> None:
    chair = OrderLine("8008", 1, "CHAIR", 1, 123456)
    customer = Customer("C-INTL", "Ana", email="ana@example.com", language=language)
    await shop.add_order(
        store, customer, Order("8008", "C-INTL", shop.NOW, "EUR", shop.CHAIR_SHIPS, lines=(chair,))
    )
    ana = await users.create(903, "Ana", language_code=None)
    await ana.say("/start")
    await ana.say("8008")
    await ana.say("ana@example.com", replies=2)
    detail = await ana.tap("8008")
    assert "Estimated ship date" in detail["text"]  # text in English: the language is not shipped
    assert format_date(shop.CHAIR_SHIPS, "medium", locale=locale) in detail["text"]
    assert "Dec 15, 2026" not in detail["text"]
    question = await ana.tap("Cancel order")
    assert format_currency(Decimal("1234.56"), "EUR", locale=locale) in question["text"]
