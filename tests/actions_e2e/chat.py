"""Small readers of sandbox events shared by the action tests."""

from __future__ import annotations

from typing import Any


def buttons(event: dict[str, Any]) -> dict[str, str]:
    """Every inline button under a message: label -> callback data."""
    rows = event.get("buttons") or []
    return {str(button["text"]): str(button.get("callback_data")) for row in rows for button in row}


def data_starting(event: dict[str, Any], prefix: str) -> list[str]:
    """The callback data of the buttons whose data starts with `prefix`."""
    return [data for data in buttons(event).values() if data.startswith(prefix)]


def text(event: dict[str, Any]) -> str:
    """A message's text with the no-break spaces of money and dates as plain spaces."""
    return str(event["text"]).replace("\xa0", " ").replace("\u202f", " ")
