"""What a chat's every update needs first: its customer and the languages to choose from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.domain.store import Store


@dataclass(frozen=True)
class ChatProfile:
    """The customer a chat is linked to, the customer's language and the chat's own choice."""

    customer_id: str | None
    customer_language: str | None
    chat_language: str | None


class ChatProfileStore(Store, Protocol):
    """A store that reads a chat's profile in one round trip."""

    async def chat_profile(self, chat_id: int) -> ChatProfile:
        """The chat's linked customer, that customer's language and the chat's language."""
        ...
