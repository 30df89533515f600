"""A delay notice arrives on its own, and its buttons keep or cancel the order in place."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bot import cli
from bot.domain.model import Jurisdiction
from bot.sandbox.client import SandboxClient
from bot.services.handles import order_handle
from storage.store import SqlStore
from tests.databases import use_database
from tests.notices import shop
from tests.notices.conftest import RunBot, bot_messages, make_users


def button_rows(event: dict[str, Any]) -> list[list[tuple[str, str]]]:
    """(label, callback data) of every button, row by row."""
    return [[(b["text"], str(b.get("callback_data"))) for b in row] for row in event["buttons"]]


async def press(client: SandboxClient, chat_id: int, label: str) -> dict[str, Any]:
    """Press a button and return the edit of the notice it causes."""
    after = await client.last_seq(chat_id)
    await client.press(chat_id, label=label)
    (edit,) = await client.wait_for(chat_id, after=after, count=1, timeout=15)
    return edit


async def test_a_slip_imported_by_the_command_line_reaches_the_customer_without_a_restart(
    store: SqlStore,
    client: SandboxClient,
    run_bot: RunBot,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dana = shop.Buyer(901)
    await shop.seed(store, [dana])
    await make_users(client, [dana])
    use_database(monkeypatch, database_url)
    monkeypatch.setenv("BACKORDER_NOW", shop.NOW.isoformat())
    async with run_bot():
        assert await bot_messages(client, dana.chat_id) == []
        slip = str(shop.slip_csv(tmp_path))
        # The command line runs with its own connection, as a second process would.
        assert await asyncio.to_thread(cli.main, ["import", "purchase-orders", slip]) == 0
        (notice,) = await client.wait_for(dana.chat_id, after=0, count=1, timeout=15)
    # Why: a legal notice measures the delay against the promise (Dec 18), not the estimate shown.
    assert "Order O-901 is delayed" in notice["text"]
    assert "Dec 18, 2026" in notice["text"] and "Dec 29, 2026" in notice["text"]
    assert "you don't need to reply: we'll keep your order for the new date" in notice["text"]
    assert "You can cancel at any time until the order ships." in notice["text"]
    order = await store.get_order(dana.order_id)
    assert order is not None
    version = (await store.order_state(dana.order_id)).version  # type: ignore[union-attr]
    assert button_rows(notice) == [
        [
            ("Keep waiting", f"dw:{order_handle('O-901')}:{version}"),
            ("Cancel for a full refund", f"dx:{order_handle('O-901')}:{version}"),
        ]
    ]


async def test_keep_waiting_records_consent_and_edits_the_notice_in_place(
    store: SqlStore, client: SandboxClient, run_bot: RunBot, tmp_path: Path
) -> None:
    dana = shop.Buyer(902)
    await shop.seed(store, [dana])
    await make_users(client, [dana])
    async with run_bot():
        await shop.import_slip(store, tmp_path)
        (notice,) = await client.wait_for(dana.chat_id, after=0, count=1, timeout=15)
        edit = await press(client, dana.chat_id, "Keep waiting")
        again = await client.transcript(dana.chat_id, after=edit["seq"])
    assert edit["kind"] == "bot_edit" and edit["message_id"] == notice["message_id"]
    assert "Order O-902 is delayed" in edit["text"]
    assert "Thank you: we keep order O-902 for you with the new date, Dec 29, 2026." in edit["text"]
    assert edit["buttons"] == []
    assert [e for e in again if e["kind"] == "bot_message"] == []
    audit = await store.audit_entries()
    assert any(entry.action == "notice.consent" for entry in audit)
    order = await store.get_order(dana.order_id)
    assert order is not None and order.lines[0].status == "open"


async def test_cancel_from_a_german_notice_cancels_with_a_refund_and_a_second_press_changes_nothing(
    store: SqlStore, client: SandboxClient, run_bot: RunBot, tmp_path: Path
) -> None:
    eva = shop.Buyer(903, language="de", jurisdiction=Jurisdiction.EU)
    await shop.seed(store, [eva])
    await make_users(client, [eva])
    async with run_bot():
        await shop.import_slip(store, tmp_path)
        (notice,) = await client.wait_for(eva.chat_id, after=0, count=1, timeout=15)
        assert "Bestellung O-903 verzögert sich" in notice["text"]
        assert "29.12.2026" in notice["text"]
        data = [data for row in button_rows(notice) for _, data in row]
        edit = await press(client, eva.chat_id, "Stornieren")
        after = await client.last_seq(eva.chat_id)
        await client.press(eva.chat_id, data=data[1])
        (second,) = await client.wait_for(eva.chat_id, after=after, count=1, timeout=15)
    assert "Bestellung O-903 ist storniert" in edit["text"]
    assert "149,00\xa0€" in edit["text"]
    assert edit["buttons"] == []
    assert "O-903" in second["text"]
    assert "ist storniert" in second["text"]
    order = await store.get_order(eva.order_id)
    assert order is not None and all(line.status == "cancelled" for line in order.lines)


async def test_another_customers_button_data_does_not_touch_their_order(
    store: SqlStore, client: SandboxClient, run_bot: RunBot, tmp_path: Path
) -> None:
    dana, mallory = shop.Buyer(904), shop.Buyer(905)
    await shop.seed(store, [dana, mallory])
    await make_users(client, [dana, mallory])
    async with run_bot():
        await shop.import_slip(store, tmp_path)
        await client.wait_for(mallory.chat_id, after=0, count=1, timeout=15)
        after = await client.last_seq(mallory.chat_id)
        await client.press(mallory.chat_id, data=f"dx:{order_handle(dana.order_id)}:1")
        answer = await _callback_answer(client, mallory.chat_id, after)
    assert "not available in this chat" in str(answer["callback_answer_text"])
    order = await store.get_order(dana.order_id)
    assert order is not None and order.lines[0].status == "open"


async def _callback_answer(client: SandboxClient, chat_id: int, after: int) -> dict[str, Any]:
    for _ in range(200):
        events = await client.transcript(chat_id, after=after)
        answers = [event for event in events if event["kind"] == "callback_answer"]
        if answers:
            return answers[-1]
        await asyncio.sleep(0.05)
    raise AssertionError("the bot never answered the button press")


async def test_a_notice_answered_while_the_bot_was_down_then_deleted_gets_its_outcome_anew(
    store: SqlStore, client: SandboxClient, run_bot: RunBot, tmp_path: Path
) -> None:
    dana = shop.Buyer(906)
    await shop.seed(store, [dana])
    await make_users(client, [dana])
    async with run_bot():
        await shop.import_slip(store, tmp_path)
        (notice,) = await client.wait_for(dana.chat_id, after=0, count=1, timeout=15)
    after = await client.last_seq(dana.chat_id)
    await client.press(dana.chat_id, label="Cancel for a full refund")
    await client.delete_message(dana.chat_id, notice["message_id"])
    await client.expire_callbacks()
    async with run_bot():
        (outcome,) = await client.wait_for(dana.chat_id, after=after, count=1, timeout=15)
    assert outcome["kind"] == "bot_message"
    assert "Order O-906 is cancelled. You will get a full refund" in outcome["text"]
    assert "something went wrong" not in str(await client.transcript(dana.chat_id))
    order = await store.get_order(dana.order_id)
    assert order is not None and all(line.status == "cancelled" for line in order.lines)
