"""The staff_prompts table: the one open question of each staff chat."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.domain.staff_prompts import PromptKind, StaffPrompt
from storage.codec import utc_text
from storage.transaction import transaction


async def set_prompt(conn: aiosqlite.Connection, prompt: StaffPrompt) -> None:
    """Open `prompt` in its chat, replacing any other."""
    async with transaction(conn):
        await conn.execute(
            """INSERT OR REPLACE INTO staff_prompts
                   (chat_id, user_id, kind, target, message_id, expires_at)
               VALUES (?, ?, ?, ?, ?, ?)""",
            (
                prompt.chat_id,
                prompt.user_id,
                prompt.kind.value,
                prompt.target,
                prompt.message_id,
                utc_text(prompt.expires_at),
            ),
        )


async def read_prompt(
    conn: aiosqlite.Connection, chat_id: int, user_id: int, *, now: datetime
) -> StaffPrompt | None:
    """The chat's open question for this user, unless it expired by `now`."""
    async with conn.execute(
        """SELECT kind, target, message_id, expires_at FROM staff_prompts
            WHERE chat_id = ? AND user_id = ? AND expires_at > ?""",
        (chat_id, user_id, utc_text(now)),
    ) as cursor:
        row = await cursor.fetchone()
    if row is None:
        return None
    return StaffPrompt(
        chat_id,
        user_id,
        PromptKind(row[0]),
        str(row[1]),
        int(row[2]) if row[2] is not None else None,
        datetime.fromisoformat(str(row[3]).replace("Z", "+00:00")),
    )


async def clear_prompt(conn: aiosqlite.Connection, chat_id: int) -> None:
    """Close the chat's question, if any."""
    async with transaction(conn):
        await conn.execute("DELETE FROM staff_prompts WHERE chat_id = ?", (chat_id,))
