"""A customer cancels an item or a whole order: confirm with the refund shown, done once."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from bot.domain.model import LineStatus
from bot.services.handles import order_handle
from storage.store import SqlStore
from tests.actions_e2e.chat import buttons, data_starting, text
from tests.actions_e2e.conftest import Linker


async def line_status(store: SqlStore, order_id: str, line_no: int) -> LineStatus:
    """The stored status of one order line."""
    order = await store.get_order(order_id)
    assert order is not None
    return next(line.status for line in order.lines if line.line_no == line_no)


async def test_cancelling_an_item_shows_the_refund_and_its_date_before_anything_changes(
    linked: Linker, store: SqlStore
) -> None:
    bob = await linked("bob", "C-BOB")
    await bob.say("/orders")
    order = await bob.tap("2002")
    assert buttons(order)["Cancel Office chair"] == f"ca:{order_handle('2002')}:1"
    question = await bob.tap("Cancel Office chair")
    assert "Cancel this item of order 2002?" in text(question)
    assert "Office chair × 1" in text(question)
    assert "€10.00" in text(question) and "Dec 16, 2026" in text(question)
    assert set(buttons(question)) == {"Yes, cancel", "No, keep it"}
    assert await line_status(store, "2002", 1) == LineStatus.OPEN
    assert await store.refunds(["2002"]) == []

    done = await bob.tap("Yes, cancel")
    assert "Cancelled. We will refund €10.00 by Dec 16, 2026" in text(done)
    assert await line_status(store, "2002", 1) == LineStatus.CANCELLED
    (refund,) = await store.refunds(["2002"])
    assert (refund.amount_minor, refund.status) == (1000, "due")


async def test_a_german_customer_cancels_the_whole_order_in_german(
    linked: Linker, store: SqlStore
) -> None:
    alice = await linked("alice", "C-ALICE")
    await alice.say("/orders")
    order = await alice.tap("1001")
    assert f"ca:{order_handle('1001')}" in buttons(order).values()
    question = await alice.tap_data(f"ca:{order_handle('1001')}")
    assert "Bestellung 1001 stornieren?" in text(question)
    # Lamp, two chairs, desk and sofa at 10 € each; due 14 days from 2 Dec.
    assert "50,00 €" in text(question) and "16.12.2026" in text(question)
    done = await alice.tap("Ja, stornieren")
    assert "50,00 €" in text(done)
    order_after = await store.get_order("1001")
    assert order_after is not None
    assert {line.status for line in order_after.lines} == {LineStatus.CANCELLED}
    assert not data_starting(done, "ca:")


async def test_no_keep_it_changes_nothing_and_shows_the_order_again(
    linked: Linker, store: SqlStore
) -> None:
    bob = await linked("bob", "C-BOB")
    await bob.say("/orders 2002")
    await bob.tap("Cancel order")
    back = await bob.tap("No, keep it")
    assert "<b>Order 2002</b>" in text(back) or "Order 2002" in text(back)
    assert await line_status(store, "2002", 1) == LineStatus.OPEN
    assert await store.refunds(["2002"]) == []


async def test_a_double_tap_on_yes_cancels_once_and_the_second_tap_hears_already_done(
    linked: Linker, store: SqlStore
) -> None:
    bob = await linked("bob", "C-BOB")
    await bob.say("/orders 2002")
    question = await bob.tap("Cancel order")
    (confirm_data,) = data_starting(question, "cy:")
    after = await bob.client.last_seq(7002)
    await asyncio.gather(
        bob.client.press(7002, data=confirm_data), bob.client.press(7002, data=confirm_data)
    )
    replies = await bob.client.wait_for(7002, after=after, count=2)
    texts = [text(reply) for reply in replies]
    assert sum("✅ Cancelled. We will refund" in text for text in texts) == 1
    assert sum("already cancelled. We will refund" in text for text in texts) == 1
    assert len(await store.refunds(["2002"])) == 1
    events = await store.events_after(0, limit=1000)
    cancelled = [event for event in events if event.type == "line.cancelled"]
    assert len(cancelled) == 1


async def test_two_chats_of_one_customer_confirming_together_give_one_cancellation(
    linked: Linker, store: SqlStore
) -> None:
    phone = await linked("bob", "C-BOB")
    laptop = await linked("carmen", "C-BOB")
    screens = []
    for user, chat_id in ((phone, 7002), (laptop, 7003)):
        await user.say("/orders 2002")
        question = await user.tap("Cancel order")
        screens.append((user, chat_id, data_starting(question, "cy:")[0]))
    cursors = [await user.client.last_seq(chat_id) for user, chat_id, _ in screens]
    await asyncio.gather(
        *(user.client.press(chat_id, data=data) for user, chat_id, data in screens)
    )
    texts = [
        text((await user.client.wait_for(chat_id, after=cursor))[-1])
        for (user, chat_id, _), cursor in zip(screens, cursors, strict=True)
    ]
    assert sum("✅ Cancelled. We will refund" in text for text in texts) == 1
    assert sum("already cancelled. We will refund" in text for text in texts) == 1
    assert len(await store.refunds(["2002"])) == 1


async def test_a_stale_confirm_button_shows_the_order_as_it_stands_now(
    linked: Linker, store: SqlStore
) -> None:
    alice = await linked("alice", "C-ALICE", language_code="en")
    await alice.say("/orders 1001")
    whole = await alice.tap_data(f"ca:{order_handle('1001')}")
    (stale,) = data_starting(whole, "cy:")
    await alice.say("/orders 1001")
    await alice.tap_data(f"ca:{order_handle('1001')}:3")
    await alice.tap("stornieren")
    assert await line_status(store, "1001", 3) == LineStatus.CANCELLED

    changed = await alice.tap_data(stale)
    assert "Diese Bestellung hat sich inzwischen geändert" in text(changed)
    assert "Bestellung 1001" in text(changed)
    assert await line_status(store, "1001", 2) == LineStatus.OPEN
    assert len(await store.refunds(["1001"])) == 1


async def test_a_forged_cancel_for_another_customers_order_changes_nothing(
    linked: Linker, store: SqlStore
) -> None:
    bob = await linked("bob", "C-BOB")
    await bob.say("/orders")
    events_before = await store.events_after(0, limit=1000)
    for forged in (
        f"ca:{order_handle('1001')}",
        f"ca:{order_handle('1001')}:2",
        f"cy:{order_handle('1001')}:*:0",
        f"cy:{order_handle('1001')}:2:0",
        f"cy:{order_handle('1001')}:2:99",
        "cy:x",
    ):
        answer = await bob.press_data(forged)
        assert answer["callback_answer_text"] == "Sorry, that order is not available in this chat."
    assert await line_status(store, "1001", 2) == LineStatus.OPEN
    assert await store.refunds(["1001"]) == []
    assert await store.events_after(0, limit=1000) == events_before


async def test_a_shipped_line_cannot_be_cancelled_and_the_customer_is_told_why(
    linked: Linker, store: SqlStore
) -> None:
    order = await store.get_order("6006")
    customer = await store.get_customer("C-OLGA")
    assert order is not None and customer is not None
    lamp_shipped = replace(order.lines[0], status=LineStatus.SHIPPED)
    shipped = replace(order, lines=(lamp_shipped, *order.lines[1:]))
    await store.upsert_orders([customer], [shipped], actor="test", at=order.placed_at)
    olga = await linked("olga", "C-OLGA")
    await olga.say("/orders 6006")
    refused = await olga.tap_data(f"ca:{order_handle('6006')}:1")
    assert "уже отправлен" in text(refused)
    assert await line_status(store, "6006", 1) == LineStatus.SHIPPED
    assert await store.refunds(["6006"]) == []
