"""Sandbox chat events rendered as the demo transcript (DESIGN §3)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Event = Mapping[str, Any]

BOT_KINDS = ("bot_message", "bot_edit")


def button_labels(event: Event) -> list[str]:
    """Labels of the event's keyboard buttons, row by row (none when the keyboard is removed)."""
    rows: Sequence[Sequence[Mapping[str, Any]]] = event.get("buttons") or []
    return [str(button.get("text", "")) for row in rows for button in row]


def render_bot_event(event: Event) -> list[str]:
    """Transcript lines of one bot message or edit; other events give none."""
    kind = event.get("kind")
    if kind not in BOT_KINDS:
        return []
    prefix = "bot: " if kind == "bot_message" else "bot (edited): "
    # The sandbox parses the bot's HTML as Telegram does, so `text` is what a chat shows.
    first, *rest = str(event.get("text") or "").split("\n")
    lines = [prefix + first, *("  " + line for line in rest)]
    lines.extend(f"  [{label}]" for label in button_labels(event))
    return lines


def render_you(text: str) -> list[str]:
    """Transcript lines of a message the demo customer sends."""
    first, *rest = text.split("\n")
    return ["you: " + first, *("  " + line for line in rest)]


def render_tap(label: str) -> str:
    """Transcript line of a button press."""
    return f"you tap: [{label}]"


def render_contact(phone: str) -> str:
    """Transcript line of sharing the phone number."""
    return f"you share your contact: {phone}"
