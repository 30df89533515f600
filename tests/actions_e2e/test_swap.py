"""A customer swaps a waiting item for one that ships sooner, accepting any higher price."""

from __future__ import annotations

from bot.domain.model import LineStatus
from bot.services.handles import order_handle, product_handle
from storage.store import SqlStore
from tests.actions_e2e.chat import buttons, data_starting, text
from tests.actions_e2e.conftest import Linker


async def lines(store: SqlStore, order_id: str) -> list[tuple[int, str, LineStatus]]:
    """(line_no, sku, status) of every line of an order."""
    order = await store.get_order(order_id)
    assert order is not None
    return [(line.line_no, line.sku, line.status) for line in order.lines]


async def test_offers_show_each_alternative_with_its_price_difference_and_date_in_french(
    linked: Linker,
) -> None:
    francois = await linked("francois", "C-FRANCOIS")
    await francois.say("/orders 5005")
    offers = await francois.tap_data(f"aa:{order_handle('5005')}:2")
    shown = text(offers)
    assert "Mesh chair" in shown and "+4,00 €" in shown
    assert "Wooden chair" in shown and "−10,00 €" in shown
    # In stock today: ships the next business day, 3 Dec; the chair itself waits for 15 Dec.
    assert "3 déc. 2026" in shown and "15 déc. 2026" in shown
    # Both ship on the same day; the closer price comes first.
    assert data_starting(offers, "ap:") == [
        f"ap:{order_handle('5005')}:2:{product_handle('CHAIR-MESH')}",
        f"ap:{order_handle('5005')}:2:{product_handle('CHAIR-WOOD')}",
    ]


async def test_a_dearer_alternative_must_be_accepted_explicitly_then_replaces_the_line(
    linked: Linker, store: SqlStore
) -> None:
    bob = await linked("bob", "C-BOB")
    await bob.say("/orders 2002")
    offers = await bob.tap("Alternatives to Office chair")
    question = await bob.tap("Wooden chair")
    assert "Swap Office chair for Wooden chair?" in text(question)
    assert "€129.00 more" in text(question)
    (accept,) = data_starting(question, "ay:")
    assert "I accept the extra €129.00" in buttons(question)
    assert offers is not None

    head, _, product = accept.rpartition(":")
    unaccepted = f"{head.removesuffix(':1')}:0:{product}"
    refused = await bob.tap_data(unaccepted)
    assert "accept the higher price" in text(refused)
    assert await lines(store, "2002") == [(1, "CHAIR", LineStatus.OPEN)]

    done = await bob.tap_data(accept)
    assert "Swapped" in text(done)
    assert await lines(store, "2002") == [
        (1, "CHAIR", LineStatus.CANCELLED),
        (2, "CHAIR-WOOD", LineStatus.OPEN),
    ]
    assert [event.type for event in await store.events_after(0, limit=1000)] == ["line.swapped"]
    assert await store.refunds(["2002"]) == []


async def test_a_cheaper_alternative_shows_the_refund_and_records_it_in_french(
    linked: Linker, store: SqlStore
) -> None:
    francois = await linked("francois", "C-FRANCOIS")
    await francois.say("/orders 5005")
    await francois.tap_data(f"aa:{order_handle('5005')}:2")
    question = await francois.tap("Wooden chair")
    assert "10,00 €" in text(question)
    (confirm,) = data_starting(question, "ay:")
    done = await francois.tap_data(confirm)
    assert "10,00 €" in text(done)
    (refund,) = await store.refunds(["5005"])
    assert (refund.amount_minor, refund.reason) == (1000, "swap_price_decrease")
    again = await francois.tap_data(confirm)
    assert "Swapped" not in text(again)
    assert len(await store.refunds(["5005"])) == 1


async def test_without_a_sooner_alternative_the_customer_may_cancel_or_keep_waiting_in_german(
    linked: Linker,
) -> None:
    alice = await linked("alice", "C-ALICE")
    await alice.say("/orders 1001")
    none = await alice.tap_data(f"aa:{order_handle('1001')}:4")
    assert "Corner sofa" in text(none) and "keine Alternative" in text(none)
    assert sorted(buttons(none).values()) == [
        f"ca:{order_handle('1001')}:4",
        f"o:{order_handle('1001')}",
    ]


async def test_a_forged_swap_for_another_customers_order_changes_nothing(
    linked: Linker, store: SqlStore
) -> None:
    bob = await linked("bob", "C-BOB")
    await bob.say("/orders")
    for forged in (
        f"aa:{order_handle('5005')}:2",
        f"ap:{order_handle('5005')}:2:{product_handle('CHAIR-WOOD')}",
        f"ay:{order_handle('5005')}:2:0:0:{product_handle('CHAIR-WOOD')}",
        f"ay:{order_handle('5005')}",
    ):
        answer = await bob.press_data(forged)
        assert answer["callback_answer_text"] == "Sorry, that order is not available in this chat."
    assert await lines(store, "5005") == [
        (1, "LAMP", LineStatus.OPEN),
        (2, "CHAIR", LineStatus.OPEN),
    ]
    assert await store.refunds(["5005"]) == []
    assert await store.events_after(0, limit=1000) == []


async def test_a_swap_confirmed_after_the_order_changed_shows_the_order_as_it_stands_now(
    linked: Linker, store: SqlStore
) -> None:
    francois = await linked("francois", "C-FRANCOIS")
    await francois.say("/orders 5005")
    await francois.tap_data(f"aa:{order_handle('5005')}:2")
    question = await francois.tap("Mesh chair")
    (stale,) = data_starting(question, "ay:")
    await francois.say("/orders 5005")
    cancel_lamp = await francois.tap_data(f"ca:{order_handle('5005')}:1")
    (yes,) = data_starting(cancel_lamp, "cy:")
    await francois.tap_data(yes)

    changed = await francois.tap_data(stale)
    assert "Commande 5005" in text(changed)
    assert "Swapped" not in text(changed)
    assert await lines(store, "5005") == [
        (1, "LAMP", LineStatus.CANCELLED),
        (2, "CHAIR", LineStatus.OPEN),
    ]


async def test_alternatives_are_offered_only_for_items_that_have_some(linked: Linker) -> None:
    alice = await linked("alice", "C-ALICE")

    (order,) = await alice.say("/orders 1001")

    handle = order_handle("1001")
    # The chair has a curated alternative, the desk one in its category; the sofa has none.
    assert data_starting(order, "aa:") == [f"aa:{handle}:2", f"aa:{handle}:3"]
    assert f"ca:{handle}:4" in data_starting(order, "ca:")
