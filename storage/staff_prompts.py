"""The staff_prompts table: the one open question of each staff chat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.staff_prompts import PromptKind, StaffPrompt
from storage.codec import utc_text
from storage.database import insert
from storage.schema import staff_prompts

_READ = select(
    staff_prompts.c.kind,
    staff_prompts.c.target,
    staff_prompts.c.message_id,
    staff_prompts.c.expires_at,
).where(
    staff_prompts.c.chat_id == bindparam("chat_id"),
    staff_prompts.c.user_id == bindparam("user_id"),
    staff_prompts.c.expires_at > bindparam("now", type_=Text),
)
_CLEAR = delete(staff_prompts).where(staff_prompts.c.chat_id == bindparam("chat_id"))


async def set_prompt(conn: AsyncConnection, prompt: StaffPrompt) -> None:
    """Open `prompt` in its chat, replacing any other (inside the caller's transaction)."""
    statement = insert(conn, staff_prompts)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[staff_prompts.c.chat_id],
            set_={
                name: statement.excluded[name]
                for name in ("user_id", "kind", "target", "message_id", "expires_at")
            },
        ),
        {
            "chat_id": prompt.chat_id,
            "user_id": prompt.user_id,
            "kind": prompt.kind.value,
            "target": prompt.target,
            "message_id": prompt.message_id,
            "expires_at": utc_text(prompt.expires_at),
        },
    )


async def read_prompt(
    conn: AsyncConnection, chat_id: int, user_id: int, *, now: datetime
) -> StaffPrompt | None:
    """The chat's open question for this user, unless it expired by `now`."""
    row = (
        await conn.execute(_READ, {"chat_id": chat_id, "user_id": user_id, "now": utc_text(now)})
    ).first()
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


async def clear_prompt(conn: AsyncConnection, chat_id: int) -> None:
    """Close the chat's question, if any (inside the caller's transaction)."""
    await conn.execute(_CLEAR, {"chat_id": chat_id})
