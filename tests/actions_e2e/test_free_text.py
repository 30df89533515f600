"""Typed messages in the customer's language lead to the right flow; nothing goes unanswered."""

from __future__ import annotations

from bot.domain.model import LineStatus
from bot.services.handles import order_handle
from storage.store import SqlStore
from tests.actions_e2e.chat import buttons, data_starting, text
from tests.actions_e2e.conftest import Linker
from tests.e2e.conftest import Users


async def test_typing_cancel_order_and_its_number_opens_the_cancel_confirmation(
    linked: Linker, store: SqlStore
) -> None:
    bob = await linked("bob", "C-BOB")
    (question,) = await bob.say("cancel order 2002")
    assert "Cancel order 2002?" in text(question) and "€10.00" in text(question)
    await bob.tap("Yes, cancel")
    order = await store.get_order("2002")
    assert order is not None and order.lines[0].status == LineStatus.CANCELLED


async def test_asking_where_the_order_is_in_german_lists_the_orders(linked: Linker) -> None:
    alice = await linked("alice", "C-ALICE")
    (reply,) = await alice.say("Wo ist meine Bestellung?")
    assert "offene Bestellung" in text(reply)
    assert data_starting(reply, "o:") == [f"o:{order_handle('1001')}"]


async def test_asking_when_an_order_arrives_in_spanish_shows_that_order(linked: Linker) -> None:
    carmen = await linked("carmen", "C-CARMEN")
    (reply,) = await carmen.say("¿Cuándo llega el 3003?")
    assert "Pedido 3003" in text(reply) and "Office chair" in text(reply)
    assert f"ca:{order_handle('3003')}" in buttons(reply).values()
    (bare,) = await carmen.say("3003")
    assert text(bare) == text(reply)


async def test_typing_another_customers_order_number_reveals_nothing_in_russian(
    linked: Linker, store: SqlStore
) -> None:
    olga = await linked("olga", "C-OLGA")
    (someone_elses,) = await olga.say("отменить заказ 1001")
    (missing,) = await olga.say("отменить заказ 9999")
    (shown,) = await olga.say("1001")
    assert text(someone_elses) == text(missing) == text(shown)
    assert "Desk lamp" not in text(someone_elses)
    assert await store.refunds(["1001"]) == []


async def test_a_message_in_french_that_is_not_understood_gets_help_with_buttons(
    linked: Linker,
) -> None:
    francois = await linked("francois", "C-FRANCOIS")
    (reply,) = await francois.say("Il fait beau aujourd'hui")
    assert "/help" in text(reply)
    assert "orders" in buttons(reply).values()


async def test_an_unlinked_chat_asking_for_its_order_is_asked_to_link_first(users: Users) -> None:
    eve = await users.create(7009, "Eve", language_code="en")
    (reply,) = await eve.say("where is my order 1001")
    assert "link this chat" in text(reply)
    assert "Desk lamp" not in text(reply)


async def test_cancelling_in_german_from_an_english_chat_offers_to_cancel(
    linked: Linker, store: SqlStore
) -> None:
    bob = await linked("bob", "C-BOB")
    (question,) = await bob.say("Bestellung stornieren 2002")
    assert "Cancel order 2002?" in text(question)
    assert set(buttons(question)) == {"Yes, cancel", "No, keep it"}
    order = await store.get_order("2002")
    assert order is not None and order.lines[0].status == LineStatus.OPEN


async def test_gibberish_with_a_number_gets_the_help_with_buttons(linked: Linker) -> None:
    bob = await linked("bob", "C-BOB")
    (reply,) = await bob.say("asdkjh qwe 123")
    assert "Sorry, I didn't understand that" in text(reply)
    assert set(buttons(reply)) == {"My orders", "Language", "Help"}


async def test_a_russian_confirmation_ends_its_date_with_a_single_full_stop(
    linked: Linker,
) -> None:
    olga = await linked("olga", "C-OLGA")
    (question,) = await olga.say("отменить заказ 6006")
    assert "г." in text(question)
    assert ".." not in text(question)
    done = await olga.tap("Да, отменить")
    assert "г." in text(done) and ".." not in text(done)
