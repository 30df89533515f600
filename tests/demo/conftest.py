"""Shared fixtures of the demo tests: a fake sandbox chat and a real store."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from storage.store import SqlStore, open_store

Reply = Callable[["FakeSandboxChat", str], object]


@dataclass
class FakeSandboxChat:
    """A chat transcript in the sandbox's event format; `on_*` hooks play the bot's part."""

    events: list[dict[str, Any]] = field(default_factory=list)
    on_text: Reply | None = None
    on_press: Reply | None = None
    pressed: list[tuple[str | None, int | None]] = field(default_factory=list)
    rate_limited: int = 0

    def bot_says(
        self, text: str, buttons: list[list[dict[str, Any]]] | None = None, *, edit_of: int = 0
    ) -> int:
        """Record a bot message (or an edit of message `edit_of`) and return its id."""
        message_id = edit_of or len(self.events) + 1
        self.events.append(
            {
                "seq": len(self.events) + 1,
                "kind": "bot_edit" if edit_of else "bot_message",
                "message_id": message_id,
                "text": text,
                "buttons": buttons or [],
                "keyboard": "inline" if buttons else None,
                "callback_answer_text": None,
            }
        )
        return message_id

    def _user(self, kind: str, text: str) -> None:
        self.events.append(
            {"seq": len(self.events) + 1, "kind": kind, "message_id": 0, "text": text}
        )

    async def send_text(self, user_id: int, text: str) -> int:
        self._user("user_message", text)
        if self.on_text is not None:
            self.on_text(self, text)
        return len(self.events)

    async def share_contact(self, user_id: int) -> None:
        self._user("user_contact", "")

    async def press(
        self,
        user_id: int,
        *,
        label: str | None = None,
        data: str | None = None,
        message_id: int | None = None,
    ) -> None:
        self.pressed.append((data, message_id))
        self._user("user_press", data or "")
        if self.on_press is not None:
            self.on_press(self, data or "")

    async def transcript(self, chat_id: int, after: int = 0) -> list[dict[str, Any]]:
        return [event for event in self.events if event["seq"] > after]

    async def stats(self) -> dict[str, Any]:
        return {"rate_limited": self.rate_limited}


@pytest.fixture
def sandbox_chat() -> FakeSandboxChat:
    """An empty chat whose bot stays silent until a test gives it lines."""
    return FakeSandboxChat()


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    """A fresh, migrated SQLite store in a temporary file."""
    opened = await open_store(database_url)
    try:
        yield opened
    finally:
        await opened.close()
