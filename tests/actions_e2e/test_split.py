"""A customer ships the ready part of an order now, or asks for one complete delivery."""

from __future__ import annotations

from bot.services.handles import order_handle
from storage.store import SqlStore
from tests.actions_e2e.chat import buttons, data_starting, text
from tests.actions_e2e.conftest import Linker


async def test_the_split_screen_shows_what_ships_now_and_what_follows_with_its_date_in_russian(
    linked: Linker, store: SqlStore
) -> None:
    olga = await linked("olga", "C-OLGA")
    await olga.say("/orders 6006")
    question = await olga.tap_data(f"sa:{order_handle('6006')}")
    shown = text(question)
    now, later = shown.split("Desk lamp × 2")[1], shown.split("Desk lamp × 2")[0]
    assert "Standing desk × 1" in now and "24 дек. 2026" in now
    assert "6006" in later
    (confirm,) = data_starting(question, "sy:")
    done = await olga.tap_data(confirm)
    assert "✅" in text(done)
    state = await store.order_state("6006")
    assert state is not None and not state.ship_complete
    assert [line.ship_now for line in state.lines] == [True, False]
    assert [event.type for event in await store.events_after(0, limit=1000)] == ["order.split"]


async def test_after_a_split_the_order_shows_the_ready_part_shipping_now_and_no_second_split(
    linked: Linker,
) -> None:
    olga = await linked("olga", "C-OLGA")
    await olga.say("/orders 6006")
    question = await olga.tap_data(f"sa:{order_handle('6006')}")
    (confirm,) = data_starting(question, "sy:")
    done = text(await olga.tap_data(confirm))
    lamp = done.split("Desk lamp × 2")[1].split("Standing desk")[0]
    assert "Отправляем сейчас" in lamp
    assert "Готовые товары отправляем сейчас; остальное — ориентировочно 24 дек. 2026" in done

    (shown,) = await olga.say("/orders 6006")
    assert "Отправляем сейчас" in text(shown)
    assert data_starting(shown, "sa:") == []
    assert data_starting(shown, f"ca:{order_handle('6006')}")


async def test_a_customer_who_prefers_one_delivery_has_it_stored_on_the_order_in_german(
    linked: Linker, store: SqlStore
) -> None:
    alice = await linked("alice", "C-ALICE")
    await alice.say("/orders 1001")
    screen = await alice.tap_data(f"sa:{order_handle('1001')}")
    (confirm,) = data_starting(screen, "sy:")
    (one_delivery,) = data_starting(screen, "sc:")
    one_delivery_label = next(k for k, v in buttons(screen).items() if v == one_delivery)
    assert one_delivery_label != "I prefer one complete delivery"
    await alice.tap_data(confirm)
    state = await store.order_state("1001")
    assert state is not None and not state.ship_complete

    # The same screen, still open on a second device.
    stored = await alice.tap_data(one_delivery)
    assert "Bestellung 1001" in text(stored) and "All right" not in text(stored)
    state = await store.order_state("1001")
    assert state is not None and state.ship_complete


async def test_an_order_with_nothing_ready_says_so_and_changes_nothing(
    linked: Linker, store: SqlStore
) -> None:
    bob = await linked("bob", "C-BOB")
    await bob.say("/orders 2002")
    refused = await bob.tap_data(f"sa:{order_handle('2002')}")
    assert "Nothing in this order is ready to ship yet" in text(refused)
    assert await store.events_after(0, limit=1000) == []


async def test_a_forged_split_for_another_customers_order_changes_nothing(
    linked: Linker, store: SqlStore
) -> None:
    bob = await linked("bob", "C-BOB")
    await bob.say("/orders")
    for forged in (
        f"sa:{order_handle('6006')}",
        f"sy:{order_handle('6006')}:0",
        f"sc:{order_handle('6006')}",
        f"sy:{order_handle('6006')}",
    ):
        answer = await bob.press_data(forged)
        assert answer["callback_answer_text"] == "Sorry, that order is not available in this chat."
    state = await store.order_state("6006")
    assert state is not None and state.ship_complete
    assert not any(line.ship_now for line in state.lines)
    assert await store.events_after(0, limit=1000) == []
