"""The interactive demo: typed lines become messages or actions."""

from __future__ import annotations

import io

from bot.demo.chat import DemoChat
from bot.demo.script import Say, ShareContact, Tap, Wait
from bot.demo.terminal import chat_on_terminal, typed_action
from tests.demo.conftest import FakeSandboxChat


def test_plain_text_is_sent_as_it_is_even_with_a_colon() -> None:
    assert typed_action("/orders") == Say("/orders")
    assert typed_action("my email: alex@example.com") == Say("my email: alex@example.com")


def test_typed_actions_use_the_script_syntax() -> None:
    assert typed_action("tap: Deutsch") == Tap("Deutsch")
    assert typed_action("contact") == ShareContact()
    assert typed_action("wait: 1.5") == Wait(1.5)


async def test_piped_lines_are_echoed_with_the_answers_and_mistakes_explained_until_quit(
    sandbox_chat: FakeSandboxChat,
) -> None:
    sandbox_chat.on_text = lambda chat, text: chat.bot_says(f"echo {text}")
    stdin = io.StringIO("/help\n\ntap: nothing\nwait: x\n/quit\n/orders\n")
    printed: list[str] = []
    chat = DemoChat(
        sandbox_chat, 7, "+1", write=printed.append, quiet_seconds=0.01, reply_timeout=0.5
    )
    await chat_on_terminal(chat, stdin, write=printed.append)
    assert printed == [
        "you: /help",
        "bot: echo /help",
        "  (no button [nothing]: the bot has shown no buttons yet)",
        "  ('wait:' needs a number of seconds)",
    ]
    assert [event["text"] for event in sandbox_chat.events if event["kind"] == "user_message"] == [
        "/help"
    ]
