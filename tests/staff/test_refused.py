"""Staff commands and buttons are refused to everyone else, and nothing changes (DESIGN §10)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select
from telegram import Chat, Message, Update, User

from bot.sandbox.client import SandboxClient
from storage.schema import metadata
from storage.store import SqlStore
from tests.notices import shop
from tests.notices.conftest import make_users
from tests.staff.conftest import STAFF_ID
from tests.staff.test_po_chat import data, say

CUSTOMER = shop.Buyer(811)
UNKNOWN_COMMAND = "Sorry, I didn't understand that."
STALE = "This button is no longer available."


async def dump(store: SqlStore) -> list[str]:
    """The database's rows that a refused press or command must leave as they were."""
    lines: list[str] = []
    async with store.database.read() as conn:
        for table in metadata.sorted_tables:
            # Why: the update inbox records every update, refused or not.
            if table.name == "update_inbox":
                continue
            rows = await conn.execute(select(table).order_by(*table.c))
            lines += [f"{table.name}: {tuple(row)!r}" for row in rows]
    return lines


async def answer_to_press(client: SandboxClient, chat_id: int, payload: str) -> dict[str, Any]:
    after = await client.last_seq(chat_id)
    await client.press(chat_id, data=payload)
    for _ in range(200):
        events = await client.transcript(chat_id, after=after)
        answers = [event for event in events if event["kind"] == "callback_answer"]
        if answers:
            return answers[-1]
        await asyncio.sleep(0.05)
    raise AssertionError("no answer to the press")


async def test_a_customer_gets_the_unknown_answer_and_stale_button_alerts_and_nothing_changes(
    store: SqlStore, client: SandboxClient, run_bot: Any
) -> None:
    await shop.seed(store, [CUSTOMER])
    await make_users(client, [CUSTOMER])
    await client.create_user(STAFF_ID, "Sam", language_code="en")
    async with run_bot():
        (screen,) = await say(client, STAFF_ID, "/po PO-1")
        (stock,) = await say(client, STAFF_ID, "/stock CHAIR")
        before = await dump(store)
        replies = [
            (await say(client, CUSTOMER.chat_id, command))[0]["text"]
            for command in ("/po PO-1", "/stock CHAIR 5", "/find O-811", "/po")
        ]
        copied = [
            data(screen, "sp:m:"),
            data(screen, "sp:c:"),
            data(stock, "ss:s:"),
            "sp:cy:" + data(screen, "sp:c:").split(":")[2],
            "sp:w2:AAAAAAAA",
        ]
        answers = [await answer_to_press(client, CUSTOMER.chat_id, payload) for payload in copied]
        # Text after a copied "type a date" press is the customer's own free text, as before.
        (free,) = await say(client, CUSTOMER.chat_id, "28.12.2026")
        after = await dump(store)
    assert all(UNKNOWN_COMMAND in reply for reply in replies)
    assert all(STALE in str(answer["callback_answer_text"]) for answer in answers)
    assert "PO-1" not in free["text"]
    assert after == before


async def test_a_staff_members_forged_button_is_refused_politely(
    store: SqlStore, client: SandboxClient, run_bot: Any
) -> None:
    await shop.seed(store, [CUSTOMER])
    await client.create_user(STAFF_ID, "Sam", language_code="en")
    async with run_bot():
        await say(client, STAFF_ID, "/po PO-1")
        before = await dump(store)
        answer = await answer_to_press(client, STAFF_ID, "sp:cy:forged00")
        after = await dump(store)
    assert STALE in str(answer["callback_answer_text"])
    assert after == before


@pytest.mark.parametrize("chat_type", [Chat.GROUP, Chat.SUPERGROUP])
def test_a_staff_member_in_a_group_chat_is_not_treated_as_staff(chat_type: str) -> None:
    from types import SimpleNamespace

    from handlers.staff.access import is_staff

    user = User(STAFF_ID, "Sam", is_bot=False)
    chat = Chat(-100, chat_type)
    message = Message(1, shop.NOW, chat, from_user=user, text="/po PO-1")
    context: Any = SimpleNamespace(
        services=SimpleNamespace(settings=SimpleNamespace(staff_ids=frozenset({STAFF_ID})))
    )
    assert not is_staff(Update(1, message=message), context)
    private = Message(2, shop.NOW, Chat(STAFF_ID, Chat.PRIVATE), from_user=user, text="/po")
    assert is_staff(Update(2, message=private), context)
