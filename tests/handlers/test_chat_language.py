"""Which language a chat is answered in (DESIGN §7)."""

from __future__ import annotations

from bot.context import Services, chat_language
from tests.handlers.conftest import NOW

CHAT = 7


async def test_an_unknown_chat_is_answered_in_telegrams_language(services: Services) -> None:
    assert await chat_language(services, CHAT, "fr-CA") == "fr"


async def test_an_unsupported_telegram_language_falls_back_to_the_default(
    services: Services,
) -> None:
    assert await chat_language(services, CHAT, "pt-BR") == "en"
    assert await chat_language(services, CHAT, None) == "en"


async def test_a_chats_own_choice_beats_telegrams_language(services: Services) -> None:
    await services.store.set_chat_language(CHAT, "ru", actor="test", at=NOW)
    assert await chat_language(services, CHAT, "fr") == "ru"


async def test_a_linked_chat_speaks_the_language_of_the_customers_orders(
    services: Services,
) -> None:
    await services.store.link_chat(CHAT, "C-1", via="contact", actor="test", at=NOW)
    assert await chat_language(services, CHAT, "fr") == "es"


async def test_a_choice_made_in_the_chat_beats_the_language_of_the_customers_orders(
    services: Services,
) -> None:
    await services.store.set_chat_language(CHAT, "ru", actor="test", at=NOW)
    await services.store.link_chat(CHAT, "C-1", via="contact", actor="test", at=NOW)
    assert await chat_language(services, CHAT, "fr") == "ru"


async def test_the_customers_own_choice_beats_the_orders_language(services: Services) -> None:
    await services.store.link_chat(CHAT, "C-1", via="contact", actor="test", at=NOW)
    await services.store.set_customer_language("C-1", "de", actor="test", at=NOW)
    assert await chat_language(services, CHAT, "fr") == "de"
