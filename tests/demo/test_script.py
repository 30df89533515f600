"""Parsing demo script lines into actions."""

from __future__ import annotations

import pytest

from bot.demo.script import Say, ScriptError, ShareContact, Tap, Wait, parse_action, parse_script


def test_say_sends_the_text_after_the_colon() -> None:
    assert parse_action("say: /orders") == Say("/orders")


def test_say_keeps_colons_inside_the_text() -> None:
    assert parse_action("say: my email: alex@example.com") == Say("my email: alex@example.com")


def test_tap_names_a_part_of_the_button_label() -> None:
    assert parse_action("tap:   Deutsch  ") == Tap("Deutsch")


def test_contact_shares_the_phone_number() -> None:
    assert parse_action("contact") == ShareContact()


def test_wait_takes_whole_or_fractional_seconds() -> None:
    assert parse_action("wait: 2") == Wait(2.0)
    assert parse_action("wait: 0.5") == Wait(0.5)


@pytest.mark.parametrize("line", ["", "   ", "# link first", "   # indented comment"])
def test_blank_and_comment_lines_are_not_actions(line: str) -> None:
    assert parse_action(line) is None


def test_a_script_keeps_the_line_number_of_each_action() -> None:
    steps = parse_script(["# tour", "", "say: /start", "tap: English", "contact", "wait: 1"])
    assert [(step.line_no, step.action) for step in steps] == [
        (3, Say("/start")),
        (4, Tap("English")),
        (5, ShareContact()),
        (6, Wait(1.0)),
    ]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("shout: hello", "unknown action 'shout'"),
        ("hello there", "expected 'say:', 'tap:', 'wait:' or 'contact'"),
        ("say:", "'say:' needs a text"),
        ("tap:   ", "'tap:' needs a button label"),
        ("wait: soon", "'wait:' needs a number of seconds"),
        ("wait: -1", "'wait:' needs a number of seconds ≥ 0"),
        ("wait: nan", "'wait:' needs a number of seconds ≥ 0"),
        ("contact: +1 555", "unknown action 'contact'"),
    ],
)
def test_a_bad_line_is_reported_with_its_number_and_reason(line: str, reason: str) -> None:
    with pytest.raises(ScriptError) as raised:
        parse_script(["say: hi", "# fine", line])
    assert raised.value.line_no == 3
    assert raised.value.reason == reason
    assert str(raised.value) == f"line 3: {reason}: {line!r}"
