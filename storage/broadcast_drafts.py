"""The broadcast_drafts and broadcast_progress_messages tables (the /broadcast wizard)."""

from __future__ import annotations

import json
from datetime import datetime

import aiosqlite

from bot.domain.broadcast_drafts import Draft, ProgressMessage, Step
from storage.codec import utc_text
from storage.transaction import transaction

# Why: a closed draft keeps its row, so the next draft's number is higher and a press from the
# closed one stays stale.
_CLOSED = "closed"


async def start_draft(
    conn: aiosqlite.Connection, chat_id: int, user_id: int, *, now: datetime
) -> Draft:
    """A fresh draft for the chat with a draft number above any it had."""
    async with transaction(conn):
        async with conn.execute(
            "SELECT COALESCE(MAX(draft_no), 0) FROM broadcast_drafts WHERE chat_id = ?",
            (chat_id,),
        ) as cursor:
            row = await cursor.fetchone()
        number = (int(row[0]) if row else 0) + 1
        draft = Draft(chat_id, user_id, number)
        await conn.execute(
            """INSERT OR REPLACE INTO broadcast_drafts
                   (chat_id, user_id, draft_no, step, draft, message_id, updated_at)
               VALUES (?, ?, ?, ?, ?, NULL, ?)""",
            (
                chat_id,
                user_id,
                number,
                draft.step.value,
                json.dumps(draft.as_json()),
                utc_text(now),
            ),
        )
    return draft


async def read_draft(conn: aiosqlite.Connection, chat_id: int, user_id: int) -> Draft | None:
    """The chat's draft of this user."""
    async with conn.execute(
        """SELECT draft_no, step, draft, message_id FROM broadcast_drafts
            WHERE chat_id = ? AND user_id = ? AND step != ?""",
        (chat_id, user_id, _CLOSED),
    ) as cursor:
        row = await cursor.fetchone()
    if row is None:
        return None
    return Draft.from_json(
        chat_id,
        user_id,
        int(row[0]),
        Step(str(row[1])),
        json.loads(str(row[2])),
        int(row[3]) if row[3] is not None else None,
    )


async def save_draft(conn: aiosqlite.Connection, draft: Draft, *, now: datetime) -> None:
    """Store the draft (only while it is the chat's current one)."""
    async with transaction(conn):
        await conn.execute(
            """UPDATE broadcast_drafts SET step = ?, draft = ?, message_id = ?, updated_at = ?
                WHERE chat_id = ? AND draft_no = ? AND step != ?""",
            (
                draft.step.value,
                json.dumps(draft.as_json()),
                draft.message_id,
                utc_text(now),
                draft.chat_id,
                draft.draft_no,
                _CLOSED,
            ),
        )


async def clear_draft(conn: aiosqlite.Connection, chat_id: int) -> bool:
    """Drop the chat's draft; whether there was one."""
    async with transaction(conn):
        cursor = await conn.execute(
            "UPDATE broadcast_drafts SET step = ? WHERE chat_id = ? AND step != ?",
            (_CLOSED, chat_id, _CLOSED),
        )
    return cursor.rowcount > 0


async def add_progress(conn: aiosqlite.Connection, progress: ProgressMessage) -> None:
    """Remember a progress message."""
    async with transaction(conn):
        await conn.execute(
            """INSERT OR REPLACE INTO broadcast_progress_messages
                   (broadcast_id, chat_id, message_id, language, finished)
               VALUES (?, ?, ?, ?, 0)""",
            (progress.broadcast_id, progress.chat_id, progress.message_id, progress.language),
        )


async def read_progress(
    conn: aiosqlite.Connection, broadcast_id: int | None = None
) -> list[ProgressMessage]:
    """Unfinished progress messages, or the one of `broadcast_id` (finished or not)."""
    sql = "SELECT broadcast_id, chat_id, message_id, language FROM broadcast_progress_messages"
    args: tuple[int, ...] = ()
    if broadcast_id is None:
        sql += " WHERE finished = 0 ORDER BY broadcast_id"
    else:
        sql += " WHERE broadcast_id = ?"
        args = (broadcast_id,)
    async with conn.execute(sql, args) as cursor:
        rows = await cursor.fetchall()
    return [ProgressMessage(int(r[0]), int(r[1]), int(r[2]), str(r[3])) for r in rows]


async def finish_progress(conn: aiosqlite.Connection, broadcast_id: int) -> None:
    """Stop editing a progress message."""
    async with transaction(conn):
        await conn.execute(
            "UPDATE broadcast_progress_messages SET finished = 1 WHERE broadcast_id = ?",
            (broadcast_id,),
        )
