"""Playing a customer in the sandbox: say, tap, and read what the bot answered."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from bot.domain.model import Customer, Order, OrderLine, Product
from bot.sandbox.client import SandboxClient
from bot.services.eta import recompute_etas
from storage.store import SqlStore
from tests.notices import shop


async def say(
    client: SandboxClient, chat_id: int, text: str, *, replies: int = 1
) -> dict[str, Any]:
    """Send a text; the last of the bot's next `replies` messages or edits."""
    after = await client.last_seq(chat_id)
    await client.send_text(chat_id, text)
    return (await client.wait_for(chat_id, after=after, count=replies))[-1]


async def tap(client: SandboxClient, chat_id: int, label: str) -> dict[str, Any]:
    """Press the newest button containing `label`; the edit or message it causes."""
    after = await client.last_seq(chat_id)
    await client.press(chat_id, label=label)
    return (await client.wait_for(chat_id, after=after))[-1]


async def press_answer(client: SandboxClient, chat_id: int, data: str) -> dict[str, Any]:
    """Press a button with this (possibly forged) data; the bot's answer to the press."""
    after = await client.last_seq(chat_id)
    await client.press(chat_id, data=data)
    for _ in range(200):
        events = await client.transcript(chat_id, after=after)
        answers = [event for event in events if event["kind"] == "callback_answer"]
        if answers:
            return answers[-1]
        await asyncio.sleep(0.05)
    raise AssertionError("the bot never answered the button press")


def data_of(message: dict[str, Any], label: str) -> str:
    """The callback data of the button whose label contains `label`."""
    for row in message.get("buttons") or []:
        for button in row:
            if label in button["text"]:
                return str(button["callback_data"])
    raise AssertionError(f"no button {label!r} in {message.get('buttons')}")


def labels(message: dict[str, Any]) -> list[str]:
    """Every button label of a message, row by row."""
    return [button["text"] for row in message.get("buttons") or [] for button in row]


async def add_in_stock_buyer(store: SqlStore, buyer: shop.Buyer) -> None:
    """A linked customer whose one order is a lamp, always in stock."""
    lamp = Product("LAMP", "Desk lamp", 2999, "EUR", on_hand=50)
    await store.upsert_products([lamp], actor="test", at=shop.NOW)
    order = Order(
        buyer.order_id,
        buyer.customer_id,
        shop.NOW - timedelta(days=1),
        "EUR",
        promised_ship_date=shop.PROMISED,
        jurisdiction=buyer.jurisdiction,
        lines=(OrderLine(buyer.order_id, 1, "LAMP", 1, 2999),),
    )
    customer = Customer(buyer.customer_id, f"Buyer {buyer.chat_id}", language=buyer.language)
    await store.upsert_orders([customer], [order], actor="test", at=shop.NOW)
    await recompute_etas(store, rules=shop.RULES, today=shop.TODAY)
    await store.link_chat(
        buyer.chat_id, buyer.customer_id, via="deep_link", actor="test", at=shop.NOW
    )
