"""The conversations and chat_data tables: PTB's conversation states and chat data as JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Text, bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.chat_state import ConversationKey, StoredConversation
from storage.codec import utc_text
from storage.database import insert
from storage.schema import chat_data, conversations

_SINCE = bindparam("since", type_=Text)
_OF_HANDLER = select(conversations.c.conversation_key, conversations.c.state).where(
    conversations.c.name == bindparam("name"), conversations.c.updated_at >= _SINCE
)
_OF_CHAT = select(
    conversations.c.name, conversations.c.conversation_key, conversations.c.state
).where(conversations.c.chat_id == bindparam("chat_id"), conversations.c.updated_at >= _SINCE)
_END = delete(conversations).where(
    conversations.c.name == bindparam("name"),
    conversations.c.conversation_key == bindparam("conversation_key"),
)
_DATA_OF_CHAT = select(chat_data.c.data).where(
    chat_data.c.chat_id == bindparam("chat_id"), chat_data.c.updated_at >= _SINCE
)
_ALL_DATA = select(chat_data.c.chat_id, chat_data.c.data).where(chat_data.c.updated_at >= _SINCE)
_FORGET_DATA = delete(chat_data).where(chat_data.c.chat_id == bindparam("chat_id"))
_PRUNE_STATES = delete(conversations).where(conversations.c.updated_at < _SINCE)
_PRUNE_DATA = delete(chat_data).where(chat_data.c.updated_at < _SINCE)


def _key(text: str) -> ConversationKey:
    return tuple(json.loads(text))


def _chat_of(key: ConversationKey) -> int | None:
    """The chat a key belongs to: its first part when that is a chat id (PTB's per_chat)."""
    return key[0] if key and isinstance(key[0], int) else None


async def handler_states(
    conn: AsyncConnection, name: str, *, since: datetime
) -> dict[ConversationKey, object]:
    """Every state of the conversation `name` written at or after `since`."""
    rows = await conn.execute(_OF_HANDLER, {"name": name, "since": utc_text(since)})
    return {_key(key): json.loads(state) for key, state in rows}


async def chat_states(
    conn: AsyncConnection, chat_id: int, *, since: datetime
) -> list[StoredConversation]:
    """The states of the chat's conversations written at or after `since`."""
    rows = await conn.execute(_OF_CHAT, {"chat_id": chat_id, "since": utc_text(since)})
    return [StoredConversation(name, _key(key), json.loads(state)) for name, key, state in rows]


async def save_state(
    conn: AsyncConnection, name: str, key: ConversationKey, state: object | None, *, at: datetime
) -> None:
    """Upsert one conversation's state as JSON, or delete it when `state` is None.

    Raises TypeError for a state JSON cannot hold.
    """
    encoded_key = json.dumps(list(key))
    if state is None:
        await conn.execute(_END, {"name": name, "conversation_key": encoded_key})
        return
    statement = insert(conn, conversations)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[conversations.c.name, conversations.c.conversation_key],
            set_={
                "state": statement.excluded.state,
                "updated_at": statement.excluded.updated_at,
            },
        ),
        {
            "name": name,
            "conversation_key": encoded_key,
            "chat_id": _chat_of(key),
            "state": json.dumps(state),
            "updated_at": utc_text(at),
        },
    )


async def data_of_chat(
    conn: AsyncConnection, chat_id: int, *, since: datetime
) -> dict[str, object]:
    """The chat's data written at or after `since` ({} when none)."""
    found = await conn.scalar(_DATA_OF_CHAT, {"chat_id": chat_id, "since": utc_text(since)})
    return dict(json.loads(found)) if found is not None else {}


async def all_data(conn: AsyncConnection, *, since: datetime) -> dict[int, dict[str, object]]:
    """Every chat's data written at or after `since`."""
    rows = await conn.execute(_ALL_DATA, {"since": utc_text(since)})
    return {int(chat_id): dict(json.loads(data)) for chat_id, data in rows}


async def save_data(
    conn: AsyncConnection, chat_id: int, data: Mapping[str, object], *, at: datetime
) -> None:
    """Upsert the chat's data as a JSON object, or delete it when empty.

    Raises TypeError for data JSON cannot hold.
    """
    if not data:
        await conn.execute(_FORGET_DATA, {"chat_id": chat_id})
        return
    statement = insert(conn, chat_data)
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[chat_data.c.chat_id],
            set_={"data": statement.excluded.data, "updated_at": statement.excluded.updated_at},
        ),
        {"chat_id": chat_id, "data": json.dumps(dict(data)), "updated_at": utc_text(at)},
    )


async def prune(conn: AsyncConnection, *, before: datetime) -> int:
    """Delete conversation states and chat data written before `before`; rows deleted."""
    params = {"since": utc_text(before)}
    states = await conn.execute(_PRUNE_STATES, params)
    data = await conn.execute(_PRUNE_DATA, params)
    return max(states.rowcount, 0) + max(data.rowcount, 0)
