"""The broadcast_drafts and broadcast_progress_messages tables (the /broadcast wizard)."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Text, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.broadcast_drafts import Draft, ProgressMessage, Step
from storage.codec import utc_text
from storage.database import insert
from storage.schema import broadcast_drafts, broadcast_progress_messages

# Why: a closed draft keeps its row, so the next draft's number is higher and a press from the
# closed one stays stale.
_CLOSED = "closed"

d = broadcast_drafts.c
p = broadcast_progress_messages.c
# Why: FOR UPDATE (nothing on SQLite, where BEGIN IMMEDIATE serialises writers) holds the chat's
# draft row under PostgreSQL's READ COMMITTED until the new number is written, so two starts in
# the same chat never hand out the same number.
_LAST_NUMBER = select(d.draft_no).where(d.chat_id == bindparam("chat_id")).with_for_update()
_READ = select(d.draft_no, d.step, d.draft, d.message_id).where(
    d.chat_id == bindparam("chat_id"), d.user_id == bindparam("user_id"), d.step != _CLOSED
)
_SAVE = (
    update(broadcast_drafts)
    .where(
        d.chat_id == bindparam("b_chat_id"),
        d.draft_no == bindparam("b_draft_no"),
        d.step != _CLOSED,
    )
    .values(
        step=bindparam("step", type_=Text),
        draft=bindparam("draft", type_=Text),
        message_id=bindparam("message_id"),
        updated_at=bindparam("updated_at", type_=Text),
    )
)
_CLEAR = (
    update(broadcast_drafts)
    .where(d.chat_id == bindparam("b_chat_id"), d.step != _CLOSED)
    .values(step=_CLOSED)
)
_PROGRESS_COLUMNS = (p.broadcast_id, p.chat_id, p.message_id, p.language)
_UNFINISHED = select(*_PROGRESS_COLUMNS).where(p.finished == 0).order_by(p.broadcast_id)
_OF_BROADCAST = select(*_PROGRESS_COLUMNS).where(p.broadcast_id == bindparam("broadcast_id"))
_FINISH = (
    update(broadcast_progress_messages)
    .where(p.broadcast_id == bindparam("b_broadcast_id"))
    .values(finished=1)
)


async def start_draft(conn: AsyncConnection, chat_id: int, user_id: int, *, now: datetime) -> Draft:
    """A fresh draft for the chat with a draft number above any it had (inside the caller's
    transaction)."""
    last = (await conn.execute(_LAST_NUMBER, {"chat_id": chat_id})).scalar()
    number = (int(last) if last is not None else 0) + 1
    draft = Draft(chat_id, user_id, number)
    statement = insert(conn, broadcast_drafts)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[d.chat_id],
            set_={
                name: statement.excluded[name]
                for name in ("user_id", "draft_no", "step", "draft", "message_id", "updated_at")
            },
        ),
        {
            "chat_id": chat_id,
            "user_id": user_id,
            "draft_no": number,
            "step": draft.step.value,
            "draft": json.dumps(draft.as_json()),
            "message_id": None,
            "updated_at": utc_text(now),
        },
    )
    return draft


async def read_draft(conn: AsyncConnection, chat_id: int, user_id: int) -> Draft | None:
    """The chat's draft of this user."""
    row = (await conn.execute(_READ, {"chat_id": chat_id, "user_id": user_id})).first()
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


async def save_draft(conn: AsyncConnection, draft: Draft, *, now: datetime) -> None:
    """Store the draft (only while it is the chat's current one)."""
    await conn.execute(
        _SAVE,
        {
            "step": draft.step.value,
            "draft": json.dumps(draft.as_json()),
            "message_id": draft.message_id,
            "updated_at": utc_text(now),
            "b_chat_id": draft.chat_id,
            "b_draft_no": draft.draft_no,
        },
    )


async def clear_draft(conn: AsyncConnection, chat_id: int) -> bool:
    """Drop the chat's draft; whether there was one."""
    return (await conn.execute(_CLEAR, {"b_chat_id": chat_id})).rowcount > 0


async def add_progress(conn: AsyncConnection, progress: ProgressMessage) -> None:
    """Remember a progress message."""
    statement = insert(conn, broadcast_progress_messages)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[p.broadcast_id],
            set_={
                name: statement.excluded[name]
                for name in ("chat_id", "message_id", "language", "finished")
            },
        ),
        {
            "broadcast_id": progress.broadcast_id,
            "chat_id": progress.chat_id,
            "message_id": progress.message_id,
            "language": progress.language,
            "finished": 0,
        },
    )


async def read_progress(
    conn: AsyncConnection, broadcast_id: int | None = None
) -> list[ProgressMessage]:
    """Unfinished progress messages, or the one of `broadcast_id` (finished or not)."""
    if broadcast_id is None:
        rows = await conn.execute(_UNFINISHED)
    else:
        rows = await conn.execute(_OF_BROADCAST, {"broadcast_id": broadcast_id})
    return [ProgressMessage(int(r[0]), int(r[1]), int(r[2]), str(r[3])) for r in rows]


async def finish_progress(conn: AsyncConnection, broadcast_id: int) -> None:
    """Stop editing a progress message."""
    await conn.execute(_FINISH, {"b_broadcast_id": broadcast_id})
