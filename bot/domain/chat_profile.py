"""What a chat's every update needs first: its customer and the languages to choose from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.domain.store import Store


@dataclass(frozen=True)
class ChatProfile:
    """The customer a chat is linked to, the customer's language and the chat's own choice, and
    until when (UTC) its next text may be a rating's comment (None: no comment is awaited)."""

    customer_id: str | None
    customer_language: str | None
    chat_language: str | None
    comment_until: datetime | None = None

    def awaits_comment(self, now: datetime) -> bool:
        """True when a rating's comment may still come from this chat at `now` (the rating
        service reads which one; most updates skip that read)."""
        return self.comment_until is not None and now < self.comment_until


class ChatProfileStore(Store, Protocol):
    """A store that reads a chat's profile in one round trip."""

    async def chat_profile(self, chat_id: int) -> ChatProfile:
        """The chat's linked customer, that customer's language, the chat's language and the end
        of an awaited comment's window."""
        ...
