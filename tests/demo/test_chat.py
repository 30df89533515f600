"""The demo customer's chat: actions, waiting for the bot, and the printed transcript."""

from __future__ import annotations

import asyncio

import pytest

from bot.demo.chat import DemoChat, DemoChatError
from tests.demo.conftest import FakeSandboxChat

QUICK = 0.01


def make_chat(sandbox_chat: FakeSandboxChat, printed: list[str]) -> DemoChat:
    return DemoChat(
        sandbox_chat,
        7,
        "+1 415 555 0100",
        write=printed.append,
        quiet_seconds=QUICK,
        reply_timeout=QUICK,
    )


async def test_saying_something_prints_it_and_the_bots_answer_in_order(
    sandbox_chat: FakeSandboxChat,
) -> None:
    sandbox_chat.on_text = lambda chat, text: chat.bot_says(
        "You have 2 open orders.", [[{"text": "Order 1 · ships Dec 2", "callback_data": "o:1"}]]
    )
    printed: list[str] = []
    await make_chat(sandbox_chat, printed).say("/orders")
    assert printed == ["you: /orders", "bot: You have 2 open orders.", "  [Order 1 · ships Dec 2]"]


async def test_a_tap_presses_the_button_on_the_latest_keyboard_and_shows_the_edit(
    sandbox_chat: FakeSandboxChat,
) -> None:
    sandbox_chat.bot_says("Old list", [[{"text": "Order 1", "callback_data": "old"}]])
    menu = sandbox_chat.bot_says(
        "Choose",
        [[{"text": "Order 1", "callback_data": "o:1"}, {"text": "Help", "callback_data": "h"}]],
    )
    sandbox_chat.bot_says("A note without buttons")
    sandbox_chat.on_press = lambda chat, data: chat.bot_says("Order 1 details", edit_of=menu)
    printed: list[str] = []
    chat = make_chat(sandbox_chat, printed)
    await chat.tap("order 1")
    assert sandbox_chat.pressed == [("o:1", menu)]
    assert printed[-2:] == ["you tap: [order 1]", "bot (edited): Order 1 details"]


async def test_a_tap_without_a_matching_button_names_the_buttons_on_offer(
    sandbox_chat: FakeSandboxChat,
) -> None:
    sandbox_chat.bot_says("Choose", [[{"text": "Deutsch", "callback_data": "lang:de"}]])
    chat = make_chat(sandbox_chat, [])
    with pytest.raises(DemoChatError, match=r"no button matches \[Klingon\].*\[Deutsch\]"):
        await chat.tap("Klingon")
    assert sandbox_chat.pressed == []


async def test_a_tap_before_any_keyboard_is_refused(sandbox_chat: FakeSandboxChat) -> None:
    with pytest.raises(DemoChatError, match="no buttons yet"):
        await make_chat(sandbox_chat, []).tap("Orders")


async def test_a_keyboard_edited_away_can_no_longer_be_tapped(
    sandbox_chat: FakeSandboxChat,
) -> None:
    menu = sandbox_chat.bot_says("Choose", [[{"text": "Deutsch", "callback_data": "lang:de"}]])
    sandbox_chat.bot_says("Done", edit_of=menu)
    chat = make_chat(sandbox_chat, [])
    with pytest.raises(DemoChatError):
        await chat.tap("Deutsch")


async def test_sharing_the_contact_prints_the_phone_number(
    sandbox_chat: FakeSandboxChat,
) -> None:
    printed: list[str] = []
    chat = make_chat(sandbox_chat, printed)
    await chat.share_contact()
    assert printed == ["you share your contact: +1 415 555 0100"]
    assert sandbox_chat.events[-1]["kind"] == "user_contact"


async def test_messages_the_bot_sends_on_its_own_show_up_after_a_wait(
    sandbox_chat: FakeSandboxChat,
) -> None:
    printed: list[str] = []
    chat = make_chat(sandbox_chat, printed)
    sandbox_chat.bot_says("Good news: your kettle ships tomorrow.")
    await chat.wait(0)
    assert printed == ["bot: Good news: your kettle ships tomorrow."]


async def test_a_reply_the_flood_limit_refused_at_first_still_belongs_to_its_action(
    sandbox_chat: FakeSandboxChat,
) -> None:
    def linked_then_refused(chat: FakeSandboxChat) -> None:
        chat.bot_says("Thank you, Alex Morgan! This chat is now linked to your orders.")
        chat.rate_limited += 1

    def reply(chat: FakeSandboxChat, text: str) -> None:
        loop = asyncio.get_running_loop()
        loop.call_later(0.02, linked_then_refused, chat)
        # The bot retries the refused send once the flood limit lets it.
        loop.call_later(0.3, chat.bot_says, "You have 2 open orders.")

    sandbox_chat.on_text = reply
    printed: list[str] = []
    chat = make_chat(sandbox_chat, printed)
    await chat.say("alex.morgan@example.com")
    await chat.say("/help")
    assert printed[:3] == [
        "you: alex.morgan@example.com",
        "bot: Thank you, Alex Morgan! This chat is now linked to your orders.",
        "bot: You have 2 open orders.",
    ]
