"""Rendering sandbox events as the demo transcript."""

from __future__ import annotations

from bot.demo.transcript import render_bot_event, render_tap, render_you


def test_a_bot_message_prints_its_lines_indented_and_its_buttons() -> None:
    event = {
        "kind": "bot_message",
        "text": "Order 10401\nChef's Knife & more\nships 3 Dec",
        "buttons": [[{"text": "Order 10401", "callback_data": "o:1"}], [{"text": "Help"}]],
        "keyboard": "inline",
    }
    assert render_bot_event(event) == [
        "bot: Order 10401",
        "  Chef's Knife & more",
        "  ships 3 Dec",
        "  [Order 10401]",
        "  [Help]",
    ]


def test_an_edited_message_is_printed_again_marked_as_edited() -> None:
    event = {"kind": "bot_edit", "text": "Sprache: Deutsch", "buttons": None, "keyboard": None}
    assert render_bot_event(event) == ["bot (edited): Sprache: Deutsch"]


def test_user_events_and_callback_answers_are_not_bot_lines() -> None:
    assert render_bot_event({"kind": "user_message", "text": "hi"}) == []
    assert render_bot_event({"kind": "callback_answer", "text": None}) == []


def test_what_the_customer_does_is_printed_as_you() -> None:
    assert render_you("/orders") == ["you: /orders"]
    assert render_tap("Deutsch") == "you tap: [Deutsch]"
