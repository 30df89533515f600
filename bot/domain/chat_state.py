"""What a chat's conversation remembers between updates, kept in the database (DESIGN §13).

PTB's ConversationHandler states and `chat_data` live in the store, so the next update of a chat
may be handled by another instance of the bot.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

# Why: a conversation left half-way (an order number typed, no email yet) is forgotten after a
# day, so a number typed next week is not taken for the answer to a forgotten question.
STATE_LIFETIME = timedelta(days=1)

# PTB's conversation key: (chat id, user id) for the default per-chat, per-user conversations.
ConversationKey = tuple[int | str, ...]


@dataclass(frozen=True)
class StoredConversation:
    """One conversation's state: the handler's name, PTB's key and the state (JSON-able)."""

    name: str
    key: ConversationKey
    state: object


class ChatStateStore(Protocol):
    """Persistence of conversation states and chat data (storage/chat_state.py)."""

    async def conversations(self, name: str, *, since: datetime) -> dict[ConversationKey, object]:
        """Every state of the conversation `name` written at or after `since`."""
        ...

    async def chat_conversations(
        self, chat_id: int, *, since: datetime
    ) -> list[StoredConversation]:
        """The states of every conversation of `chat_id` written at or after `since`."""
        ...

    async def save_conversation(
        self, name: str, key: ConversationKey, state: object | None, *, at: datetime
    ) -> None:
        """Store the state (JSON-able) of one conversation; None: it ended (forget it)."""
        ...

    async def chat_data(self, chat_id: int, *, since: datetime) -> dict[str, object]:
        """The chat's data written at or after `since` ({} when none)."""
        ...

    async def all_chat_data(self, *, since: datetime) -> dict[int, dict[str, object]]:
        """The data of every chat written at or after `since`."""
        ...

    async def save_chat_data(
        self, chat_id: int, data: Mapping[str, object], *, at: datetime
    ) -> None:
        """Store the chat's data (JSON-able); empty: forget it."""
        ...

    async def prune_chat_state(self, *, before: datetime) -> int:
        """Forget conversation states and chat data written before `before`; rows deleted."""
        ...

    async def earlier_unhandled_updates(self, chat_id: int, update_id: int) -> list[int]:
        """The chat's updates before `update_id` recorded in the update inbox, not handled yet."""
        ...
