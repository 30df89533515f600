"""Whether the bot can write to a chat: a user who blocks it is unreachable until they come back."""

from __future__ import annotations

from datetime import datetime

from bot.domain.outbox import OutboxStore

BLOCKED_REASON = "Forbidden: bot was blocked by the user"


async def chat_blocked(store: object, chat_id: int, *, now: datetime) -> bool:
    """Hold the chat's messages; False when the store keeps no outbox."""
    if not isinstance(store, OutboxStore):
        return False
    await store.mark_chat_unreachable(chat_id, reason=BLOCKED_REASON, at=now)
    return True


async def chat_reachable(store: object, chat_id: int, *, now: datetime) -> bool:
    """Release the chat's held messages; True when it had been unreachable."""
    if not isinstance(store, OutboxStore):
        return False
    return await store.mark_chat_reachable(chat_id, at=now)
