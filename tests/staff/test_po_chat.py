"""Staff change a purchase order from the chat; customers hear of it in their own languages."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from bot.domain.model import Jurisdiction
from bot.sandbox.client import SandboxClient
from storage.store import SqlStore
from tests.notices import shop
from tests.notices.conftest import make_users
from tests.sql import fetch_all
from tests.staff.conftest import STAFF_ID

BUYERS = [
    shop.Buyer(801),
    shop.Buyer(802, language="de", jurisdiction=Jurisdiction.EU),
    shop.Buyer(803, language="fr"),
]


def plain(text: str) -> str:
    """Text with the no-break spaces of dates and numbers as plain spaces."""
    return text.replace("\xa0", " ").replace("\u202f", " ")


def data(event: dict[str, Any], prefix: str) -> str:
    """The callback data of the button whose data starts with `prefix`."""
    (found,) = [
        str(b["callback_data"])
        for row in event["buttons"]
        for b in row
        if str(b.get("callback_data")).startswith(prefix)
    ]
    return found


async def say(client: SandboxClient, chat_id: int, text: str, count: int = 1) -> list[Any]:
    after = await client.last_seq(chat_id)
    await client.send_text(chat_id, text)
    return await client.wait_for(chat_id, after=after, count=count, timeout=15)


async def press(client: SandboxClient, chat_id: int, payload: str) -> dict[str, Any]:
    after = await client.last_seq(chat_id)
    await client.press(chat_id, data=payload)
    events = await client.wait_for(chat_id, after=after, count=1, timeout=15)
    return events[-1]


async def staff_actions(store: SqlStore) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(action, before, after) of the audit rows written by the staff member."""
    return [
        (entry.action, json.loads(entry.before or "{}"), json.loads(entry.after or "{}"))
        for entry in await store.audit_entries()
        if entry.actor == f"staff:{STAFF_ID}"
    ]


async def notices_of(client: SandboxClient, buyers: list[shop.Buyer]) -> dict[int, str]:
    """The first message each buyer's chat received."""
    return {
        buyer.chat_id: plain(
            (await client.wait_for(buyer.chat_id, after=0, count=1, timeout=15))[0]["text"]
        )
        for buyer in buyers
    }


async def test_staff_move_a_po_by_typing_a_german_date_and_customers_get_delay_notices(
    store: SqlStore, client: SandboxClient, run_bot: Any
) -> None:
    await shop.seed(store, BUYERS)
    await make_users(client, BUYERS)
    await client.create_user(STAFF_ID, "Stefan", language_code="de")
    async with run_bot():
        (screen,) = await say(client, STAFF_ID, "/po PO-1")
        assert "PO-1" in screen["text"] and "CHAIR" in screen["text"]
        asked = await press(client, STAFF_ID, data(screen, "sp:m:"))
        assert asked["kind"] == "bot_edit" and asked["message_id"] == screen["message_id"]
        after = await client.last_seq(STAFF_ID)
        await client.send_text(STAFF_ID, "28.12.2026")
        (edited,) = await client.wait_for(STAFF_ID, after=after, count=1, timeout=15)
        received = await notices_of(client, BUYERS)
    assert edited["kind"] == "bot_edit" and edited["message_id"] == screen["message_id"]
    summary = plain(edited["text"])
    assert "28.12.2026" in summary
    assert "PO-1" in summary and "3" in summary
    assert "Order O-801 is delayed" in received[801]
    assert "Bestellung O-802 verzögert sich" in received[802]
    assert "La commande O-803 est retardée" in received[803]
    ((action, before, after_),) = await staff_actions(store)
    assert action == "purchase_order.move_date"
    assert (before["expected_date"], after_["expected_date"]) == ("2026-12-14", "2026-12-28")


async def test_a_quick_pick_moves_the_po_two_weeks_and_the_bots_own_sweep_queues_nothing_twice(
    store: SqlStore, client: SandboxClient, run_bot: Any
) -> None:
    await shop.seed(store, BUYERS)
    await make_users(client, BUYERS)
    await client.create_user(STAFF_ID, "Sam", language_code="en")
    async with run_bot():
        (screen,) = await say(client, STAFF_ID, "/po PO-1")
        asked = await press(client, STAFF_ID, data(screen, "sp:m:"))
        edited = await press(client, STAFF_ID, data(asked, "sp:w2:"))
        await notices_of(client, BUYERS)
        # Several ticks of the bot's own sweep job later, nothing is queued again.
        await asyncio.sleep(2.5)
        rows = await fetch_all(store, "SELECT chat_id FROM outbox")
    summary = plain(edited["text"])
    assert "Dec 28, 2026" in summary
    assert "3 customers, 3 orders later" in summary
    assert "3 delay notices queued" in summary
    assert sorted(row[0] for row in rows) == [801, 802, 803]


async def test_a_partial_then_full_receipt_makes_the_orders_ready_and_tells_the_customers(
    store: SqlStore, client: SandboxClient, run_bot: Any
) -> None:
    await shop.seed(store, BUYERS)
    await make_users(client, BUYERS)
    await client.create_user(STAFF_ID, "Sam", language_code="en")
    async with run_bot():
        (screen,) = await say(client, STAFF_ID, "/po PO-1")
        asked = await press(client, STAFF_ID, data(screen, "sp:r:"))
        assert "at most 10,000" in plain(asked["text"])
        (refused,) = await say(client, STAFF_ID, "20000")
        (partial,) = await say(client, STAFF_ID, "2")
        received = await notices_of(client, BUYERS[:2])
    assert "more than ordered" in refused["text"]
    text = plain(partial["text"])
    assert "PO-1: 2 units received (2 of 10,000)" in text
    assert "2 ready-to-ship notices queued" in text
    assert "is in stock" in received[801]
    assert [a for a, _, _ in await staff_actions(store)] == [
        "purchase_order.receipt",
        "product.receipt",
    ]


async def test_cancel_asks_first_and_then_cancels_the_po(
    store: SqlStore, client: SandboxClient, run_bot: Any
) -> None:
    await shop.seed(store, BUYERS)
    await make_users(client, BUYERS)
    await client.create_user(STAFF_ID, "Sam", language_code="en")
    async with run_bot():
        (screen,) = await say(client, STAFF_ID, "/po PO-1")
        asked = await press(client, STAFF_ID, data(screen, "sp:c:"))
        assert "Cancel purchase order PO-1? 3 lines wait on it" in asked["text"]
        assert await staff_actions(store) == []
        done = await press(client, STAFF_ID, data(asked, "sp:cy:"))
        received = await notices_of(client, BUYERS)
    assert "PO-1 cancelled" in done["text"] and done["buttons"] == []
    assert "to come" not in done["text"]
    assert "Ordered 10,000 · received 0" in plain(done["text"])
    assert "Order O-801 is delayed" in received[801]
    assert [a for a, _, _ in await staff_actions(store)] == ["purchase_order.cancel"]


async def test_stock_set_in_the_chat_makes_orders_ready(
    store: SqlStore, client: SandboxClient, run_bot: Any
) -> None:
    await shop.seed(store, BUYERS)
    await make_users(client, BUYERS)
    await client.create_user(STAFF_ID, "Sam", language_code="en")
    async with run_bot():
        (screen,) = await say(client, STAFF_ID, "/stock CHAIR")
        assert "On hand: 0" in screen["text"]
        asked = await press(client, STAFF_ID, data(screen, "ss:s:"))
        assert "Type the units on hand now." in asked["text"]
        after = await client.last_seq(STAFF_ID)
        await client.send_text(STAFF_ID, "3")
        (edited,) = await client.wait_for(STAFF_ID, after=after, count=1, timeout=15)
        received = await notices_of(client, BUYERS)
    assert "CHAIR: on hand set to 3 (was 0)" in edited["text"]
    assert "3 ready-to-ship notices queued" in edited["text"]
    assert "la commande O-803 est en stock" in received[803]
    assert [a for a, _, _ in await staff_actions(store)] == ["product.on_hand"]


async def test_find_shows_the_order_its_customer_and_the_notices_sent(
    store: SqlStore, client: SandboxClient, run_bot: Any
) -> None:
    await shop.seed(store, BUYERS)
    await make_users(client, BUYERS)
    await client.create_user(STAFF_ID, "Sam", language_code="en")
    async with run_bot():
        await say(client, STAFF_ID, "/stock CHAIR 3")
        await notices_of(client, BUYERS)
        (found,) = await say(client, STAFF_ID, "/find O-802")
    text = plain(found["text"])
    assert "Order O-802" in text and "Buyer 802 (C-802)" in text
    assert "Linked to 1 chat" in text
    assert "Office chair" in text
    assert "ready to ship" in text


async def test_an_unreadable_or_past_date_is_refused_and_cancel_closes_the_question(
    store: SqlStore, client: SandboxClient, run_bot: Any
) -> None:
    await shop.seed(store, BUYERS)
    await make_users(client, BUYERS)
    await client.create_user(STAFF_ID, "Stefan", language_code="de")
    async with run_bot():
        (screen,) = await say(client, STAFF_ID, "/po PO-1")
        await press(client, STAFF_ID, data(screen, "sp:m:"))
        (unreadable,) = await say(client, STAFF_ID, "gestern")
        (past,) = await say(client, STAFF_ID, "01.11.2026")
        (closed,) = await say(client, STAFF_ID, "/cancel")
        # With the question closed, a date is ordinary text again.
        await say(client, STAFF_ID, "28.12.2026")
        po = (await store.get_purchase_orders(["PO-1"]))["PO-1"]
    assert "Dieses Datum kann ich nicht lesen" in unreadable["text"]
    assert "Dieses Datum liegt in der Vergangenheit. Es wurde nichts geändert." in past["text"]
    assert "nichts geändert" in closed["text"]
    assert po.expected_date == shop.PO_DUE
    assert await staff_actions(store) == []


async def test_a_purchase_order_or_sku_typed_in_lower_case_is_found_in_the_chat(
    store: SqlStore, client: SandboxClient, run_bot: Any
) -> None:
    await shop.seed(store, BUYERS)
    await client.create_user(STAFF_ID, "Sam", language_code="en")
    async with run_bot():
        (po_screen,) = await say(client, STAFF_ID, "/po po-1")
        (stock_screen,) = await say(client, STAFF_ID, "/stock chair")
    assert "Purchase order PO-1" in po_screen["text"]
    assert "(CHAIR)" in stock_screen["text"] and "On hand: 0" in stock_screen["text"]
