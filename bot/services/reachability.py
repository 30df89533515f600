"""Whether the bot can write to a chat: a user who blocks it is unreachable until they come back."""

from __future__ import annotations

from datetime import datetime

from bot.domain.outbox import OutboxStore

BLOCKED_REASON = "Forbidden: bot was blocked by the user"


async def chat_blocked(store: OutboxStore, chat_id: int, *, now: datetime) -> None:
    """Hold the chat's messages."""
    await store.mark_chat_unreachable(chat_id, reason=BLOCKED_REASON, at=now)


async def chat_reachable(store: OutboxStore, chat_id: int, *, now: datetime) -> bool:
    """Release the chat's held messages; True when it had been unreachable."""
    return await store.mark_chat_reachable(chat_id, at=now)
